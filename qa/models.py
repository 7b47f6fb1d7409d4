"""The records that flow through the service: documents, passages, hits, answers.

They are plain dataclasses, and every edge (HTTP, CLI) serialises them the same way,
through ``qa.responses``: the shape ``dataclasses.asdict`` gives.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Document:
    id: str
    text: str
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: str | None = None  # ISO date, YYYY-MM-DD

    @property
    def sha256(self) -> str:
        return text_sha256(self.text)

    def metadata(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "source": self.source,
            "url": self.url,
            "published": self.published,
        }


@dataclass(frozen=True)
class Passage:
    """A span of a document: ``document.text[start:end] == text`` always."""

    passage_id: str
    document_id: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Skipped:
    """A source the corpus loader could not use, and why (shown to the user). ``kind``
    is the short name of the reason, for counting (e.g. "duplicate id", "binary")."""

    source: str
    reason: str
    kind: str = "invalid"


@dataclass
class Hit:
    """A retrieved passage with its document's metadata, as the API lists it."""

    rank: int
    passage_id: str
    document_id: str
    title: str | None
    source: str | None
    url: str | None
    published: str | None
    text: str
    start: int
    end: int
    score: float
    also_in: list[str] = field(default_factory=list)


@dataclass
class Citation:
    marker: int
    passage_id: str
    document_id: str
    start: int
    end: int
    quote: str


@dataclass
class Answer:
    text: str
    confidence: float
    citations: list[Citation]
