"""The consent record a handoff rests on, for a person's own yes and for a referrer's report."""
import pytest

from bot.db.models import Officer
from bot.handoff.consent import REASONS, Consent, ReadAs, direct_answer, officer_consent, person_consent, read_consent


def test_the_persons_consent_is_the_question_and_the_answer_word_for_word():
    assert person_consent("Want a specialist to text you?", "yes please") == \
        'Asked: "Want a specialist to text you?" Answered: "yes please"'
    assert person_consent("Press 1 for yes.", "yes", keypad="1") == 'Asked: "Press 1 for yes." Answered: "pressed 1 (yes)"'
    assert person_consent("Q?", "") == 'Asked: "Q?" Answered: ""'
    assert person_consent("Q?", "sí 🙏") == 'Asked: "Q?" Answered: "sí 🙏"'


def test_a_referrers_report_of_consent_names_the_agency_and_the_reason():
    officer = Officer(agency="Seattle Fire")
    assert officer_consent(officer, "non_fatal_overdose") == \
        "Officer of Seattle Fire reported the person's consent to be contacted (after a non-fatal overdose)."
    assert officer_consent(officer, None).endswith("(other).")
    assert set(REASONS) == {"non_fatal_overdose", "overdose_risk", "risky_use", "other"}


# --- reading consent ----------------------------------------------------------------------------

FREE, ANSWER = ReadAs.FREE_TEXT, ReadAs.DIRECT_ANSWER
YES, NO, UNCLEAR = Consent.YES, Consent.NO, Consent.UNCLEAR

# The eleven referrals that opened a handoff, measured through the signed webhook (issue 28).
MEASURED = [
    ("Referral: hasn't consented, 206-555-0142, post OD, needs narcan", NO),
    ("did not give consent", NO),
    ("they don't consent", NO),
    ("refuses consent", NO),
    ("consent: no", NO),
    ("not agreed yet", UNCLEAR),
    ("consent pending, hasn't decided", UNCLEAR),
    ("Asked about consent, he said nah", NO),
    ("wouldn't consent", NO),
    ("unsure if she consented", UNCLEAR),
    ("never consented", NO),
]


@pytest.mark.parametrize("text, reading", MEASURED)
def test_the_measured_referrals_that_opened_a_handoff(text, reading):
    assert read_consent(text, FREE) is reading


# An officer's one-message referral, in their own words.
REFERRALS = [
    # consent words
    ("Referral: consented, 206-555-0142, post OD, needs narcan + bupe, spanish", YES),
    ("consented", YES), ("she agreed", YES), ("ok to contact", YES), ("he said yes to a call", YES),
    ("person agreed", YES), ("he agreed to be contacted", YES), ("verbal consent given", YES),
    ("consent obtained, post od", YES), ("consent: yes", YES), ("consent: Y", YES), ("gave permission", YES),
    ("she's ok with a call", YES), ("wants help, 206-555-0143", YES), ("interested in services", YES),
    ("CONSENTED. narcan'd at 3rd and pine", YES), ("Consentimiento dado", YES),
    ("aceptó", YES), ("dio permiso", YES), ("aceptó que la contacten", YES), ("sí aceptó", YES),
    ("dijo que sí a una llamada", YES), ("está de acuerdo", YES), ("quiere ayuda", YES),
    # other negations in the message do not count
    ("Referral: consented, no phone, post OD", YES), ("consented no phone", YES), ("consented. no ID", YES),
    ("consented, has no phone, find him at the library", YES), ("aceptó, no tiene celular", YES),
    ("agreed; doesn't have a phone", YES), ("consented, post OD. Not his first OD", UNCLEAR),
    # no
    ("referral, no consent", NO), ("declined, post od", NO), ("he refused", NO), ("refused help", NO),
    ("consent declined", NO), ("consent: refused", NO), ("she refuses contact", NO), ("no consent given", NO),
    ("consent not given", NO), ("does not consent", NO), ("not consenting", NO), ("consent? no.", NO),
    ("consent - nope", NO), ("asked about consent, nah", NO), ("nah, consent", NO), ("consent, never", NO),
    ("doesn't want a call", NO), ("doesnt want contact", NO), ("didnt consent", NO), ("hasnt agreed", NO),
    ("wont consent", NO), ("without consent", NO), ("w/o consent", NO), ("consent: n", NO), ("nvr consented", NO),
    ("said no to a call", NO), ("no creo que aceptó", UNCLEAR),
    ("no quiso", NO), ("no aceptó", NO), ("no dio permiso", NO), ("no quiere ayuda", NO), ("rechazó la ayuda", NO),
    ("dijo que no", NO), ("se negó", NO), ("sin consentimiento", NO), ("nunca aceptó", NO), ("aceptó? no", NO),
    # unclear: asked again
    ("consent pending", UNCLEAR), ("unsure", UNCLEAR), ("maybe consented", UNCLEAR), ("not yet", UNCLEAR),
    ("hasn't decided", UNCLEAR), ("todavía no", UNCLEAR), ("todavía no acepta", UNCLEAR),
    ("consent tbd", UNCLEAR), ("not sure if he agreed", UNCLEAR), ("I think he agreed", UNCLEAR),
    ("prolly consented", UNCLEAR), ("if she agrees, call her", UNCLEAR), ("si acepta, llámenle", UNCLEAR),
    ("no sé si aceptó", UNCLEAR), ("tal vez acepta", UNCLEAR), ("lo va a pensar", UNCLEAR),
    ("consented, refused transport", UNCLEAR),  # a refusal beside the yes, of something else: ask
    # nothing said of consent: the question is asked
    ("new referral", UNCLEAR), ("no phone, find her at the library", UNCLEAR), ("yes", UNCLEAR),
    ("yes, post OD", UNCLEAR), ("content to wait at the library", UNCLEAR), ("filling out paperwork", UNCLEAR), ("", UNCLEAR),
]


