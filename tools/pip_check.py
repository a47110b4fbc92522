"""`pip check`, less the conflicts that overrides.txt makes on purpose and names.

Rasa 3.6.21 pins versions that cannot install on Python 3.11; overrides.txt replaces them, and pip
then reports each of those pins. The lines it may report are written in overrides.txt as
`# pip check: <the line>`. Any other line, or a known one that no longer appears (the override is
stale), fails. Run by `make install` and the Dockerfile: python tools/pip_check.py
"""
import subprocess
import sys
from pathlib import Path

OVERRIDES = Path(__file__).resolve().parents[1] / "overrides.txt"
MARK = "# pip check: "


def known_lines(text: str) -> set[str]:
    return {line[len(MARK):].strip() for line in text.splitlines() if line.startswith(MARK)}


def unexpected(report: str, known: set[str]) -> tuple[list[str], set[str]]:
    """(lines of the report that no override explains, known lines the report lacks)."""
    lines = [line.strip() for line in report.splitlines() if line.strip() and line.strip() != "No broken requirements found."]
    return [line for line in lines if line not in known], known - set(lines)


def main() -> int:
    known = known_lines(OVERRIDES.read_text())
    report = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True)
    others, missing = unexpected(report.stdout + report.stderr, known)
    for line in sorted(known - missing):
        print(f"pip check: known, from overrides.txt: {line}")
    if others:
        print("pip check: broken requirements that overrides.txt does not explain:", *others, sep="\n  ", file=sys.stderr)
    if missing:
        print("pip check: overrides.txt names lines that pip no longer reports (remove them):", *sorted(missing), sep="\n  ", file=sys.stderr)
    return 1 if others or missing else 0


if __name__ == "__main__":
    sys.exit(main())
