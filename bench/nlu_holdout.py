"""Held-out NLU evaluation: the figures `make eval` prints and bench/RESULTS.md records.

    make eval      # trains if needed, runs `rasa test nlu` on tests/nlu_holdout.yml, then this

Reads the reports `rasa test nlu --out results/holdout` writes: intent macro-F1 (target >= 0.92),
per-intent F1, the education answers chosen by the ResponseSelector, and the entities found by
the lookup tables and regexes. The emergency check (every emergency message of the held-out set
answered 911 first, through the real webhook) is tests/e2e/test_community_conversations.py,
which `make eval` runs after this.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

TARGET_MACRO_F1 = 0.92


def _report(directory: Path, name: str) -> dict | None:
    path = directory / name
    return json.loads(path.read_text()) if path.exists() else None


def _per_label(report: dict) -> dict[str, dict]:
    return {label: values for label, values in report.items()
            if isinstance(values, dict) and label not in ("macro avg", "weighted avg", "micro avg")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", nargs="?", default="results/holdout", type=Path)
    args = parser.parse_args(argv)

    intents = _report(args.results, "intent_report.json")
    if intents is None:
        print(f"no intent_report.json in {args.results}: run `make eval`", file=sys.stderr)
        return 2
    macro = intents["macro avg"]["f1-score"]
    print(f"held-out messages: {intents['macro avg']['support']}")
    print(f"intent accuracy {intents['accuracy']:.3f}, macro-F1 {macro:.3f} (target >= {TARGET_MACRO_F1})")
    for label, values in sorted(_per_label(intents).items(), key=lambda item: item[1]["f1-score"]):
        confused = ", ".join(f"{k} {v}" for k, v in (values.get("confused_with") or {}).items())
        print(f"  {label:18} F1 {values['f1-score']:.3f}  n={values['support']:<3} {('confused with: ' + confused) if confused else ''}")

    responses = _report(args.results, "response_selection_report.json")
    if responses:
        print(f"education answers (ResponseSelector): accuracy {responses['accuracy']:.3f}, "
              f"macro-F1 {responses['macro avg']['f1-score']:.3f}")
        for label, values in sorted(_per_label(responses).items()):
            print(f"  {label:34} F1 {values['f1-score']:.3f}  n={values['support']}")

    for path in sorted(args.results.glob("*Extractor_report.json")):
        entities = json.loads(path.read_text())
        print(f"entities ({path.name.split('_report')[0]}): macro-F1 {entities['macro avg']['f1-score']:.3f}")
        for label, values in sorted(_per_label(entities).items()):
            if label != "no_entity":
                print(f"  {label:18} precision {values['precision']:.3f} recall {values['recall']:.3f} F1 {values['f1-score']:.3f}  n={values['support']}")
    return 0 if macro >= TARGET_MACRO_F1 else 1


if __name__ == "__main__":
    sys.exit(main())
