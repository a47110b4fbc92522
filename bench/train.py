"""How long `make model` takes: `rasa train` on the project's data, timed whole, for one or more
configs in one run, so that a change to the pipeline is compared with a baseline on the same
machine at the same minute (this machine is noisy; a ratio says more than seconds).

    .venv/bin/python bench/train.py                          # config.yml alone
    .venv/bin/python bench/train.py git:HEAD~1:config.yml config.yml
    .venv/bin/python bench/train.py --keep models/bench config.yml candidate.yml   # then `rasa test nlu`

Each config trains from scratch, with its own empty Rasa cache (a cached featurizer would make the
second training look cheaper than it is), into a temporary directory that is removed afterwards.
Printed per config: wall time, CPU time (user + system of rasa and its children), peak memory, the
seconds each component's training took (from the log's timestamps), and the wall time's ratio to
the first config. `--json` prints the same as one JSON object.

The target (issue 22): `make model` within 3 minutes on this machine. Record the command, the
figures and the date in bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RASA = ROOT / ".venv" / "bin" / "rasa"
DATA = ["data/nlu", "data/rules", "data/stories"]
# Rasa logs "Starting to train component 'DIETClassifier'" and "Finished training component
# 'DIETClassifier'" at DEBUG; the log's own timestamps split the wall time between components.
_LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\S* .*?(Starting to train|Finished training) component '(\w+)'")


def _config_file(spec: str, workdir: Path) -> Path:
    """A config given as a path, or as git:REV:PATH (a config as it was at a commit)."""
    if not spec.startswith("git:"):
        path = Path(spec)
        if not path.is_file():
            raise SystemExit(f"bench/train.py: no config file {spec}")
        return path.resolve()
    _, rev, path = spec.split(":", 2)
    text = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=ROOT, capture_output=True, text=True)
    if text.returncode != 0:
        raise SystemExit(f"bench/train.py: {spec}: {text.stderr.strip()}")
    out = workdir / f"config-{rev.replace('/', '_').replace('~', '-')}.yml"
    out.write_text(text.stdout)
    return out


def _components(log: str) -> dict[str, float]:
    started: dict[str, datetime] = {}
    took: dict[str, float] = {}
    for line in log.splitlines():
        match = _LOG_LINE.match(line)
        if not match:
            continue
        at = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S")
        if match.group(2) == "Starting to train":
            started[match.group(3)] = at
        elif match.group(3) in started:
            took[match.group(3)] = took.get(match.group(3), 0.0) + (at - started.pop(match.group(3))).total_seconds()
    return took


def train(config: Path, workdir: Path) -> dict:
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", RASA_CACHE_DIRECTORY=str(workdir / f"cache-{config.stem}"))
    out = workdir / f"models-{config.stem}"
    command = [str(RASA), "train", "--data", *DATA, "--config", str(config), "--fixed-model-name", "bench",
               "--out", str(out)]
    log = workdir / f"train-{config.stem}.log"
    start = time.monotonic()
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        # wait4: this training's own CPU time and peak memory (RUSAGE_CHILDREN would give the
        # largest peak of every training so far).
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - start
    text = log.read_text(errors="replace")
    if process.returncode != 0 or not (out / "bench.tar.gz").exists():
        sys.stderr.write(text[-6000:])
        raise SystemExit(f"bench/train.py: rasa train failed with {config}")
    return {
        "config": str(config),
        "wall_s": round(wall, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_mb": round(usage.ru_maxrss / 1024),
        "components_s": _components(text),
        "load_average_after": os.getloadavg()[0],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("configs", nargs="*", default=["config.yml"], help="config files, or git:REV:PATH")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", metavar="DIR", help="keep each model there, as <config name>.tar.gz (to evaluate it)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hub-train-") as tmp:
        workdir = Path(tmp)
        configs = [_config_file(spec, workdir) for spec in args.configs]
        results = []
        for spec, config in zip(args.configs, configs):
            result = train(config, workdir)
            result["config"] = spec
            if args.keep:
                Path(args.keep).mkdir(parents=True, exist_ok=True)
                kept = Path(args.keep) / f"{config.stem}.tar.gz"
                shutil.move(str(workdir / f"models-{config.stem}" / "bench.tar.gz"), kept)
                result["model"] = str(kept)
            result["ratio_to_first"] = round(result["wall_s"] / results[0]["wall_s"], 2) if results else 1.0
            results.append(result)
            if not args.json:
                parts = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in result["components_s"].items() if seconds >= 1)
                print(f"{spec}: {result['wall_s']:.0f} s wall ({result['ratio_to_first']:.2f}x the first), "
                      f"{result['cpu_s']:.0f} s CPU, {result['peak_mb']} MB peak, load {result['load_average_after']:.1f}"
                      f"\n    {parts}", flush=True)
    if args.json:
        print(json.dumps({"date": datetime.now().isoformat(timespec="minutes"), "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
