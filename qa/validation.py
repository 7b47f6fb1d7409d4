"""Turn untrusted JSON into typed arguments, or raise ``BadRequestError`` saying why.

Kept apart from Flask so the rules are the same for every edge and easy to test.
"""

from __future__ import annotations

import re
from typing import Any

from qa.config import Settings
from qa.errors import BadRequestError
from qa.service import Filters

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_HISTORY_TURNS = 20
MAX_FILTER_ITEMS = 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def require_object(body: Any) -> dict:
    if not isinstance(body, dict):
        kind = "null" if body is None else type(body).__name__
        raise BadRequestError(f"The request body must be a JSON object, not {kind}.")
    return body


def check_fields(body: dict, allowed: set[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise BadRequestError(f"Unknown field(s): {', '.join(unknown)}. "
                              f"Allowed: {', '.join(sorted(allowed))}.")


def text_field(body: dict, name: str, max_chars: int, *, required: bool = True) -> str | None:
    if name not in body or body[name] is None:
        if required:
            raise BadRequestError(f"Field '{name}' is required.")
        return None
    value = body[name]
    if not isinstance(value, str):
        raise BadRequestError(f"Field '{name}' must be a string.")
    # Control characters carry no meaning in a question and confuse the tokenizers.
    value = _CONTROL.sub(" ", value)
    if not value.strip():
        raise BadRequestError(f"Field '{name}' must not be empty or blank.")
    if len(value) > max_chars:
        raise BadRequestError(f"Field '{name}' is longer than {max_chars} characters.")
    return value.strip()


def int_field(body: dict, name: str, default: int, low: int, high: int) -> int:
    value = body.get(name, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequestError(f"Field '{name}' must be an integer.")
    if not low <= value <= high:
        raise BadRequestError(f"Field '{name}' must be between {low} and {high}.")
    return value


def history_field(body: dict, settings: Settings) -> list[dict]:
    history = body.get("history")
    if history is None:
        return []
    if not isinstance(history, list):
        raise BadRequestError("Field 'history' must be a list of {role, content} objects.")
    turns = []
    for i, turn in enumerate(history[-MAX_HISTORY_TURNS:]):
        if not isinstance(turn, dict) or turn.get("role") not in ("user", "assistant") \
                or not isinstance(turn.get("content"), str):
            raise BadRequestError(f"history[{i}] must be {{\"role\": \"user\"|\"assistant\", "
                                  "\"content\": string}.")
        turns.append({"role": turn["role"],
                      "content": _CONTROL.sub(" ", turn["content"])[: settings.max_question_chars * 2]})
    return turns


def filters_field(body: dict) -> Filters | None:
    raw = body.get("filters")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise BadRequestError("Field 'filters' must be an object.")
    check_fields(raw, {"document_ids", "sources", "published_from", "published_to"})
    filters = Filters()
    for name in ("document_ids", "sources"):
        value = raw.get(name)
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value) \
                or len(value) > MAX_FILTER_ITEMS:
            raise BadRequestError(f"filters.{name} must be a list of at most "
                                  f"{MAX_FILTER_ITEMS} strings.")
        setattr(filters, name, value)
    for name in ("published_from", "published_to"):
        value = raw.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or not _DATE.match(value):
            raise BadRequestError(f"filters.{name} must be a date, YYYY-MM-DD.")
        setattr(filters, name, value)
    return filters
