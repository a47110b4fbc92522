"""Emergency first: what counts as an overdose in progress, and the steps always first."""
import pytest

from bot.safety import (
    AFTER_OVERDOSE,
    ANSWER,
    EMERGENCY_REPLY,
    EMERGENCY_REPLY_ES,
    SEARCH,
    SIGNS,
    after_emergency_steps,
    asks_how_to_recognise_overdose,
    asks_to_buy_drugs,
    emergency_first,
    is_emergency_reply,
    mentions_overdose_in_progress,
    mentions_past_overdose,
)


@pytest.mark.parametrize("text", ["he's not breathing", "she won't wake up", "lips turning blue", "i think my friend is ODing",
                                  "mi amigo no respira", "no la puedo despertar", "OD", "help overdose"])
def test_an_overdose_in_progress(text):
    assert mentions_overdose_in_progress(text)


@pytest.mark.parametrize("text", ["no está respirando", "creo que ya no esta respirando", "mi esposo dejó de respirar",
                                  "dejo de respirar hace un minuto"])
def test_not_breathing_in_the_spanish_of_now_and_of_just_now(text):
    assert mentions_overdose_in_progress(text)


@pytest.mark.parametrize("text", ["post OD referral", "where can i get overdose kits", "he OD'd last week",
                                  "narcan 98104", "después de una sobredosis", "how do i prevent an overdose"])
def test_past_or_general_mentions_are_not(text):
    assert not mentions_overdose_in_progress(text)


def test_the_steps_are_added_first_moved_first_or_left_alone():
    assert emergency_first("narcan 98104", ["results"]) == ["results"]
    assert emergency_first("he's not breathing", ["Sorry, call 911."]) == [EMERGENCY_REPLY, "Sorry, call 911."]
    assert emergency_first("no respira", [], "es") == [EMERGENCY_REPLY_ES]
    assert emergency_first("he's not breathing", ["Hi there.", EMERGENCY_REPLY]) == [EMERGENCY_REPLY, "Hi there."]
    assert emergency_first("no respira", [EMERGENCY_REPLY_ES], "en") == [EMERGENCY_REPLY_ES]


def test_the_steps_are_known_in_either_language_however_spaced():
    assert is_emergency_reply(EMERGENCY_REPLY) and is_emergency_reply(f" {EMERGENCY_REPLY_ES}\n")
    assert not is_emergency_reply("If someone is not breathing, call 911 now.")


@pytest.mark.parametrize("text", [
    "my friend overdosed a couple weeks ago and he's fine now. where can i get narcan near 98122",
    "my friend od'd last night, he's ok now. he wants suboxone",
    "last year my best friend died of an od. his little brother is using now",
    "I run a bar and last month a customer overdosed in our bathroom. We got lucky.",
    "mi primo tuvo una sobredosis el año pasado y ahora vive con nosotros",
    "how do i not overdose",
])
def test_an_overdose_told_as_past_or_feared_is_not_one_in_progress(text):
    assert not mentions_overdose_in_progress(text)
    assert mentions_past_overdose(text)


@pytest.mark.parametrize("text", [
    "he overdosed 5 minutes ago",
    "he od'd last night and now he's not breathing again",
    "mi primo tuvo una sobredosis hace un rato",
    "we were at my place and my cousin used in the bathroom and now he's on the floor, lips blue, barely breathing",
])
def test_an_overdose_that_may_be_happening_now_still_is(text):
    assert mentions_overdose_in_progress(text)
    assert not mentions_past_overdose(text)


def test_a_story_with_a_request_keeps_the_answer_behind_911_when_an_overdose_may_be_happening():
    replies = emergency_first("my friend is turning blue, where is narcan near 98104", ["Naloxone (Narcan) near 98104: ..."])
    assert replies == [EMERGENCY_REPLY, "Naloxone (Narcan) near 98104: ..."]


@pytest.mark.parametrize("text", [
    "how can i keep from overdosing on pressed pills",
    "how do i keep my friend from overdosing",
    "how to use without overdosing",
    "worried about overdosing, any advice",
    "what lowers my chances of overdosing",
    "tips so i dont od",
    "tengo miedo de tener una sobredosis, cómo me cuido",
    "cómo uso sin tener una sobredosis",
])
def test_a_question_about_avoiding_an_overdose_is_not_one_in_progress(text):
    """Answered with safer-use advice, not only with the steps the webhook sends at once."""
    assert not mentions_overdose_in_progress(text)


@pytest.mark.parametrize("text", [
    "he is overdosing, how do i keep him from dying",
    "keep talking to him? he's overdosing and turning blue",
    "scared hes overdosing right now",
    "i tried to keep him from overdosing but now he won't wake up",
])
def test_avoiding_words_beside_an_overdose_happening_now_still_count(text):
    assert mentions_overdose_in_progress(text)


