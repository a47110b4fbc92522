"""A fix for the Rasa server's hottest path, installed when Rasa loads the hotline's channels.

Rasa 3.6 checks every answer of the action server with `jsonschema.validate(answer, schema)`,
which first re-validates the large event schema itself against its meta-schema, on every call:
under load that was 45 % of the Rasa server's CPU (py-spy during bench/load.py), more than the
models. Here the answer is checked against the same schema by a validator built once, and a bad
answer fails exactly as before (the same ValidationError and message).
"""
from __future__ import annotations

import functools
from typing import Any, Dict, Text

from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@functools.lru_cache(maxsize=1)
def _action_response_validator():
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, not on every answer
    return cls(schema)


def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    error = best_match(_action_response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result
