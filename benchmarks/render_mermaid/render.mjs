#!/usr/bin/env node
// Renders Mermaid files with Mermaid itself, in headless Chromium, to prove they draw.
//
//   node render.mjs FILE.mmd [FILE.mmd ...] [--out DIR] [--scale N] [--chromium PATH]
//
// Each input may hold one diagram or several (as `rulesengine graph --format mermaid`
// prints for an event file with several interactions): a new diagram starts at a
// diagram header such as `sequenceDiagram` at the start of a line. For each diagram
// an .svg and a .png are written next to the input, or into --out: NAME.svg/NAME.png
// for a single diagram, NAME-1.svg, NAME-2.svg, ... for several.
//
// Exit status: 0 when every diagram rendered; 1 when any did not (the Mermaid error
// and the offending line are printed); 2 on bad usage or when the browser or Mermaid
// cannot be loaded.
//
// mermaid and playwright-core are looked up from this folder's node_modules (after
// `npm install` here), then from the current directory's.

import { createRequire } from "node:module";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
const HEADER = new RegExp(
  "^(sequenceDiagram|flowchart|graph|classDiagram(-v2)?|stateDiagram(-v2)?|erDiagram|gantt|pie|journey|" +
    "gitGraph|mindmap|timeline|quadrantChart|requirementDiagram|C4\\w+|sankey(-beta)?|xychart(-beta)?|" +
    "block(-beta)?|packet(-beta)?|architecture(-beta)?|kanban|radar(-beta)?|treemap(-beta)?)\\b",
);

function usage(message) {
  if (message) console.error(`render.mjs: ${message}`);
  console.error("usage: node render.mjs FILE.mmd [FILE.mmd ...] [--out DIR] [--scale N] [--chromium PATH]");
  process.exit(2);
}

function parseArgs(argv) {
  const options = { files: [], out: null, scale: 1, chromium: process.env.CHROMIUM || "/usr/bin/chromium" };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => (i + 1 < argv.length ? argv[++i] : usage(`${arg} needs a value`));
    if (arg === "--out") options.out = value();
    else if (arg === "--scale") options.scale = Number(value());
    else if (arg === "--chromium") options.chromium = value();
    else if (arg === "-h" || arg === "--help") usage();
    else if (arg.startsWith("--")) usage(`unknown option ${arg}`);
    else options.files.push(arg);
  }
  if (options.files.length === 0) usage("no input file");
  if (!(options.scale > 0)) usage("--scale must be a positive number");
  return options;
}

function resolveModule(specifier) {
  for (const base of [HERE, process.cwd()]) {
    try {
      return createRequire(path.join(base, "noop.js")).resolve(specifier);
    } catch {
      // try the next base
    }
  }
  console.error(`render.mjs: cannot find ${specifier}; run \`npm install\` in ${HERE}`);
  process.exit(2);
}

// Splits a file into diagrams; each keeps the 1-based line number where it starts.
function splitDiagrams(text) {
  const lines = text.split(/\r?\n/);
  const diagrams = [];
  let current = null;
  lines.forEach((line, index) => {
    if (HEADER.test(line) && current && current.lines.some((l) => HEADER.test(l))) {
      diagrams.push(current);
      current = null;
    }
    if (!current) current = { start: index + 1, lines: [] };
    current.lines.push(line);
  });
  if (current) diagrams.push(current);
  return diagrams
    .map((d) => ({ start: d.start, text: d.lines.join("\n").replace(/\s+$/, "") + "\n" }))
    .filter((d) => d.text.trim() !== "");
}

