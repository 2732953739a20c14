"""Peak memory of `rulesengine run` on small and large corpora: it must stay flat.

    .venv/bin/python -m benchmarks.memory [--counts 10000,1000000] [--jobs N] [--sort]

For each count, a generated corpus (reused from `benchmarks/data/` when present) is
run through `rulesengine run FILE --output /dev/null` in a child process; the table
gives its peak RSS and throughput. The engine streams, so the peak must not follow
the size of the input; with `--sort` (every row held until the input ends, spilled to
temporary files past a bound) it must stay under that bound plus the streaming peak.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from benchmarks.corpus import corpus
from benchmarks.measure import run_child


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory", description=__doc__.split("\n")[0])
    parser.add_argument("--counts", default="10000,1000000",
                        help="interaction counts, comma-separated (default 10000,1000000)")
    parser.add_argument("--jobs", type=int, default=None,
                        help="pass --jobs N to rulesengine run (default: its own default)")
    parser.add_argument("--sort", action="store_true", help="pass --sort to rulesengine run")
    args = parser.parse_args(argv)
    extra = (["--jobs", str(args.jobs)] if args.jobs is not None else []) + (["--sort"] if args.sort else [])
    print("| interactions | event lines | peak RSS (MiB) | wall (s) | interactions/s |")
    print("|---:|---:|---:|---:|---:|")
    for count in (int(text) for text in args.counts.split(",")):
        path = corpus(count)
        with open(path, "rb") as handle:
            lines = sum(1 for _ in handle)
        measured = run_child(["run", str(path), "--output", "/dev/null", *extra])
        if measured.status not in (0, 1):
            raise SystemExit(f"rulesengine run failed on {path} (exit {measured.status})")
        print(f"| {count:,} | {lines:,} | {measured.peak_kib / 1024:.1f} | {measured.seconds:.1f} "
              f"| {count / measured.seconds:,.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
