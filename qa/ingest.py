"""Bring documents into the index: only what changed is split, embedded and written.

The plan is computed against the served generation first; when nothing changed, no
new generation is written and the model is never loaded, which makes a re-ingest of
an unchanged corpus cost little more than reading the files.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

from qa.corpus import MAX_FILE_BYTES, load_corpus
from qa.errors import CorruptIndexError
from qa.models import Document, Skipped
from qa.passages import split_passages
from qa.quotes import searched_contexts
from qa.store import DB_NAME, SCHEMA_VERSION, NewGeneration, Store, current_generation, prune_generations

if TYPE_CHECKING:
    from embeddings import Encoder, VectorIndex

Progress = Callable[[int, int], None]  # (passages embedded so far, passages to embed)


@dataclass
class IngestSummary:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    passages: int = 0          # passages in the index afterwards
    documents: int = 0         # documents in the index afterwards
    embedded: int = 0          # passages embedded by this ingest
    seconds: float = 0.0
    generation: str | None = None

    def skipped_by_kind(self) -> dict[str, int]:
        """How many sources were skipped for each kind of reason, most first."""
        counts = Counter(s.kind for s in self.skipped)
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


@dataclass
class SourcedDocument:
    document: Document
    origin: str  # the directory or JSONL file it came from ('api' for HTTP writes)


def documents_from_paths(paths: Sequence[str | Path], summary: IngestSummary,
                         max_file_bytes: int = MAX_FILE_BYTES
                         ) -> tuple[list[SourcedDocument], set[str]]:
    """Load each path; the first document with a given id wins. Returns the documents
    and the origins whose other documents may be removed (every path given)."""
    seen: dict[str, str] = {}
    documents: list[SourcedDocument] = []
    origins: set[str] = set()
    for path in paths:
        origin = str(Path(path).resolve())
        origins.add(origin)
        loaded = load_corpus([path], max_file_bytes)
        summary.skipped += loaded.skipped
        summary.notes += loaded.notes
        for doc in loaded.documents:
            if doc.id in seen:
                summary.skipped.append(Skipped(f"{path}: {doc.id}",
                                               f"duplicate id, first seen in {seen[doc.id]}",
                                               "duplicate id"))
                continue
            seen[doc.id] = str(path)
            documents.append(SourcedDocument(doc, origin))
    return documents, origins


@contextmanager
def ingest_lock(index_dir: Path):
    """One writer at a time per index directory; readers are never blocked."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".ingest.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def ingest_documents(index_dir: Path, documents: Sequence[SourcedDocument], encoder: Encoder, *,
                     prune_origins: Iterable[str] = (), delete_ids: Iterable[str] = (),
                     summary: IngestSummary | None = None, progress: Progress | None = None
                     ) -> IngestSummary:
    """Add or replace ``documents``; remove documents of ``prune_origins`` that are not
    among them, and the documents ``delete_ids`` names. Publishes a new generation only
    when something changed."""
    summary = summary or IngestSummary()
    started = time.perf_counter()
    index_dir = Path(index_dir)
    prune_origins, delete_ids = set(prune_origins), set(delete_ids)
    with ingest_lock(index_dir):
        base = current_generation(index_dir)
        states, stored_encoder, schema = _base_state(base)
        encoder_key = encoder_identity(encoder)
        reembed_all = base is not None and stored_encoder != encoder_key
        wanted = {d.document.id for d in documents}
        to_write: list[SourcedDocument] = []
        new_text = reembed_all  # whether anything will likely need the model
        for item in documents:
            doc = item.document
            state = states.get(doc.id)
            metadata = (doc.title, doc.source, doc.url, doc.published)
            if state and state[0] == doc.sha256 and state[1] == item.origin and state[2] == metadata:
                summary.unchanged += 1
                continue
            to_write.append(item)
            new_text = new_text or not state or state[0] != doc.sha256
            if state:
                summary.updated += 1
            else:
                summary.added += 1
        to_delete = sorted(doc_id for doc_id, (_, origin, _) in states.items()
                           if (origin in prune_origins and doc_id not in wanted) or doc_id in delete_ids)
        summary.removed = len(to_delete)

        # An index written by an older version is rewritten in the current layout (no
        # re-embedding: the vectors are copied).
        outdated = base is not None and schema < SCHEMA_VERSION
        if summary.changed or reembed_all or outdated:
            with _model_loading(encoder, new_text):
                _write_generation(index_dir, to_write, to_delete, encoder, encoder_key, reembed_all,
                                  summary, progress)
        else:  # nothing to publish, but an ingest that was killed may have left debris
            prune_generations(index_dir)
        gen = current_generation(index_dir)
        if gen is not None:
            store = Store(gen / DB_NAME)
            summary.documents, summary.passages = store.count_documents(), store.count_passages()
            store.close()
            summary.generation = gen.name
    summary.seconds = time.perf_counter() - started
    return summary