LIBRARY = ("I work at a library and we had someone OD in the bathroom last month. My boss wants us to keep "
           "narcan at the desk. Do we need a prescription or anything?")


@pytest.mark.parametrize("answer_found", [True, False])
@pytest.mark.parametrize("search_asked", [True, False])
def test_an_overdose_in_progress_gets_the_emergency_steps_and_nothing_else(answer_found, search_asked):
    for text in ["he's not breathing, do i need a prescription for narcan", "mi amigo no respira", "overdose"]:
        assert after_emergency_steps(text, answer_found, search_asked) == ()


def test_a_story_with_a_question_gets_its_answer_after_the_steps():
    assert after_emergency_steps(LIBRARY, answer_found=True, search_asked=False) == (ANSWER,)
    assert after_emergency_steps(LIBRARY, answer_found=True, search_asked=True) == (ANSWER, SEARCH)


def test_a_past_overdose_without_an_answer_gets_the_gentle_line_or_its_search():
    assert after_emergency_steps(LIBRARY, answer_found=False, search_asked=False) == (AFTER_OVERDOSE,)
    assert after_emergency_steps("mi hermano tuvo una sobredosis el año pasado", False, False) == (AFTER_OVERDOSE,)
    # The search says the gentle line itself (actions/directory.search_and_reply).
    assert after_emergency_steps(LIBRARY, answer_found=False, search_asked=True) == (SEARCH,)


@pytest.mark.parametrize("answer_found", [True, False])
@pytest.mark.parametrize("search_asked", [True, False])
def test_signs_of_an_overdose_in_progress_get_only_the_steps(answer_found, search_asked):
    # Held-out emergencies the keyword net once missed (the model caught them): nothing follows.
    for text in ["she's breathing like 2 times a minute", "my gf is nodding way too hard and i cant get her to answer me",
                 "ive been trying to wake him for like 5 min, hes making this snoring sound"]:
        assert after_emergency_steps(text, answer_found, search_asked) == ()


@pytest.mark.parametrize("answer_found", [True, False])
def test_a_text_that_names_no_overdose_gets_the_steps_then_the_search_it_asks_for(answer_found):
    # The model read a request as an emergency ("answering nothing else is wrong", issue 22): the
    # search it asks for follows the steps. An education answer never does: the selector scores
    # every text, and a sign in words nobody listed would get a beside-the-point answer.
    request = "hello, i'm a case manager texting for a client, he needs suboxone, he stays by 98104"
    assert after_emergency_steps(request, answer_found, search_asked=True) == (SEARCH,)
    for text in [request, "", "🆘🆘🆘", "x" * 1600]:
        assert after_emergency_steps(text, answer_found, search_asked=False) == ()


# Issue 22: real emergencies of the held-out sets that only the model caught; the net must catch
# them whatever a retrained model reads (the webhook's fast path answers before the model).
@pytest.mark.parametrize("text", [
    "she's breathing like 2 times a minute",
    "he's only breathing once a minute",
    "ive been trying to wake him for like 5 min, he used about an hour ago and hes making this snoring sound, what do i do",
    "he's making a weird snoring noise and his lips look off",
    "my gf is nodding way too hard and i cant get her to answer me, shes breathing weird",
    "he's nodding out hard and i can't get him to talk",
    "llevo 5 minutos tratando de despertarlo",
])
def test_signs_said_in_other_words_are_an_overdose_in_progress(text):
    assert mentions_overdose_in_progress(text)


@pytest.mark.parametrize("text", [
    "my husband snores every night lol",
    "how many times a minute should someone breathe",
    "i keep nodding off at work, is there a treatment place near 98104",
    "can you answer me something about narcan",
])
def test_everyday_words_near_those_signs_are_not(text):
    assert not mentions_overdose_in_progress(text)


