from __future__ import annotations

import pytest

from bot.directory.more_requests import asks_only_for_more


@pytest.mark.parametrize("text", [
    "more", "More.", "MOREEE", "more please", "send more", "give me more options", "any other places?",
    "what else is there", "next page", "one more", "keep going", "ok more", "más", "mas porfa",
    "otra opción", "hay otros?", "dame más lugares", "muéstrame más 🙏", "siguientes",
])
def test_a_request_for_more_alone(text):
    assert asks_only_for_more(text)


@pytest.mark.parametrize("text", [
    "", "   ", "🙏", "please", "ok thanks", "no more", "more near 98122", "any closer ones", "more syringes",
    "no quiero más", "where else can i get narcan", "what is naloxone", "going", "y" * 1600,
])
def test_anything_else_is_not(text):
    assert not asks_only_for_more(text)
