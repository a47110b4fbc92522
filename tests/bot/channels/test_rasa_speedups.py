"""The action server's answers are checked as strictly as Rasa checks them, by a validator built once."""
import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

import bot.channels  # noqa: F401 (installs the fix, as loading the channels does in Rasa)
from bot.channels.rasa_speedups import validate_action_result

GOOD = {"events": [{"event": "slot", "name": "location", "value": "98104", "timestamp": None}],
        "responses": [{"text": "Naloxone (Narcan) near 98104:"}]}
BAD = [
    {"events": [{"event": "slot", "name": 3}]},
    {"events": [{"no_event_key": 1}]},
    {"events": "not a list"},
    {"responses": [1, 2]},
]


def action():
    return RemoteAction("action_find_services", EndpointConfig("http://localhost:5055/webhook"))


def test_the_fix_is_what_rasa_runs():
    assert RemoteAction._validate_action_result is validate_action_result


def test_a_good_answer_passes():
    assert action()._validate_action_result(GOOD) is True


@pytest.mark.parametrize("answer", BAD)
def test_a_bad_answer_fails_with_the_error_and_message_stock_rasa_gives(answer):
    with pytest.raises(jsonschema.ValidationError) as ours:
        action()._validate_action_result(answer)
    with pytest.raises(jsonschema.ValidationError) as stock:
        jsonschema.validate(answer, RemoteAction.action_response_format_spec())
    assert ours.value.message.startswith(stock.value.message)
    assert ours.value.message.endswith("/custom-actions") and "Failed to validate Action server response" in ours.value.message
