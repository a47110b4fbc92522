"""The directory as texters use it: slang, places, open now, MORE, Spanish words."""
import pytest

from tests.e2e.conftest import text

pytestmark = pytest.mark.e2e


def first_line(hotline, sender, body):
    status, replies = text(hotline, sender, body)
    assert status == 200 and replies, replies
    return replies[0].splitlines()[0]


WAYS = (
        ("need rigs near 98104", "Syringe services near 98104:"),
        ("where can i get fent strips in capitol hill", "Fentanyl test strips near Capitol Hill:"),
        ("bupe in tacoma", "Medication for opioid use disorder near Tacoma, WA:"),
        ("i got an abscess, anywhere near ballard?", "Wound care near Ballard:"),
        ("hep c test 98122", "HIV and hep C testing near 98122:"),
        ("where can i drop off old meds 98104", "Medication take-back near 98104:"),
        # Spanish words get the answer in Spanish.
        ("necesito jeringas cerca de 98104", "Jeringas y materiales cerca de 98104:"),
        ("dónde consigo naloxona en tacoma", "Naloxona (Narcan) cerca de Tacoma, WA:"),
)


# Each conversation its own fictional sender, clear of the roster's numbers (0111-0119).
@pytest.mark.parametrize("index, body, header", [(i, body, header) for i, (body, header) in enumerate(WAYS)])
def test_the_ways_people_ask(hotline, index, body, header):
    assert first_line(hotline, f"+120655501{30 + index}", body) == header


def test_open_now_ranks_open_places_first(hotline):
    assert first_line(hotline, "+12065550160", "narcan open now near 98104") == "Naloxone (Narcan) near 98104, open now first:"


def test_more_pages_through_the_results_and_the_place_carries_over(hotline):
    sender = "+12065550161"
    text(hotline, sender, "narcan near pioneer square")
    status, replies = text(hotline, sender, "MORE")
    assert status == 200 and replies[0].startswith("More naloxone (Narcan) near Pioneer Square:\n4) ")
    assert first_line(hotline, sender, "what about wound care?") == "Wound care near Pioneer Square:"


def test_near_me_without_a_place_asks_for_a_zip_and_a_neighbourhood_answers(hotline):
    sender = "+12065550162"
    status, replies = text(hotline, sender, "narcan near me")
    assert replies == ["What ZIP code are you near? I'll find the closest places."]
    assert first_line(hotline, sender, "capitol hill") == "Naloxone (Narcan) near Capitol Hill:"


def test_an_unresolvable_place_gets_a_plain_request_for_a_zip(hotline):
    sender = "+12065550163"
    text(hotline, sender, "i need syringes")
    status, replies = text(hotline, sender, "im in blahville")
    assert status == 200
    assert replies[0] == 'I couldn\'t find a place called "blahville". Please text a 5-digit ZIP code, for example 98104.'
