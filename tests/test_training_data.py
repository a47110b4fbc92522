"""`rasa data validate` over the training data: no error, and no warning but the two Rasa gives
for things it cannot see (a response sent by a custom action or a form; the retrieval intent
it adds to the domain itself)."""
import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import PROJECT_ROOT

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


def test_the_held_out_sets_are_never_trained_on():
    def messages(path: Path) -> set[str]:
        data = yaml.safe_load(path.read_text()) or {}
        found = set()
        for block in data.get("nlu", []):
            for line in (block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    found.add(re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line.strip()[2:]).strip().lower())
        return found

    trained = set().union(*(messages(path) for path in (PROJECT_ROOT / "data" / "nlu").glob("*.yml")))
    held_out = messages(PROJECT_ROOT / "tests" / "nlu_holdout.yml")
    second = messages(PROJECT_ROOT / "tests" / "nlu_holdout_2.yml")
    assert len(held_out) >= 300
    assert len(second) >= 200
    assert held_out & trained == set()
    assert second & trained == set()


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
