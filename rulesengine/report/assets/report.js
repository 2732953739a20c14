"use strict";
// The run report's behaviour: draw the diagram of the interaction on show (Mermaid runs
// in the page, nothing is fetched), filter the list of interactions, and on request
// draw every diagram at once (to print the report, or to check that all of them draw).
(() => {
  mermaid.initialize({
    startOnLoad: false,
    securityLevel: "strict",
    sequence: { useMaxWidth: false },
  });

  let serial = 0;
  let queue = Promise.resolve();

  // Mermaid draws one diagram at a time; each request waits for the one before.
  function draw(detail) {
    queue = queue.then(() => drawNow(detail));
    return queue;
  }

  async function drawNow(detail) {
    const holder = detail.querySelector(".diagram");
    if (holder.dataset.state) return;
    const source = detail.querySelector(".diagram-source").textContent;
    serial += 1;
    try {
      const { svg } = await mermaid.render(`diagram-${serial}`, source);
      holder.innerHTML = svg;
      holder.dataset.state = "drawn";
    } catch (error) {
      holder.textContent = `This diagram could not be drawn: ${error.message || error}`;
      holder.dataset.state = "failed";
      console.error(`diagram of ${detail.dataset.interaction}: ${error.message || error}`);
    }
  }

  function showTarget() {
    const target = location.hash.length > 1 ? document.getElementById(location.hash.slice(1)) : null;
    if (target && target.classList.contains("detail")) {
      draw(target);
    }
  }

  const filter = document.getElementById("filter");
  const rows = Array.from(document.querySelectorAll("#index tbody tr"));
  const shown = document.getElementById("index-shown");

  function applyFilter() {
    const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    let count = 0;
    for (const row of rows) {
      const match = words.every((word) => row.dataset.search.includes(word));
      row.hidden = !match;
      count += match ? 1 : 0;
    }
    shown.textContent = String(count);
  }

  filter.addEventListener("input", applyFilter);
  for (const link of document.querySelectorAll("a[data-filter]")) {
    link.addEventListener("click", () => {
      filter.value = link.dataset.filter;
      applyFilter();
    });
  }

  // Drawn while the pages are still hidden: Mermaid measures each diagram in the
  // document, which is slow once every page's text is laid out.
  document.getElementById("draw-all").addEventListener("click", async () => {
    const details = Array.from(document.querySelectorAll(".detail"));
    await Promise.all(details.map(draw));
    document.body.classList.add("every-diagram");
    document.body.dataset.drawn = String(document.querySelectorAll('.diagram[data-state="drawn"]').length);
  });

  addEventListener("hashchange", showTarget);
  showTarget();
})();
