"""Turn untrusted JSON into typed arguments, or raise ``BadRequestError`` saying why.

Kept apart from Flask so the rules are the same for every edge and easy to test.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from qa.config import Settings
from qa.errors import BadRequestError
from qa.service import Filters

DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
_DATE = re.compile(DATE_PATTERN)
MAX_HISTORY_TURNS = 20
MAX_FILTER_ITEMS = 1000
MAX_DOCUMENT_ID_CHARS = 300
# A text field must hold at least one character that is neither blank nor a control
# character (the same rule, written for the OpenAPI document).
NOT_BLANK_PATTERN = r"[^\s\x00-\x1f\x7f-\x9f]"
# A document id added over HTTP: '/'-separated segments of word characters and a few
# marks, each starting with a word character, so no '.', '..' or empty segment, no
# leading or trailing '/': the id reads the same as a URL path and as a relative path.
DOCUMENT_ID_PATTERN = r"^\w[\w .,()+~-]*(/\w[\w .,()+~-]*)*$"
_DOCUMENT_ID = re.compile(DOCUMENT_ID_PATTERN)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# JSON may carry lone UTF-16 surrogates ("\ud800"); they cannot be encoded as UTF-8,
# so SQLite and the tokenizer would fail on them.
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_string(value: str) -> str:
    """Control characters become spaces (they carry no meaning in a question and confuse
    the tokenizers), lone surrogates become U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", _CONTROL.sub(" ", value))


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
    """A string of at most ``max_chars``, cleaned and stripped. A required field must not
    be blank; an optional one that is blank counts as absent."""
    if name not in body or body[name] is None:
        if required:
            raise BadRequestError(f"Field '{name}' is required.")
        return None
    value = body[name]
    if not isinstance(value, str):
        raise BadRequestError(f"Field '{name}' must be a string.")
    if len(value) > max_chars:
        raise BadRequestError(f"Field '{name}' is longer than {max_chars} characters.")
    value = clean_string(value).strip()
    if not value:
        if not required:
            return None
        raise BadRequestError(f"Field '{name}' must not be empty or blank.")
    return value


def document_id_field(body: dict) -> str:
    doc_id = text_field(body, "id", MAX_DOCUMENT_ID_CHARS)
    # Checked on the raw value: an id is a name to look up later, not text to clean.
    if body["id"] != doc_id or not _DOCUMENT_ID.match(doc_id):
        raise BadRequestError(
            "Field 'id' must be '/'-separated names of letters, digits and ' .,()+~-_', each "
            "starting with a letter, digit or '_' (so no '..', no leading or trailing '/').")
    return doc_id


def date_field(body: dict, name: str, label: str | None = None) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not _DATE.match(value) or not _is_calendar_date(value):
        raise BadRequestError(f"{label or f'Field {name!r}'} must be a date, YYYY-MM-DD.")
    return value


def _is_calendar_date(value: str) -> bool:
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def int_field(body: dict, name: str, default: int, low: int, high: int) -> int:
    value = body.get(name, default)
    if value is None:
        return default
    # JSON has one kind of number: 5.0 is the integer 5 (as JSON Schema says too).
    if isinstance(value, float) and value.is_integer():
        value = int(value)
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
    # Every turn is checked (the body limit bounds them), only the last ones are used.
    for i, turn in enumerate(history):
        if not isinstance(turn, dict) or turn.get("role") not in ("user", "assistant") \
                or not isinstance(turn.get("content"), str):
            raise BadRequestError(f"history[{i}] must be {{\"role\": \"user\"|\"assistant\", "
                                  "\"content\": string}.")
    return [{"role": turn["role"],
             "content": clean_string(turn["content"])[: settings.max_question_chars * 2]}
            for turn in history[-MAX_HISTORY_TURNS:]]


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
        setattr(filters, name, [clean_string(v) for v in value])
    for name in ("published_from", "published_to"):
        setattr(filters, name, date_field(raw, name, f"filters.{name}"))
    return filters