@pytest.mark.parametrize("text, reading", REFERRALS)
def test_a_referral_in_an_officers_words(text, reading):
    assert read_consent(text, FREE) is reading


# The reply to the line's own question ("Reply YES or NO").
ANSWERS = [
    ("yes", YES), ("YES", YES), ("yes.", YES), ("y", YES), ("yeah", YES), ("yep", YES), ("sure", YES),
    ("ok", YES), ("okay", YES), ("k", YES), ("sure why not", YES), ("no problem", YES), ("no worries", YES),
    ("yes please", YES), ("yes please text me", YES), ("yesss", YES), ("👍", YES), ("of course", YES),
    ("she agreed", YES), ("yes, 206-555-0144", YES), ("yes please connect me", YES), ("sí, comunícame", YES),
    ("sure thing", YES), ("do it", YES), ("ándale", YES), ("mm hmm", YES), ("uh-huh, yes", YES),
    ("sí", YES), ("si", YES), ("Sí", YES), ("sí, claro", YES), ("claro que sí", YES), ("dale", YES),
    ("sí por favor", YES), ("está bien", YES), ("de acuerdo", YES), ("órale", YES), ("sin problema", YES),
    ("no", NO), ("No", NO), ("n", NO), ("nope", NO), ("nah", NO), ("no thanks", NO), ("not now", NO),
    ("NO GRACIAS", NO), ("no way", NO), ("nah he refused", NO), ("he said no", NO), ("she declined", NO),
    ("never", NO), ("nel", NO), ("mejor no", NO), ("no quiso", NO), ("no aceptó", NO), ("yes but not now", NO),
    ("doesn't want to", NO), ("👎", NO), ("no quiero", NO), ("ahorita no", NO), ("para nada", NO), ("no, no llames", NO),
    ("not yet", UNCLEAR), ("maybe", UNCLEAR), ("unsure", UNCLEAR), ("not sure", UNCLEAR), ("idk", UNCLEAR),
    ("maybe later", UNCLEAR), ("no, not yet", UNCLEAR), ("todavía no", UNCLEAR), ("no sé", UNCLEAR),
    ("tal vez", UNCLEAR), ("quizás", UNCLEAR), ("pending", UNCLEAR), ("hasn't decided", UNCLEAR),
    ("she hasn't agreed", NO), ("sí, pero todavía no", UNCLEAR),
    # more than an answer: a bare yes no longer counts, consent words still do
    ("yes please call me", UNCLEAR), ("yes where is narcan near 98104", UNCLEAR), ("narcan near 98104", UNCLEAR),
    ("no phone", UNCLEAR), ("", UNCLEAR), ("😀", UNCLEAR), ("y" * 1600, UNCLEAR),
]


@pytest.mark.parametrize("text, reading", ANSWERS)
def test_an_answer_to_the_lines_question(text, reading):
    assert read_consent(text, ANSWER) is reading


# Each negation the issue lists, before and after the consent word: never a yes.
NEGATIONS = ["refuses", "refused", "declined", "never", "nah", "nope", "no", "doesn't want", "not", "hasn't",
             "didn't", "won't", "dont", "wont", "nvr", "n't"]


@pytest.mark.parametrize("negation", NEGATIONS)
@pytest.mark.parametrize("consent_word", ["consent", "consented", "agreed", "ok to contact"])
@pytest.mark.parametrize("mode", [FREE, ANSWER])
def test_a_negation_before_or_after_the_consent_word_is_never_a_yes(negation, consent_word, mode):
    if negation == "n't":
        texts = [f"he does{negation} {consent_word}", f"{consent_word}? he does{negation}"]
    else:
        texts = [f"{negation} {consent_word}", f"{consent_word}: {negation}", f"{consent_word}, she said {negation}",
                 f"{negation}, {consent_word}"]
    for text in texts:
        assert read_consent(text, mode) is not YES, text