// Mermaid parse errors say "on line N", counted in the diagram text after Mermaid has
// dropped its `%%` comment lines and leading blank lines; this maps N back to the
// 1-based line of the diagram as written.
function errorLine(message, source) {
  const match = /line (\d+)/i.exec(message);
  if (!match) return null;
  const reported = Number(match[1]);
  const original = source.split("\n");
  const cleaned = source.replace(/^\s*%%(?!{)[^\n]+\n?/gm, "").trimStart().split("\n");
  let j = 0;
  for (let i = 0; i < cleaned.length && j < original.length; i++, j++) {
    const same = (line) => (i === 0 ? line.trimStart() === cleaned[0] : line === cleaned[i]);
    while (j < original.length && !same(original[j])) j++;
    if (i === reported - 1) return j < original.length ? j + 1 : reported;
  }
  return reported;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const mermaidJs = path.join(path.dirname(resolveModule("mermaid/package.json")), "dist", "mermaid.min.js");
  const playwright = await import(pathToFileURL(resolveModule("playwright-core")).href);
  const chromium = playwright.chromium ?? playwright.default.chromium;
  const mermaidVersion = JSON.parse(readFileSync(resolveModule("mermaid/package.json"), "utf8")).version;

  const work = mkdtempSync(path.join(tmpdir(), "render-mermaid-"));
  const page_html = path.join(work, "index.html");
  writeFileSync(
    page_html,
    `<!doctype html>
<html><head><meta charset="utf-8">
<style>body { margin: 0; background: white; } #stage { display: inline-block; padding: 16px; }</style>
<script src="${pathToFileURL(mermaidJs).href}"></script>
</head><body><div id="stage"></div></body></html>
`,
  );

  let browser;
  try {
    browser = await chromium.launch({ executablePath: options.chromium, headless: true, args: CHROMIUM_ARGS });
  } catch (error) {
    console.error(`render.mjs: cannot start ${options.chromium}: ${error.message}`);
    rmSync(work, { recursive: true, force: true });
    process.exit(2);
  }

  let failures = 0;
  let rendered = 0;
  try {
    const context = await browser.newContext({
      viewport: { width: 1600, height: 1200 },
      deviceScaleFactor: options.scale,
    });
    const page = await context.newPage();
    const pageErrors = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(pathToFileURL(page_html).href);
    const loaded = await page.evaluate(() => typeof window.mermaid !== "undefined");
    if (!loaded) {
      console.error(`render.mjs: mermaid did not load from ${mermaidJs}: ${pageErrors.join("; ")}`);
      process.exitCode = 2;
      return;
    }
    await page.evaluate(() => {
      window.mermaid.initialize({
        startOnLoad: false,
        securityLevel: "strict",
        suppressErrorRendering: true,
        sequence: { useMaxWidth: false },
        flowchart: { useMaxWidth: false },
      });
    });
    console.log(`mermaid ${mermaidVersion}, ${await browser.version()} (${options.chromium})`);

    let serial = 0;
    for (const file of options.files) {
      let text;
      try {
        text = readFileSync(file, "utf8");
      } catch (error) {
        console.error(`FAIL ${file}: ${error.message}`);
        failures++;
        continue;
      }
      const diagrams = splitDiagrams(text);
      if (diagrams.length === 0) {
        console.error(`FAIL ${file}: no diagram in the file`);
        failures++;
        continue;
      }
      const outDir = options.out ?? path.dirname(file);
      mkdirSync(outDir, { recursive: true });
      const stem = path.basename(file).replace(/\.[^.]*$/, "");
      for (const [index, diagram] of diagrams.entries()) {
        const name = diagrams.length === 1 ? stem : `${stem}-${index + 1}`;
        serial++;
        const result = await page.evaluate(
          async ({ source, id }) => {
            const stage = document.getElementById("stage");
            stage.innerHTML = "";
            try {
              await window.mermaid.parse(source);
              const { svg } = await window.mermaid.render(id, source);
              stage.innerHTML = svg;
              const element = stage.querySelector("svg");
              const box = element.getBoundingClientRect();
              return { svg, width: Math.round(box.width), height: Math.round(box.height) };
            } catch (error) {
              document.getElementById(id)?.remove();
              document.getElementById("d" + id)?.remove();
              return { error: String(error?.message ?? error) };
            }
          },
          { source: diagram.text, id: `diagram${serial}` },
        );
        const label = diagrams.length === 1 ? file : `${file} (diagram ${index + 1}, from line ${diagram.start})`;
        if (result.error || !(result.width > 0 && result.height > 0)) {
          failures++;
          const message = result.error ?? "the diagram rendered empty";
          const line = errorLine(message, diagram.text);
          const fileLine = line ? diagram.start + line - 1 : null;
          const which = diagrams.length === 1 ? "" : ` (diagram ${index + 1}, from line ${diagram.start})`;
          console.error(`FAIL ${file}${fileLine ? `:${fileLine}` : ""}${which}`);
          if (fileLine) console.error(`  line ${fileLine}: ${text.split(/\r?\n/)[fileLine - 1]}`);
          console.error(message.replace(/^/gm, "  ") + (fileLine ? "\n  (Mermaid counts lines without its %% comment lines)" : ""));
          continue;
        }
        const svgPath = path.join(outDir, `${name}.svg`);
        const pngPath = path.join(outDir, `${name}.png`);
        writeFileSync(svgPath, result.svg);
        await page.locator("#stage").screenshot({ path: pngPath });
        rendered++;
        console.log(`ok   ${label} -> ${pngPath} (${result.width}x${result.height}), ${svgPath}`);
      }
    }
    if (pageErrors.length) console.error(`page errors: ${pageErrors.join("; ")}`);
  } finally {
    await browser.close();
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`${rendered} rendered, ${failures} failed`);
  if (failures) process.exitCode = 1;
}

main().catch((error) => {
  console.error(`render.mjs: ${error.stack ?? error}`);
  process.exit(2);
});
