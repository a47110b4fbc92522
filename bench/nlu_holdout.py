"""Held-out NLU evaluation: the figures `make eval` prints and bench/RESULTS.md records.

    make eval      # trains if needed, runs `rasa test nlu` on each held-out set, then this

Three sets, never trained on (tests/test_training_data.py checks): tests/nlu_holdout.yml (issue 4),
tests/nlu_holdout_2.yml (issue 22: service slang, long and mixed messages, closings, places by
name, legal questions) and tests/nlu_holdout_3.yml (issue 29: written before any change for it,
no text within 0.8 of the training data or the older sets; short replies, neighbourhoods,
voice transcripts, requests to buy drugs). A results directory whose name ends in _2 or _3 holds
that set's reports; one ending in cv (results/holdout_cv) holds the training data's own test folds
of `rasa test nlu --cross-validation`, the development figure, with no target. For each, from the reports `rasa test nlu --out DIR --successes` writes:
intent macro-F1 and per-intent F1, out_of_scope F1, the education answers chosen by the
ResponseSelector, each entity extractor's scores, and service-type recall as the hotline sees it:
a service phrase of the set counts as found when any extractor's service_type overlaps it, or,
failing that, when the typo and plural matching of bot/directory/service_words.py finds a service
in the message (the action server runs it after the model), or when what the action server
chooses from the model's values and the text is the phrase's service type. Messages naming no
service that still get one are counted too (false services: "I'm done" read as methadone would be one).

Then all the sets side by side, from each message's prediction (intent_errors.json and
intent_successes.json): accuracy, macro-F1, emergencies the model missed, false emergencies, the
weakest classes; and the macro-F1 with buy_drugs read as out_of_scope, the like-for-like figure
for a model without that intent (issue 29 adds it).

The emergency check (every emergency message of the three sets answered 911 first, through the real
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

# Held-out file and intent macro-F1 target of each set, by the suffix of its results directory.
# The out_of_scope F1 and service recall targets hold for all.
FIRST, SECOND = ("tests/nlu_holdout.yml", 0.95), ("tests/nlu_holdout_2.yml", 0.93)
THIRD = ("tests/nlu_holdout_3.yml", 0.92)
# The training data's own test folds (`rasa test nlu --cross-validation`): for development, with no
# target of its own (issue 29: the third set is read only at the start and at the end).
CROSS_VALIDATION = ("data/nlu, cross-validation", None)
SETS = {"_2": SECOND, "_3": THIRD, "cv": CROSS_VALIDATION}
DEFAULT_RESULTS = ["results/holdout", "results/holdout_2", "results/holdout_3"]
# Intents read together for the like-for-like figure (the model's label, the set's label).
FOLDED = {"buy_drugs": "out_of_scope"}
WEAKEST = 4
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


def summarise(directory: Path, held_out: str, target: float | None) -> bool:
    intents = _report(directory, "intent_report.json")
    if intents is None:
        print(f"no intent_report.json in {directory}: run `make eval`", file=sys.stderr)
        return False
    macro = intents["macro avg"]["f1-score"]
    per_intent = _per_label(intents)
    out_of_scope = per_intent.get("out_of_scope", {}).get("f1-score", 0.0)
    print(f"== {held_out}: {intents['macro avg']['support']} messages")
    print(f"intent accuracy {intents['accuracy']:.3f}, macro-F1 {macro:.3f} (target >= {target or 'none'}), "
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
    if target is None:
        return True
    return macro >= target and out_of_scope >= TARGET_OUT_OF_SCOPE_F1 and recall >= TARGET_SERVICE_RECALL


def predictions(directory: Path) -> list[tuple[str, str, str]]:
    """(text, labelled intent, predicted intent) of every message of the set."""
    found = []
    for name in ("intent_errors.json", "intent_successes.json"):
        for record in _report(directory, name) or []:
            predicted = (record.get("intent_prediction") or {}).get("name") or "None"
            found.append((record["text"], record["intent"], predicted))
    return found


def scores(pairs: list[tuple[str, str]]) -> tuple[float, float, dict[str, float]]:
    """Accuracy, macro-F1 and per-label F1 over (labelled, predicted) pairs, over the labels the
    set has (as Rasa's intent_report.json counts them: a label only predicted costs the precision
    of none, its misses cost the recall of the labels they belong to)."""
    labels = {gold for gold, _ in pairs}
    f1 = {}
    for label in labels:
        true_positive = sum(1 for gold, predicted in pairs if gold == label == predicted)
        labelled = sum(1 for gold, _ in pairs if gold == label)
        predicted = sum(1 for _, p in pairs if p == label)
        f1[label] = 2 * true_positive / (labelled + predicted) if labelled + predicted else 0.0
    accuracy = sum(1 for gold, predicted in pairs if gold == predicted) / len(pairs) if pairs else 0.0
    return accuracy, (sum(f1.values()) / len(f1) if f1 else 0.0), f1


def side_by_side(results: list[str]) -> None:
    """One line per set: the figures issue 29 compares, from each message's prediction."""
    print("== all sets side by side (from each message's prediction)")
    print(f"{'set':26} {'n':>4} {'accuracy':>8} {'macro-F1':>8} {'target':>6} {'folded':>7} "
          f"{'emerg. missed':>13} {'false emerg.':>12}  weakest classes (F1)")
    for name in results:
        held_out, target = SETS.get(name.rstrip("/")[-2:], FIRST)
        rows = predictions(Path(name))
        if not rows:
            print(f"{held_out:26} no predictions in {name}")
            continue
        pairs = [(gold, predicted) for _, gold, predicted in rows]
        accuracy, macro, f1 = scores(pairs)
        _, folded, _ = scores([(FOLDED.get(g, g), FOLDED.get(p, p)) for g, p in pairs])
        missed = [text for text, gold, predicted in rows if gold == "emergency" != predicted]
        false = [text for text, gold, predicted in rows if predicted == "emergency" != gold]
        weakest = sorted(f1, key=lambda label: f1[label])[:WEAKEST]
        print(f"{held_out:26} {len(rows):>4} {accuracy:>8.3f} {macro:>8.3f} {target or '-':>6} {folded:>7.3f} "
              f"{len(missed):>13} {len(false):>12}  " + ", ".join(f"{label} {f1[label]:.2f}" for label in weakest))
        for text in missed:
            print(f"    emergency missed: {text!r}")
        for text in false:
            print(f"    false emergency:  {text!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", nargs="*", default=DEFAULT_RESULTS, help="results directories (default: the three sets)")
    args = parser.parse_args(argv)
    met = True
    for name in args.results:
        held_out, target = SETS.get(name.rstrip("/")[-2:], FIRST)
        met = summarise(Path(name), held_out, target) and met
        print()
    side_by_side(args.results)
    print()
    print("all targets met" if met else "some targets not met")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
