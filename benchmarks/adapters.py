"""Platform records in: `run --from` on many copies of the published samples, next to plain `run`.

    .venv/bin/python -m benchmarks.adapters [--counts 10000,100000] [--platform genesys-cloud]

For each count, a corpus of that many conversations (Genesys Cloud) or tasks (Twilio
TaskRouter) is written to `benchmarks/data/` as JSON lines, the published samples of
`tests/adapters/samples/` copied over and over under new ids (reused when present). Then, each
as a child process: `rulesengine convert --from PLATFORM CORPUS -o EVENTS` (the same
interactions as contract events), `rulesengine run --from PLATFORM CORPUS --output /dev/null`,
and `rulesengine run EVENTS --jobs 1 --output /dev/null`. The table gives the wall time,
interactions per second and peak RSS of each: the peak must not follow the size of the input,
and the ratio says what converting on the fly costs.
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import orjson

from benchmarks.corpus import DATA
from benchmarks.measure import Measured, run_child

SAMPLES = Path(__file__).resolve().parent.parent / "tests" / "adapters" / "samples"
#: the sids of the TaskRouter samples' tasks and reservations, renamed in every copy
_TWILIO_SIDS = re.compile(rb'"(W[TR]xx?\w*)"')


def genesys_records(count: int) -> Iterator[bytes]:
    """`count` conversation records: the published ones in turn, each under a new conversation id."""
    samples = [orjson.loads(path.read_bytes()) for path in sorted((SAMPLES / "genesys").glob("*.json"))]
    for number, sample in zip(range(count), itertools.cycle(samples)):
        yield orjson.dumps({**sample, "conversationId": f"gc-{number:07d}"})


def twilio_records(count: int) -> Iterator[bytes]:
    """The events of `count` tasks: the published lifecycles in turn, task and reservation sids renamed."""
    lifecycles = [[orjson.dumps(event) for event in orjson.loads(path.read_bytes())["events"]]
                  for path in sorted((SAMPLES / "twilio").glob("twilio_lifecycle_*.json"))]
    for number, lifecycle in zip(range(count), itertools.cycle(lifecycles)):
        suffix = f"-{number:07d}".encode()
        for event in lifecycle:
            yield _TWILIO_SIDS.sub(rb'"\1' + suffix + b'"', event)


PLATFORMS = {"genesys-cloud": genesys_records, "twilio-taskrouter": twilio_records}


def platform_corpus(platform: str, count: int) -> Path:
    """The corpus of `count` interactions of a platform, written once (under a temporary name)."""
    path = DATA / f"{platform}-{count}.jsonl"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        with open(partial, "wb") as out:
            out.writelines(record + b"\n" for record in PLATFORMS[platform](count))
        os.replace(partial, path)
    return path


def measured(argv: list[str]) -> Measured:
    result = run_child(argv)
    if result.status != 0:
        raise SystemExit(f"rulesengine {' '.join(argv)} failed (exit {result.status})")
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.adapters", description=__doc__.split("\n")[0])
    parser.add_argument("--counts", default="10000,100000",
                        help="interaction counts, comma-separated (default 10000,100000)")
    parser.add_argument("--platform", choices=sorted(PLATFORMS), default="genesys-cloud")
    args = parser.parse_args(argv)
    print(f"| {args.platform} | interactions | input (MB) | convert (s) | run --from (s) | run --from "
          "interactions/s | run --from peak RSS (MiB) | run on the events (s) | run interactions/s "
          "| run peak RSS (MiB) | run --from / run |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for count in (int(text) for text in args.counts.split(",")):
        source = platform_corpus(args.platform, count)
        events = source.with_suffix(".events.jsonl")
        converted = measured(["convert", "--from", args.platform, str(source), "-o", str(events)])
        direct = measured(["run", "--from", args.platform, str(source), "--output", "/dev/null"])
        plain = measured(["run", str(events), "--jobs", "1", "--output", "/dev/null"])
        print(f"| | {count:,} | {source.stat().st_size / 1e6:,.0f} | {converted.seconds:.1f} "
              f"| {direct.seconds:.1f} | {count / direct.seconds:,.0f} | {direct.peak_kib / 1024:.1f} "
              f"| {plain.seconds:.1f} | {count / plain.seconds:,.0f} | {plain.peak_kib / 1024:.1f} "
              f"| {direct.seconds / plain.seconds:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
