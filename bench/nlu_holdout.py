"""Held-out NLU evaluation: the figures `make eval` prints and bench/RESULTS.md records.

    make eval      # trains if needed, runs `rasa test nlu` on each held-out set, then this

Two sets, never trained on (tests/test_training_data.py checks): tests/nlu_holdout.yml (issue 4)
and tests/nlu_holdout_2.yml (issue 22: service slang, long and mixed messages, closings, places by
name, legal questions). For each, from the reports `rasa test nlu --out DIR --successes` writes:
intent macro-F1 and per-intent F1, out_of_scope F1, the education answers chosen by the
ResponseSelector, each entity extractor's scores, and service-type recall as the hotline sees it:
a service phrase of the set counts as found when any extractor's service_type overlaps it, or,
failing that, when the typo and plural matching of bot/directory/service_words.py finds a service
in the message (the action server runs it after the model), or when what the action server
chooses from the model's values and the text is the phrase's service type. Messages naming no
service that still get one are counted too (false services: "I'm done" read as methadone would be one).

The emergency check (every emergency message of both sets answered 911 first, through the real
webhook) is tests/e2e/test_community_conversations.py, which `make eval` runs after this.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.directory.service_words import service_asked_for, service_for_phrase, service_in_text  # noqa: E402

# Held-out file and intent macro-F1 target of each set; a results directory whose name ends in
# _2 holds the second set's reports. The out_of_scope F1 and service recall targets hold for both.
FIRST, SECOND = ("tests/nlu_holdout.yml", 0.95), ("tests/nlu_holdout_2.yml", 0.93)
DEFAULT_RESULTS = ["results/holdout", "results/holdout_2"]
TARGET_OUT_OF_SCOPE_F1 = 0.90
TARGET_SERVICE_RECALL = 0.97


def _report(directory: Path, name: str):
    path = directory / name
    return json.loads(path.read_text()) if path.exists() else None


def _per_label(report: dict) -> dict[str, dict]:
    return {label: values for label, values in report.items()
            if isinstance(values, dict) and label not in ("macro avg", "weighted avg", "micro avg")}


def _overlaps(a: dict, b: dict) -> bool:
    return a["start"] < b["end"] and b["start"] < a["end"]


def service_recall(directory: Path) -> tuple[dict, list[str]]:
    """Service phrases found by the model alone, and by the model then the bot's matching, over
    every message of the set that has an entity or a predicted one (Rasa writes those)."""
    messages: dict[str, tuple[list, list]] = {}
    for path in list(directory.glob("*_errors.json")) + list(directory.glob("*_successes.json")):
        if path.name.startswith(("intent_", "response_selection_")):
            continue
        for record in json.loads(path.read_text()):
            gold = [e for e in record.get("entities") or [] if e["entity"] == "service_type"]
            predicted = [e for e in record.get("predicted_entities") or [] if e["entity"] == "service_type"]
            known = messages.setdefault(record["text"], (gold, []))
            known[1].extend(predicted)
    total = by_model = by_hotline = false_services = 0
    missed = []
    for text, (gold, predicted) in messages.items():
        matched = service_in_text(text) if not predicted else None
        # What the action server makes of the model's values and the text (a "detx bed" the model
        # tagged only as "bed" is still treatment there).
        chosen = service_asked_for([p.get("value") for p in predicted], text) if predicted else None
        if not gold and (predicted or matched):
            false_services += 1
        for span in gold:
            total += 1
            if any(_overlaps(span, p) for p in predicted):
                by_model += 1
                by_hotline += 1
            elif matched or (chosen and chosen == service_for_phrase(text[span["start"]:span["end"]])):
                by_hotline += 1
            else:
                missed.append(f"{text[span['start']:span['end']]!r} in {text!r}")
    return {"total": total, "model": by_model, "hotline": by_hotline, "false": false_services}, missed


def summarise(directory: Path, held_out: str, target: float) -> bool:
    intents = _report(directory, "intent_report.json")
    if intents is None:
        print(f"no intent_report.json in {directory}: run `make eval`", file=sys.stderr)
        return False
    macro = intents["macro avg"]["f1-score"]
    per_intent = _per_label(intents)
    out_of_scope = per_intent.get("out_of_scope", {}).get("f1-score", 0.0)
    print(f"== {held_out}: {intents['macro avg']['support']} messages")
    print(f"intent accuracy {intents['accuracy']:.3f}, macro-F1 {macro:.3f} (target >= {target}), "
          f"out_of_scope F1 {out_of_scope:.3f} (target >= {TARGET_OUT_OF_SCOPE_F1})")
    for label, values in sorted(per_intent.items(), key=lambda item: item[1]["f1-score"]):
        confused = ", ".join(f"{k} {v}" for k, v in (values.get("confused_with") or {}).items())
        print(f"  {label:18} F1 {values['f1-score']:.3f}  n={values['support']:<3} {('confused with: ' + confused) if confused else ''}")

    responses = _report(directory, "response_selection_report.json")
    if responses:
        print(f"education answers (ResponseSelector): accuracy {responses['accuracy']:.3f}, "
              f"macro-F1 {responses['macro avg']['f1-score']:.3f}")
        for label, values in sorted(_per_label(responses).items()):
            print(f"  {label:34} F1 {values['f1-score']:.3f}  n={values['support']}")

    for path in sorted(directory.glob("*Extractor_report.json")) + sorted(directory.glob("DIETClassifier_report.json")):
        entities = json.loads(path.read_text())
        print(f"entities ({path.name.split('_report')[0]}): macro-F1 {entities['macro avg']['f1-score']:.3f}")
        for label, values in sorted(_per_label(entities).items()):
            if label != "no_entity":
                print(f"  {label:18} precision {values['precision']:.3f} recall {values['recall']:.3f} F1 {values['f1-score']:.3f}  n={values['support']}")

    counts, missed = service_recall(directory)
    recall = counts["hotline"] / counts["total"] if counts["total"] else 1.0
    print(f"service phrases found: {counts['hotline']} of {counts['total']} = recall {recall:.3f} "
          f"(target >= {TARGET_SERVICE_RECALL}); by the model alone {counts['model']}; "
          f"messages naming no service that got one: {counts['false']}")
    for line in missed:
        print(f"  missed {line}")
    return macro >= target and out_of_scope >= TARGET_OUT_OF_SCOPE_F1 and recall >= TARGET_SERVICE_RECALL


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", nargs="*", default=DEFAULT_RESULTS, help="results directories (default: both sets)")
    args = parser.parse_args(argv)
    met = True
    for name in args.results:
        held_out, target = SECOND if name.rstrip("/").endswith("_2") else FIRST
        met = summarise(Path(name), held_out, target) and met
        print()
    print("all targets met" if met else "some targets not met")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