@contextmanager
def _model_loading(encoder: Encoder, wanted: bool):
    """Load the model on another thread while the caller goes on: new or edited text will
    almost surely be embedded, and the model takes a second or so to load, which the
    copy of the index and the SQLite writes can overlap. Waited for on the way out, so
    no thread outlives the ingest."""
    if not wanted or getattr(encoder, "loaded", True):  # loaded, or loads in no time
        yield
        return
    thread = threading.Thread(target=_load_model, args=(encoder,), name="load-model", daemon=True)
    thread.start()
    try:
        yield
    finally:
        thread.join()


def _load_model(encoder: Encoder) -> None:
    try:
        encoder.encode_one("")
    except Exception:
        pass  # the ingest's own encode loads again and raises it where errors are handled


def encoder_identity(encoder: Encoder) -> str:
    """What an index records of the encoder its vectors came from; a change re-embeds."""
    return f"{encoder.name}:{encoder.dimension}"


def _base_state(base: Path | None) -> tuple[dict, str | None, int]:
    """The served generation's document states, the encoder its vectors came from and
    its schema version."""
    if base is None:
        return {}, None, SCHEMA_VERSION
    store = Store(base / DB_NAME)
    try:
        return store.document_states(), store.get_meta("encoder"), store.schema_version()
    finally:
        store.close()


def _write_generation(index_dir, to_write, to_delete, encoder, encoder_key, reembed_all,
                      summary, progress) -> None:
    gen = NewGeneration(index_dir)
    try:
        store = gen.store
        removed_texts: dict[str, int] = {}  # text -> row id in the base vectors, for reuse
        removed_rows: list[int] = []
        added: list[tuple[int, str]] = []
        for doc_id in to_delete:
            for p in store.delete_document(doc_id):
                removed_rows.append(p.row_id)
                removed_texts.setdefault(p.text, p.row_id)
        for item in to_write:
            store.upsert_document(item.document, item.origin)
            passages = split_passages(item.document)
            removed, new = store.replace_passages(item.document.id, passages,
                                                  searched_contexts(item.document.text, passages))
            for p in removed:
                removed_rows.append(p.row_id)
                removed_texts.setdefault(p.text, p.row_id)
            added += [(row, p.text) for row, p in new]
        # An index of an older layout searches its passages with who speaks their quotes too.
        for doc_id in store.documents_lacking_context():
            document = store.get_document(doc_id)
            store.set_contexts(searched_contexts(document.text, store.passages_of(doc_id)))
        store.set_meta("encoder", encoder_key)

        vectors = _load_base_vectors(gen, encoder.dimension, reembed_all)
        if reembed_all:
            added = [(p.row_id, p.text) for p in store.iter_passages()]
            removed_texts = {}
        # Vectors of passages that only moved (an edit shifted their offsets) are reused.
        reusable = [(row, removed_texts[text]) for row, text in added if text in removed_texts]
        reused_vectors = vectors.reconstruct([old for _, old in reusable]) if reusable else None
        vectors.remove(removed_rows)
        if reusable:
            vectors.add([row for row, _ in reusable], reused_vectors)
        reused_rows = {row for row, _ in reusable}
        fresh = [(row, text) for row, text in added if row not in reused_rows]
        _embed_into(vectors, fresh, encoder, progress)
        summary.embedded = len(fresh)
        vectors.fit_to_size()  # exact or approximate search, as the new size calls for
        vectors.save(gen.vectors_path)
        gen.publish({"encoder": encoder_key, "created": time.time(), "pid": os.getpid()})
    except BaseException:
        gen.abandon()
        raise


def _load_base_vectors(gen: NewGeneration, dimension: int, fresh: bool) -> VectorIndex:
    # Imported here, not at the top: an ingest that changes nothing never needs FAISS.
    from embeddings.index import IndexFileError, VectorIndex

    if gen.base_vectors_path is None or fresh:
        return VectorIndex(dimension)
    try:
        return VectorIndex.load(gen.base_vectors_path)
    except IndexFileError as e:
        raise CorruptIndexError.of(e.path, e.problem, gen.index_dir) from None


EMBED_CHUNK = 512  # passages per encode call: progress stays live and memory bounded


def _embed_into(vectors: VectorIndex, rows: list[tuple[int, str]], encoder: Encoder,
                progress: Progress | None) -> None:
    # Sorting by length keeps padding (wasted model work) low inside each batch.
    rows = sorted(rows, key=lambda r: len(r[1]))
    total = len(rows)
    if progress:
        progress(0, total)
    for i in range(0, total, EMBED_CHUNK):
        chunk = rows[i:i + EMBED_CHUNK]
        vectors.add([r for r, _ in chunk], encoder.encode([t for _, t in chunk]))
        if progress:
            progress(min(i + EMBED_CHUNK, total), total)
