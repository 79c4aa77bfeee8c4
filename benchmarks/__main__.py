"""``python -m benchmarks [--quick] [--json]``: run the benchmark once and print it."""

from __future__ import annotations

import argparse
import json
import sys

from benchmarks.bench import format_table, run_bench


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="countlab bench: the cost of a draw against the cost of its random numbers.",
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes: proves it works only")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    result = run_bench(quick=args.quick)
    if args.json:
        print(json.dumps(result))
    else:
        print(format_table(result, quick=args.quick))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
