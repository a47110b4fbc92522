"""Service words the exact lookup misses: typos and plurals of the known forms, and what a phrase
the model extracted asks for; short everyday words are never matched loosely."""
import pytest

from bot.directory.service_words import service_asked_for, service_for_phrase, service_in_text


@pytest.mark.parametrize("text, code", [
    ("need narcn asap", "naloxone"),
    ("wheres the nalaxone at", "naloxone"),
    ("need new needels tonight", "syringe-services"),
    ("sringes in everett", "syringe-services"),
    ("any shelters with beds", "shelter"),
    ("need a shleter near 98104", "shelter"),
    ("methodone clinic near 98402", "moud"),
    ("need suboxen today", "moud"),
    ("my arm got an abcess", "wound-care"),
    ("woundcare in the u district", "wound-care"),
    ("where can i get an hiv tst", "testing"),
    ("where can i get my fetty tested", "drug-checking"),
    ("i wanna get my blues checked", "drug-checking"),
    ("need to get tested for hep c", "testing"),
    ("clean wurks anywhere in the cd?", "syringe-services"),
    ("any medication drop boxes in tacoma", "take-back"),
])
def test_typos_plurals_and_things_to_have_tested(text, code):
    assert service_in_text(text) == code


@pytest.mark.parametrize("text", [
    "ok im done", "im done thanks bye", "how are you doing", "where is the library", "need a ride",
    "estoy bien", "what works for you", "good points", "what are you doing tonight", "",
])
def test_no_service_where_none_is_named(text):
    assert service_in_text(text) is None


@pytest.mark.parametrize("phrase, code", [
    ("naloxone", "naloxone"), ("narcans", "naloxone"), ("methadone clinics", "moud"),
    ("fetty tested", "drug-checking"), ("tested for hep c", "testing"), ("tranq stips", "fentanyl-test-strips"),
    ("done", "moud"),  # only ever a phrase the model found where a service was asked for
    ("dosing", "moud"), ("test pills", "drug-checking"),
    ("pizza", None),
])
def test_a_phrase_the_model_extracted(phrase, code):
    assert service_for_phrase(phrase) == code


def test_a_code_from_the_model_wins_over_looser_readings():
    assert service_asked_for(["needels", "naloxone"], "narcan and needels") == "naloxone"
    assert service_asked_for([], "narcn near 98104") == "naloxone"
    assert service_asked_for(["pizza"], "pizza near 98104") is None


# Issue 22: "need a detx bed rn" was a shelter search, the model having tagged only "bed".
@pytest.mark.parametrize("values, text, code", [
    (["shelter"], "need a detx bed rn", "treatment"),
    (["treatment", "shelter"], "need a detox bed tonight", "treatment"),
    (["shelter"], "necesito una cama en un detox", "treatment"),
    (["shelter"], "i need a bed tonight near 98104", "shelter"),
    (["shelter"], "somewhere to sleep, i need needles too", "shelter"),
])
def test_a_bed_is_a_shelter_unless_the_text_names_a_kind_of_bed(values, text, code):
    assert service_asked_for(values, text) == code
