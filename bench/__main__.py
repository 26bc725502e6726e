"""``python -m bench [topic ...]``: run the benchmark topics (all by default) and print figures."""

from __future__ import annotations

import importlib
import pkgutil
import platform
import sys

import numpy as np

import bench
from bench import Report, quiet


def main(argv: list[str]) -> int:
    quiet()
    modules = pkgutil.iter_modules(bench.__path__)
    topics = sorted(m.name for m in modules if not m.name.startswith("_"))
    chosen = argv or topics
    unknown = set(chosen) - set(topics)
    if unknown:
        print(f"unknown topic(s) {sorted(unknown)}; choose from {topics}")
        return 2
    print(
        f"gradviz benchmarks on {platform.processor() or platform.machine()}, "
        f"python {platform.python_version()}, numpy {np.__version__}"
    )
    print(f"{'figure':<62} {'measured':>11} {'target':>11} {'':>5}")
    report = Report()
    for topic in chosen:
        print(f"--- {topic}")
        importlib.import_module(f"bench.{topic}").run(report)
    if report.slow:
        print(f"\n{len(report.slow)} figure(s) over target: {', '.join(report.slow)}")
    else:
        print(f"\nall {len(report.rows)} figures printed; every target met")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
