"""`rasa data validate` over the training data: no error, and no warning but the two Rasa gives
for things it cannot see (a response sent by a custom action or a form; the retrieval intent
it adds to the domain itself)."""
import difflib
import re
import subprocess
import sys
from pathlib import Path

import yaml

from bot.language import detect_language
from tests.conftest import PROJECT_ROOT, every_holdout_message

BIN = Path(sys.executable).parent
DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())


def responses_sent_by_code() -> set[str]:
    sent = set()
    for path in (PROJECT_ROOT / "actions").glob("*.py"):
        sent |= set(re.findall(r"""response=["'](utter_\w+)["']""", path.read_text()))
    for form in DOMAIN["forms"].values():
        sent |= {f"utter_ask_{slot}" for slot in form["required_slots"]}
    return sent


def test_rasa_data_validate_is_clean():
    done = subprocess.run(
        [str(BIN / "rasa"), "data", "validate", "--data", "data/nlu", "data/rules", "data/stories"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    warnings = re.findall(r"UserWarning: (.*)", output)
    unexplained = []
    for warning in warnings:
        unused = re.match(r"The utterance '(\w+)' is not used in any story or rule\.", warning)
        if unused and unused.group(1) in responses_sent_by_code():
            continue
        if warning.startswith("The following duplicated intents have been found across multiple domain files: education"):
            continue  # Rasa merges the retrieval intent from the NLU data into the domain and warns about it
        unexplained.append(warning)
    assert unexplained == []


def messages(path: Path) -> set[str]:
    return {text.lower() for _, text in every_holdout_message(path)}


def training_messages() -> set[str]:
    return set().union(*(messages(path) for path in (PROJECT_ROOT / "data" / "nlu").glob("*.yml")))


def test_the_held_out_sets_are_never_trained_on():
    trained = training_messages()
    held_out = messages(PROJECT_ROOT / "tests" / "nlu_holdout.yml")
    second = messages(PROJECT_ROOT / "tests" / "nlu_holdout_2.yml")
    third = messages(PROJECT_ROOT / "tests" / "nlu_holdout_3.yml")
    assert len(held_out) >= 300
    assert len(second) >= 200
    assert len(third) >= 400
    assert held_out & trained == set()
    assert second & trained == set()
    assert third & trained == set()


# The third set (issue 29) measures texts nobody tuned on: none of its texts is even close to a
# training example or to a text of the older sets (difflib's ratio, on lowercased text without
# entity annotations, as the set of 180 texts that issue measured was checked).
NEAREST_RATIO = 0.8


def too_close(texts: set[str], others: set[str]) -> list[tuple[str, str, float]]:
    close = []
    for text in sorted(texts):
        matcher = difflib.SequenceMatcher(None, b=text, autojunk=False)
        for other in others:
            matcher.set_seq1(other)
            if matcher.real_quick_ratio() > NEAREST_RATIO and matcher.quick_ratio() > NEAREST_RATIO \
                    and matcher.ratio() > NEAREST_RATIO:
                close.append((text, other, round(matcher.ratio(), 2)))
    return close


def test_the_third_held_out_set_is_far_from_the_training_data_and_the_older_sets():
    third = messages(PROJECT_ROOT / "tests" / "nlu_holdout_3.yml")
    others = training_messages() | messages(PROJECT_ROOT / "tests" / "nlu_holdout.yml") \
        | messages(PROJECT_ROOT / "tests" / "nlu_holdout_2.yml")
    assert too_close(third, others) == []


def test_the_third_held_out_set_covers_every_intent_with_a_quarter_in_spanish():
    labelled = every_holdout_message("nlu_holdout_3.yml")
    per_intent = {}
    for intent, _ in labelled:
        per_intent[intent] = per_intent.get(intent, 0) + 1
    trained_intents = {intent for path in (PROJECT_ROOT / "data" / "nlu").glob("*.yml")
                       for intent, _ in every_holdout_message(path)}
    assert trained_intents - set(per_intent) == set()
    assert min(per_intent.values()) >= 20, per_intent
    spanish = [text for _, text in labelled if detect_language(text) == "es"]
    assert 0.2 <= len(spanish) / len(labelled) <= 0.35, len(spanish) / len(labelled)


# DIET pads every batch to its longest example, and nearly every batch holds one of the longest:
# the 40-word stories of issue 22 made each epoch several times slower (bench/RESULTS.md); before
# them the longest example had 13 words.
LONGEST_EXAMPLE_WORDS = 15


def test_no_training_example_is_long_enough_to_slow_every_batch():
    too_long = []
    for path in (PROJECT_ROOT / "data" / "nlu").glob("*.yml"):
        for block in (yaml.safe_load(path.read_text()) or {}).get("nlu", []):
            if "intent" not in block:
                continue  # lookup tables and synonyms are no training examples
            for line in (block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    plain = re.sub(r"\[([^\]]+)\](?:\([^)]+\)|\{[^}]+\})", r"\1", line.strip()[2:])
                    if len(plain.split()) > LONGEST_EXAMPLE_WORDS:
                        too_long.append(f"{path.name}: {plain}")
    assert too_long == []