@pytest.mark.parametrize("before", ["no quiso", "no aceptó", "no dio permiso", "nunca", "no"])
@pytest.mark.parametrize("mode", [FREE, ANSWER])
def test_a_spanish_negation_is_never_a_yes(before, mode):
    for text in [f"{before} aceptar", f"aceptó? {before}", f"{before}, dio permiso", f"dio permiso: {before}"]:
        assert read_consent(text, mode) is not YES, text


# Written before the reader's rules, and not tuned on since: misspellings and slang that no rule
# names. Measured at the first run: 35 of 40 read as expected, and none read yes that is not one
# ("prolly consented" read yes, and "agreed, dont have a phone tho" unclear, at that run: both are
# now in the tables above, since the rules were changed knowing them).
HELD_OUT = [
    ("consnted, 206-555-0142", FREE, YES), ("concent given", FREE, YES), ("she agred to a call", FREE, YES),
    ("oked contact", FREE, YES), ("said yeah to a call", FREE, YES), ("dijo q si", FREE, YES),
    ("aceptó pero todavía no tiene cel", FREE, YES), ("he refused transport but consented to a call", FREE, YES),
    ("he didnt concent", FREE, NO), ("dosent want contact", FREE, NO), ("refuesd consent", FREE, NO),
    ("declind", FREE, NO), ("nahh he aint consenting", FREE, NO), ("naw, no consent", FREE, NO),
    ("consent? nope", FREE, NO), ("consent not given", FREE, NO), ("consent: N", FREE, NO),
    ("hasnt agreed", FREE, NO), ("never gave permision", FREE, NO), ("no acepto la ayuda", FREE, NO),
    ("nunca dio su permiso", FREE, NO), ("he's thinking about it re consent", FREE, UNCLEAR),
    ("consent tbd", FREE, UNCLEAR), ("idk if he consented", FREE, UNCLEAR), ("todavia no decide", FREE, UNCLEAR),
    ("yeah ok", ANSWER, YES), ("yesss", ANSWER, YES), ("yea sure", ANSWER, YES), ("ofc", ANSWER, YES),
    ("simon", ANSWER, YES), ("sii claro", ANSWER, YES), ("porfavor si", ANSWER, YES), ("k", ANSWER, YES),
    ("nah im good", ANSWER, NO), ("nooo", ANSWER, NO), ("nop", ANSWER, NO), ("nel", ANSWER, NO),
    ("mmm not sure", ANSWER, UNCLEAR), ("maybe tmrw", ANSWER, UNCLEAR), ("no se", ANSWER, UNCLEAR),
]


def test_unseen_misspellings_and_slang_are_never_a_false_yes():
    readings = [(text, read_consent(text, mode), expected) for text, mode, expected in HELD_OUT]
    assert [(text, got) for text, got, expected in readings if got is YES and expected is not YES] == []
    # A miss is a yes read as unclear (asked again), never the other way.
    assert sum(got is expected for _, got, expected in readings) >= 35


# Phrasings of this file's own, not of the in-context sets (tests/data/replies_in_context*.yml).
@pytest.mark.parametrize("text, reading", [
    ("yes!", Consent.YES), ("ok 👍", Consent.YES), ("sí claro", Consent.YES), ("perfect, go ahead", Consent.YES),
    ("i'm ok with that", Consent.YES), ("we're good with it", Consent.YES), ("that would be helpful", Consent.YES),
    ("nope", Consent.NO), ("no gracias", Consent.NO), ("we're fine, thanks", Consent.NO), ("imma pass", Consent.NO),
    ("estamos bien así", Consent.NO), ("yes but not now", Consent.NO),
    # a polite decline: "i'm fine" opened a handoff (the model read affirm, "fine" was a yes)
    ("i'm fine", Consent.NO), ("im good thx", Consent.NO), ("I'm OK.", Consent.NO),
    # more than an answer: the model reads it
    ("no where is narcan", None), ("yes he's turning blue", None), ("pass me a kit at 98104", None),
    # a doubt: the model reads it, and the handoff's action asks again
    ("not sure", None), ("maybe", None), ("i guess so", None),
    ("", None), ("😀", None), ("y" * 1600, None),
])
def test_a_direct_answer_is_a_yes_or_a_no_only_when_the_whole_text_is_one(text, reading):
    assert direct_answer(text) is reading


@pytest.mark.parametrize("text", ["I'm good, he consented", "needs a bus pass, consented", "she's fine, she agreed"])
def test_declining_words_are_no_refusal_in_a_referrals_own_words(text):
    assert read_consent(text) is Consent.YES
