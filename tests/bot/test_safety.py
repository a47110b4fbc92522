"""Emergency first: what counts as an overdose in progress, and the steps always first."""
import pytest

from bot.safety import (
    AFTER_OVERDOSE, ANSWER, EMERGENCY_REPLY, SEARCH, after_emergency_steps, EMERGENCY_REPLY_ES, emergency_first, is_emergency_reply, mentions_overdose_in_progress, mentions_past_overdose,
)


@pytest.mark.parametrize("text", ["he's not breathing", "she won't wake up", "lips turning blue", "i think my friend is ODing",
                                  "mi amigo no respira", "no la puedo despertar", "OD", "help overdose"])
def test_an_overdose_in_progress(text):
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
