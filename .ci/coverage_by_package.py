"""Coverage per package of `rulesengine`, lines and branches together as coverage.py counts
them, from the JSON report named on the command line."""

import json
import sys
from collections import defaultdict


def main(report: str) -> None:
    with open(report, encoding="utf-8") as handle:
        files = json.load(handle)["files"]
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for path, measured in files.items():
        parts = path.split("/")
        package = "/".join(parts[:2]) if len(parts) > 2 else parts[0] + "/*.py"
        summary = measured["summary"]
        totals[package][0] += summary["covered_lines"] + summary.get("covered_branches", 0)
        totals[package][1] += summary["num_statements"] + summary.get("num_branches", 0)
    print(f"{'package':<28} {'covered':>8} {'of':>7} {'%':>7}")
    for package, (covered, measured_count) in sorted(totals.items()):
        share = 100 * covered / measured_count if measured_count else 100.0
        print(f"{package:<28} {covered:>8} {measured_count:>7} {share:>6.1f}%")


if __name__ == "__main__":
    main(sys.argv[1])
