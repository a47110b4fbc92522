"""Short replies read by the question they answer, through the signed SMS webhook, each from a
fresh number after "can i talk to someone" and the consent question: three sets of ways of saying
yes and no (tests/data/replies_in_context*.yml: 120, 80 and 80, English and Spanish), and 15 ways
of asking for more after a list.

A yes passes when it opens a handoff (the reply names its H- reference); a no passes when nothing
opens and the reply is the line's "nobody will contact you". A no that opens a handoff fails the
test whatever the count (a no is never a yes). Every miss is printed. Which sets were tuned on, and
what each measured, is said above the test."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from itertools import count

import pytest
import yaml

from tests.conftest import PROJECT_ROOT
from tests.e2e.conftest import running_hotline, text

pytestmark = pytest.mark.e2e

SETS = [yaml.safe_load((PROJECT_ROOT / "tests" / "data" / name).read_text(encoding="utf-8"))
        for name in ("replies_in_context.yml", "replies_in_context_2.yml", "replies_in_context_3.yml")]
DECLINED = ("OK, nobody will contact you.", "Está bien, nadie te va a contactar.")
_numbers = count(1)


@pytest.fixture(scope="module")
def replies_hotline(trained_model, tmp_path_factory):
    # A hotline of its own: 60 handoffs opened here would crowd the shared one's specialists.
    with running_hotline(trained_model, tmp_path_factory.mktemp("replies")) as running:
        yield running


def _person() -> str:
    return f"+1425555{next(_numbers):04d}"


def _answer_to_consent(hotline, reply: str) -> tuple[str, list[str]]:
    person = _person()
    status, asked = text(hotline, person, "can i talk to someone")
    asked_it = "Is it OK for them to text you?" in asked[0] or "¿Está bien que te escriba?" in asked[0]
    assert status == 200 and asked_it, asked
    status, replies = text(hotline, person, reply)
    assert status == 200, (reply, status)
    return reply, replies


def _answer_to_list(hotline, reply: str) -> tuple[str, list[str]]:
    person = _person()
    status, listed = text(hotline, person, "narcan 98104")
    assert status == 200 and listed[0].startswith("Naloxone (Narcan) near 98104:"), listed
    status, replies = text(hotline, person, reply)
    assert status == 200, (reply, status)
    return reply, replies


def _all(hotline, ask, phrasings):
    with ThreadPoolExecutor(4) as pool:  # one conversation per number: they do not wait on each other
        return list(pool.map(lambda reply: ask(hotline, reply), phrasings))


def _misses(hotline, yeses, noes) -> list:
    """The phrasings of yes that opened nothing and of no that were not declined; a no that
    opened a handoff fails at once."""
    said_yes = _all(hotline, _answer_to_consent, yeses)
    said_no = _all(hotline, _answer_to_consent, noes)
    opened = lambda replies: any(re.search(r"\bH-\d+", r) for r in replies)  # noqa: E731
    missed_yes = [(reply, replies) for reply, replies in said_yes if not opened(replies)]
    opened_on_no = [(reply, replies) for reply, replies in said_no if opened(replies)]
    missed_no = [(reply, replies) for reply, replies in said_no
                 if not opened(replies) and not any(r.startswith(DECLINED) for r in replies)]
    read_no = len(noes) - len(missed_no) - len(opened_on_no)
    print(f"yes {len(yeses) - len(missed_yes)}/{len(yeses)}, no {read_no}/{len(noes)}")
    for reply, replies in missed_yes + missed_no + opened_on_no:
        print(f"  missed {reply!r}: {replies[0][:90]!r}")
    assert not opened_on_no, opened_on_no
    return missed_yes + missed_no


# Sets 1 and 2 were each read once before the consent reader learnt their misses' words, and
# tuned on after: set 1 read 101 of 120 before the reading by question, 112 after; set 2 read 56
# of 80 then. Set 3 was written after that tuning and never tuned on: it is the measure of words
# nobody wrote a rule for, and it read 67 of 80 (84 %), short of the 97 % the first two now meet:
# its bound holds that figure, not the target (bench/RESULTS.md, "Replies in context"). Of its 13
# misses, 8 were asked the question again, 5 got the menu or a goodbye; no no opened a handoff.
@pytest.mark.parametrize("phrasings, at_most_missed", [
    pytest.param(SETS[0], 3, id="set-1-tuned"),  # 117 of 120
    pytest.param(SETS[1], 2, id="set-2-tuned"),  # 78 of 80
    pytest.param(SETS[2], 13, id="set-3-never-tuned"),  # 67 of 80, as measured
])
def test_yes_and_no_to_the_consent_question_in_words_nobody_wrote_a_rule_for(replies_hotline, phrasings,
                                                                            at_most_missed):
    missed = _misses(replies_hotline, phrasings["saying_yes"], phrasings["saying_no"])
    assert len(missed) <= at_most_missed, missed


def test_more_after_a_list_in_words_nobody_wrote_a_rule_for(replies_hotline):
    answers = _all(replies_hotline, _answer_to_list, SETS[0]["asking_more"])
    missed = [(reply, replies) for reply, replies in answers
              if not (replies and re.match(r"(More naloxone \(Narcan\) near 98104:|Más)", replies[0]))]
    print(f"more {15 - len(missed)}/15")
    for reply, replies in missed:
        print(f"  missed {reply!r}: {(replies or [''])[0][:90]!r}")
    assert len(missed) <= 1, missed


@pytest.mark.parametrize("answer, label", [
    # the (known phrases, no evidence of generalization), then others
    ("ballard, by the locks", "Ballard Locks"), ("near pike place", "Pike Place Market"),
    ("over by the UW campus", "University of Washington"), ("by white center off 16th", "White Center"),
    ("im by cal anderson", "Cal Anderson Park"), ("cerca de pioneer square", "Pioneer Square"),
    ("the u district", "University District"), ("hilltop, tacoma", "Hilltop"),
])
def test_a_neighbourhood_or_landmark_answer_to_where_are_you(replies_hotline, answer, label):
    person = _person()
    status, asked = text(replies_hotline, person, "narcan")
    assert status == 200 and asked == ["What ZIP code are you near? I'll find the closest places."], asked
    status, replies = text(replies_hotline, person, answer)
    assert status == 200
    # The gazetteer (bot/directory/places.py) resolved the place: the list is the one asked for by
    # its name in one message, nearest it first (the demo directory's nearest naloxone is within
    # 5 miles of each).
    assert re.match(rf"(Naloxone \(Narcan\) near|Naloxona \(Narcan\) cerca de) {re.escape(label)}:\n", replies[0]), replies
    _, by_name = text(replies_hotline, _person(), f"narcan near {label}")
    listed = lambda reply: re.findall(r"^\d\) ([^,]+),", reply, re.M)  # noqa: E731
    assert listed(replies[0]) == listed(by_name[0]) and len(listed(replies[0])) == 3
    assert float(re.search(r" - ([\d.]+) mi - ", replies[0]).group(1)) < 5, replies[0]


@pytest.mark.parametrize("reply, first_words", [
    # More than an answer is the model's to read, after the question as anywhere (the issue's own cases).
    ("no, where can i get narcan 98104", "Naloxone (Narcan) near 98104:"),
    ("no he's not breathing", None),  # 911 first: the safety net, whatever the intent
    ("yes but she's not breathing", None),
])
def test_more_than_an_answer_to_the_consent_question_is_read_as_a_whole(replies_hotline, reply, first_words):
    _, replies = _answer_to_consent(replies_hotline, reply)
    assert not any(re.search(r"\bH-\d+", r) for r in replies), replies
    if first_words:
        assert replies[0].startswith(first_words), replies
    else:
        assert "911" in replies[0], replies
