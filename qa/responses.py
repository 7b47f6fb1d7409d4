"""The JSON shapes of the contract (DESIGN.md), built from service results.

Shared by the HTTP API and the CLI's ``--json`` so both print exactly the same thing.
"""

from __future__ import annotations

from qa.models import Answer, Document, Hit
from qa.service import AskResult
from qa.store import StoredPassage


def ask_json(result: AskResult) -> dict:
    return {
        "question": result.question,
        "abstained": result.abstained,
        "answer": answer_json(result.answer) if result.answer else None,
        "passages": [hit_json(h) for h in result.passages],
        "timings_ms": result.timings_ms,
    }


def search_json(hits) -> dict:
    return {"passages": [hit_json(h) for h in hits]}


# The dataclasses' fields in order, as dataclasses.asdict gives them, without its deep
# copy of every value (a fifth of the time an answer spends in Flask).
def hit_json(hit: Hit) -> dict:
    return {**vars(hit), "also_in": list(hit.also_in)}


def answer_json(answer: Answer) -> dict:
    return {**vars(answer), "citations": [dict(vars(c)) for c in answer.citations]}


def passage_json(passage: StoredPassage, document: Document, previous_id, next_id) -> dict:
    return {
        "passage_id": passage.passage_id,
        "document_id": passage.document_id,
        "start": passage.start,
        "end": passage.end,
        "text": passage.text,
        "document": document.metadata(),
        "previous_id": previous_id,
        "next_id": next_id,
    }


def document_json(document: Document, passages: list[StoredPassage]) -> dict:
    return {
        **document.metadata(),
        "text": document.text,
        "passages": [{"passage_id": p.passage_id, "start": p.start, "end": p.end} for p in passages],
    }


def documents_json(rows: list[tuple[Document, int]], total: int, offset: int, limit: int) -> dict:
    return {
        "documents": [{**doc.metadata(), "passages": count} for doc, count in rows],
        "total": total,
        "offset": offset,
        "limit": limit,
    }


def ingest_json(summary) -> dict:
    return {
        "added": summary.added, "updated": summary.updated, "unchanged": summary.unchanged,
        "removed": summary.removed, "documents": summary.documents, "passages": summary.passages,
        "embedded": summary.embedded,
        "skipped": [{"source": s.source, "reason": s.reason} for s in summary.skipped],
    }