# Issue 29, section 3: what a crisis text says that the net did not know. Seizures after use,
# cold and pale skin, no pulse, a person who won't come to, foam at the mouth, naloxone that is not
# working; in Spanish too, including phrasings no rule was written for word for word.
@pytest.mark.parametrize("text", [
    "my friend is seizing after he used",
    "shes having a seizure after using fent",
    "he started convulsing in the bathroom",
    "hes cold and pale and wont wake up",
    "she's cold n clammy and her lips look off",
    "he's pale and cold and barely moving",
    "i cant find a pulse",
    "he wont come to",
    "she's out cold on the floor, help",
    "guy slumped over in his car on aurora",
    "foaming at the mouth after a hit",
    "gave him narcan and its not working",
    "the narcan isnt doing anything",
    "i think hes dead",
    "pupils are tiny and hes breathing weird",
    "siezing after using pls",
    "sezure after he shot up",
    "está convulsionando",
    "le dieron convulsiones después de inyectarse",
    "tiene una convulsión y no sé qué hacer",
    "mi hermano está frío y pálido",
    "está fría y pálida y no contesta",
    "pálido y frío, ayuda",
    "no tiene pulso",
    "la naloxona no funcionó, sigue igual",
    "está morado mi amigo",
    "se puso azul",
    "apenas respira",
    "respira muy lento",
    "está desmayado en el baño",
    "no lo logro despertar",
    "hace un ruido como de ronquido feo",
    "creo que está muerto",
])
def test_what_a_crisis_text_says_is_an_overdose_in_progress(text):
    assert mentions_overdose_in_progress(text)
    assert emergency_first(text, ["answer"])[0] in (EMERGENCY_REPLY, EMERGENCY_REPLY_ES)


# A sign denied where it is said is no sign (decided for issue 29): "not having a seizure, just
# asking" is a question, answered by the model, not the steps. Another sign in the same text
# still counts. Seizure medication and epilepsy are no overdose either.
@pytest.mark.parametrize("text", [
    "not having a seizure, just asking",
    "hes not seizing or anything, can narcan hurt him",
    "no seizures, she just feels sick",
    "my son has epilepsy, can he carry narcan",
    "does fent interact with seizure meds",
    "no está convulsionando, solo pregunto",
    "sin convulsiones, solo tiene náuseas",
    "cops are seizing syringes downtown is that legal",
    "its cold and raining, any shelter near 98104",
    "im cold, need a blanket and a bed",
    "quitting cold turkey, what helps with withdrawal",
    "can you pinpoint a clinic near me",
    "my phone's dead, call me back later",
    "el cielo está gris hoy",
    "mi celular está muerto",
    "he's not coming to the meeting tonight",
    "i can't get him to the clinic, is there a van",
    "where can i buy narcan",
])
def test_denied_signs_and_everyday_words_are_not_an_overdose_in_progress(text):
    assert not mentions_overdose_in_progress(text)


@pytest.mark.parametrize("text", [
    "he's not seizing anymore but he won't wake up",
    "not having a seizure but hes not breathing",
    "ya no convulsiona pero no respira",
])
def test_a_denied_sign_beside_another_sign_still_counts(text):
    assert mentions_overdose_in_progress(text)


RECOGNISING = [
    "how can i tell if hes just nodding or actually overdosing",
    "how do u know if someone is od'ing or just really high",
    "what are the signs of an overdose",
    "what does an od look like",
    "is she sleeping or od'ing??",
    "how would i know if my friend is overdosing",
    "cómo sé si alguien tiene una sobredosis",
    "cuáles son las señales de una sobredosis",
    "está dormido o es sobredosis?",
]


@pytest.mark.parametrize("text", RECOGNISING)
def test_a_question_about_telling_an_overdose_gets_the_steps_first_then_the_signs(text):
    """It may be typed while watching someone: the steps first (the webhook's fast path), then the
    signs (utter_overdose_signs, actions/emergency.py), never the steps alone."""
    assert asks_how_to_recognise_overdose(text)
    assert mentions_overdose_in_progress(text)
    for answer_found in (True, False):
        for search_asked in (True, False):
            assert after_emergency_steps(text, answer_found, search_asked) == (SIGNS,)


@pytest.mark.parametrize("text", ["he's not breathing", "how do i use narcan", "how do i avoid overdosing",
                                  "tips so i dont od", "cómo evito una sobredosis", "how can i tell if my narcan expired"])
def test_other_texts_are_no_question_about_telling_one(text):
    assert not asks_how_to_recognise_overdose(text)


@pytest.mark.parametrize("text", [
    "where can i cop",
    "who sells blues around here",
    "hook me up with some fetty",
    "can u sell me something",
    "where to score tonight",
    "need a plug for percs",
    "where can i buy suboxone off the street",
    "quién vende cristal",
    "dónde compro chiva",
    "necesito un conecte",
    "véndeme algo",
])
def test_a_request_to_buy_drugs(text):
    assert asks_to_buy_drugs(text)
    assert not mentions_overdose_in_progress(text)  # so the webhook never sends the steps at once


@pytest.mark.parametrize("text", [
    "where can i buy narcan", "can i buy test strips at walgreens", "hook me up with some rigs",
    "do you sell test kits for drugs", "whats the score of the game", "where do i buy a bus ticket",
    "my dealer sold me pressed pills, where can i get them tested", "dónde compro naloxona",
    "we copped from a new guy and now hes breathing weird",
])
def test_services_past_purchases_and_everyday_buying_are_no_request_to_buy_drugs(text):
    assert not asks_to_buy_drugs(text)
