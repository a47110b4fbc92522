"""Alert latency (part 1 of bench/handoff.py) of two source trees, run alternately in one
session, so that a change to the worker is judged against a baseline on the same machine load.

    rm -rf /tmp/hub-base && mkdir -p /tmp/hub-base/var && git archive $(git merge-base main HEAD) | tar -x -C /tmp/hub-base
    .venv/bin/python bench/alert_latency_ab.py /tmp/hub-base . --rounds 3

Each tree's own bench/handoff.py and bot/ are used (the tree goes first on sys.path), in a fresh
process per run, so the two never share an import.
"""
from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
from pathlib import Path

RUN = """
import importlib.util, sys, tempfile
from pathlib import Path
root = Path(sys.argv[1]).resolve()
spec = importlib.util.spec_from_file_location("handoff_bench", root / "bench" / "handoff.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)
import bot
assert Path(bot.__file__).resolve().is_relative_to(root), bot.__file__
with tempfile.TemporaryDirectory() as work:
    bench.part_alert_latency(Path(work))
"""
FIGURES = re.compile(r"p50 (\d+) ms, p95 (\d+) ms")


def run(tree: Path) -> tuple[int, int]:
    done = subprocess.run([sys.executable, "-c", RUN, str(tree)], capture_output=True, text=True, timeout=300)
    found = FIGURES.search(done.stdout)
    if not found:
        raise SystemExit(f"{tree}: no figures\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return int(found.group(1)), int(found.group(2))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("baseline", type=Path)
    parser.add_argument("candidate", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ratios50, ratios95 = [], []
    for round_ in range(1, args.rounds + 1):
        base, cand = run(args.baseline), run(args.candidate)
        ratios50.append(cand[0] / base[0])
        ratios95.append(cand[1] / base[1])
        print(f"round {round_}: baseline p50 {base[0]} ms p95 {base[1]} ms; candidate p50 {cand[0]} ms p95 {cand[1]} ms", flush=True)
    print(f"candidate / baseline, median of {args.rounds} rounds: p50 x{statistics.median(ratios50):.2f}, "
          f"p95 x{statistics.median(ratios95):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
