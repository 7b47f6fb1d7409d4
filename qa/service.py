"""The service: one object holding the loaded index and the encoder, doing ask, search,
look-ups and ingest. The HTTP API, the CLI and the web page all call it.

The served index is a ``Snapshot`` of one generation. Before each request the service
checks (at most every ``RELOAD_CHECK_SECONDS``) whether ``CURRENT`` names a newer
generation, loads it beside the old one and swaps the reference: requests in flight
finish on the snapshot they started with, so a live re-index never fails a question.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from embeddings import create_encoder
from qa import followup, retrieval
from qa.config import Settings
from qa.errors import (BadRequestError, CorruptIndexError, IndexNotReadyError, NotFoundError,
                       NotReadyError)
from qa.ingest import (IngestSummary, Progress, SourcedDocument, documents_from_paths,
                       encoder_identity, ingest_documents)
from qa.models import Answer, Document, Hit
from qa.store import (DB_NAME, VECTORS_NAME, Store, StoredPassage, check_recorded_size, current_token,
                      require_generation)

if TYPE_CHECKING:
    from embeddings import Encoder, VectorIndex
    from embeddings.word_vectors import WordVectors

RELOAD_CHECK_SECONDS = 0.5
# From this many passages a question's lexical search runs beside its model call. Below,
# it is too quick to pay for the hand-off: on the seeds (34 passages, 0.15 ms) running it
# beside made the model call slower and /api/ask 0.05-1.2 ms slower (interleaved A/B runs
# of two servers). It takes 0.45 ms on xquad_en (508 passages), 7 ms on SciFact (18,901)
# and 8 ms at a million, longer than the model call.
LEXICAL_BESIDE_MODEL_FROM = 2_000
log = logging.getLogger(__name__)


def _answers():
    """``qa.answers``, imported when first needed: compiling its patterns takes 40 ms, a
    third of a re-ingest of an unchanged corpus, which never answers anything."""
    from qa import answers

    return answers


@dataclass
class Snapshot:
    generation: str
    store: Store
    vectors: VectorIndex

    @classmethod
    def load(cls, index_dir: Path) -> "Snapshot":
        from embeddings.index import IndexFileError, VectorIndex  # FAISS: only when serving

        gen = require_generation(index_dir)
        store = Store(gen / DB_NAME)
        try:
            check_recorded_size(gen / VECTORS_NAME)
            vectors = VectorIndex.load(gen / VECTORS_NAME, read_only=True)
        except IndexFileError as e:
            raise CorruptIndexError.of(e.path, e.problem, index_dir) from None
        if len(vectors) != store.count_passages():
            raise CorruptIndexError.of(
                gen / VECTORS_NAME, f"holds {len(vectors)} vectors for {store.count_passages()}"
                " passages", index_dir)
        return cls(gen.name, store, vectors)


@dataclass
class Filters:
    document_ids: list[str] | None = None
    sources: list[str] | None = None
    published_from: str | None = None
    published_to: str | None = None

    def is_empty(self) -> bool:
        return all(v is None for v in (self.document_ids, self.sources, self.published_from,
                                       self.published_to))


@dataclass
class AskResult:
    question: str
    abstained: bool
    answer: Answer | None
    passages: list[Hit]
    timings_ms: dict[str, float]


class QAService:
    def __init__(self, settings: Settings, encoder: Encoder | None = None, *,
                 batch_work: bool = False):
        """``batch_work``: this process embeds passages in batches with the machine to
        itself (``qa ingest``): the model takes every core and its threads wait busily.
        A server shares the cores among requests and lets idle model threads sleep."""
        self.settings = settings
        self.encoder = encoder or create_encoder(
            settings.encoder, settings.model_path,
            threads=settings.ingest_threads if batch_work else settings.model_threads,
            cache_dir=settings.model_cache_dir, busy_wait=batch_work)
        self._snapshot: Snapshot | None = None
        self._token: str | None = None
        self._checked = 0.0
        self._reload_lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid: int | None = None

    # -- the served index ---------------------------------------------------
    @property
    def index_dir(self) -> Path:
        return Path(self.settings.index_dir)

    def snapshot(self) -> Snapshot:
        """The current snapshot, reloaded when a newer generation was published."""
        now = time.monotonic()
        if self._snapshot is not None and now - self._checked < RELOAD_CHECK_SECONDS:
            return self._snapshot
        token = current_token(self.index_dir)
        self._checked = now
        if self._snapshot is not None and token == self._token:
            return self._snapshot
        with self._reload_lock:
            if self._snapshot is None or token != self._token:
                self._snapshot = Snapshot.load(self.index_dir)  # says how to build one if none
                self._token = self._snapshot.generation
        return self._snapshot

    def warm_up(self) -> None:
        """Load the index and the model now, so the first question is not slow."""
        self.snapshot()
        self.encoder.encode_one("warm up")

    def word_vectors(self) -> WordVectors | None:
        """The encoder's word vectors, by which answers see a question's words said
        otherwise; None for an encoder that has none."""
        return self.encoder.word_vectors()

    @property
    def model_loaded(self) -> bool:
        # Encoders that load lazily say so; any other encoder is ready when it exists.
        return getattr(self.encoder, "loaded", True)

    def prepare(self) -> None:
        """Fail now, with a clear message, if there is no usable index or model, but start
        no model threads: the server forks its workers after this (see qa.server)."""
        built_with = self.snapshot().store.get_meta("encoder")
        if built_with and built_with != encoder_identity(self.encoder):
            log.warning("the index was embedded with %s, questions are embedded with %s: "
                        "run `qa ingest` with this encoder to re-embed it", built_with,
                        encoder_identity(self.encoder))
        self.encoder.prepare()
        self.word_vectors()  # read before the fork too: the workers share its pages
        _answers()  # before the fork, so every worker has it and no first question waits

    def health(self) -> dict:
        """Liveness: answers whenever the process does; ``ready`` tells whether questions
        can be answered now (index and model loaded)."""
        try:
            snap = self.snapshot()
        except IndexNotReadyError:
            return {"status": "ok", "documents": 0, "passages": 0, "ready": False}
        return {"status": "ok", "documents": snap.store.count_documents(),
                "passages": snap.store.count_passages(), "ready": self.model_loaded}

    def readiness(self) -> dict:
        """The health of a service ready to answer; raises, saying why, when it is not."""
        self.snapshot()  # no usable index: IndexNotReadyError says how to build one
        if not self.model_loaded:
            raise NotReadyError("The embedding model is not loaded yet.")
        return self.health()

    # -- questions ----------------------------------------------------------
    def _allowed_documents(self, snap: Snapshot, filters: Filters | None) -> list[str] | None:
        if filters is None or filters.is_empty():
            return None
        return snap.store.filter_document_ids(
            document_ids=filters.document_ids, sources=filters.sources,
            published_from=filters.published_from, published_to=filters.published_to)

    def _beside_model(self) -> ThreadPoolExecutor:
        """Threads for the work that can run while a question is embedded (the model call
        leaves Python's lock). One pool per process: threads do not survive gunicorn's fork."""
        if self._pool_pid != os.getpid():
            with self._reload_lock:  # two first requests must not both make one
                if self._pool_pid != os.getpid():
                    self._pool = ThreadPoolExecutor(max(1, self.settings.threads),
                                                    thread_name_prefix="beside-model")
                    self._pool_pid = os.getpid()
        return self._pool

    def _retrieve(self, snap: Snapshot, query: str, top_k: int, filters: Filters | None,
                  timings: dict[str, float]) -> list[retrieval.Candidate]:
        allowed = self._allowed_documents(snap, filters)
        beside = None
        if len(snap.vectors) >= LEXICAL_BESIDE_MODEL_FROM:
            # The model call leaves Python's lock: the lexical search runs meanwhile, and
            # the vector search while the lexical one ends.
            beside = self._beside_model().submit(retrieval.lexical_candidates, snap.store, query,
                                                 top_k, allowed, self.word_vectors())
        t0 = time.perf_counter()
        vector = self.encoder.encode_one(query)
        t1 = time.perf_counter()
        dense = retrieval.dense_candidates(snap.store, snap.vectors, vector, top_k, allowed)
        lexical = (beside.result() if beside is not None
                   else retrieval.lexical_candidates(snap.store, query, top_k, allowed,
                                                     self.word_vectors()))
        candidates = retrieval.ranked_candidates(snap.store, dense, lexical, top_k)
        t2 = time.perf_counter()
        timings["embed"] = round((t1 - t0) * 1000, 2)
        timings["search"] = round((t2 - t1) * 1000, 2)
        return candidates

    def _hits(self, snap: Snapshot, candidates: Sequence[retrieval.Candidate]
              ) -> tuple[list[Hit], dict[str, Document]]:
        documents = snap.store.get_documents(c.passage.document_id for c in candidates)
        hits = []
        for rank, c in enumerate(candidates, 1):
            doc = documents[c.passage.document_id]
            p = c.passage
            hits.append(Hit(rank=rank, passage_id=p.passage_id, document_id=p.document_id,
                            title=doc.title, source=doc.source, url=doc.url, published=doc.published,
                            text=p.text, start=p.start, end=p.end, score=round(c.score, 6),
                            also_in=list(c.also_in)))
        return hits, documents

    def search(self, query: str, top_k: int = 5, filters: Filters | None = None,
               timings: dict[str, float] | None = None) -> list[Hit]:
        """``timings``, when given, receives the stage timings in ms (as ``ask`` reports)."""
        snap = self.snapshot()
        candidates = self._retrieve(snap, query, top_k, filters, {} if timings is None else timings)
        return self._hits(snap, candidates)[0]

    def ask(self, question: str, top_k: int = 5, history: Sequence[dict] | None = None,
            filters: Filters | None = None) -> AskResult:
        started = time.perf_counter()
        snap = self.snapshot()
        timings: dict[str, float] = {}
        query = followup.retrieval_query(question, history)
        candidates = self._retrieve(snap, query, top_k, filters, timings)
        t0 = time.perf_counter()
        hits, documents = self._hits(snap, candidates)
        answers = _answers()
        abstain_below = self.settings.abstain_below
        answer = answers.build_answer(
            question, candidates, documents, self._question_weights(snap, question),
            answers.ABSTAIN_BELOW if abstain_below is None else abstain_below,
            self.word_vectors())
        timings["answer"] = round((time.perf_counter() - t0) * 1000, 2)
        timings["total"] = round((time.perf_counter() - started) * 1000, 2)
        return AskResult(question=question, abstained=answer is None, answer=answer,
                         passages=hits, timings_ms=timings)

    @staticmethod
    def _question_weights(snap: Snapshot, question: str) -> dict[str, float]:
        answers = _answers()
        terms = answers.question_terms(question)
        return answers.question_weights(question, snap.store.document_frequencies(terms),
                                        len(snap.vectors))

    # -- look-ups -----------------------------------------------------------
    def passage(self, passage_id: str) -> tuple[StoredPassage, Document, str | None, str | None]:
        snap = self.snapshot()
        p = snap.store.get_passage(passage_id)
        if p is None:
            raise NotFoundError(f"No passage {passage_id!r}: it is not in the index (it may have"
                                " been removed when its document changed).")
        doc = snap.store.get_document(p.document_id)
        prev_id, next_id = snap.store.neighbours(p)
        return p, doc, prev_id, next_id

    def document(self, document_id: str) -> tuple[Document, list[StoredPassage]]:
        snap = self.snapshot()
        doc = snap.store.get_document(document_id)
        if doc is None:
            raise NotFoundError(f"No document {document_id!r} in the index.")
        return doc, snap.store.passages_of(document_id)

    def documents(self, offset: int, limit: int) -> tuple[list[tuple[Document, int]], int]:
        snap = self.snapshot()
        return snap.store.list_documents(offset, limit), snap.store.count_documents()

    def cite(self, text: str) -> list[dict]:
        from qa.cite import find_quote

        return find_quote(self.snapshot().store, text)

    # -- writes -------------------------------------------------------------
    def ingest(self, paths: Sequence[str | Path], progress: Progress | None = None) -> IngestSummary:
        summary = IngestSummary()
        documents, origins = documents_from_paths(paths, summary, self.settings.max_file_bytes)
        return self._written(ingest_documents(self.index_dir, documents, self.encoder,
                                              prune_origins=origins, summary=summary,
                                              progress=progress))

    def put_document(self, document: Document) -> IngestSummary:
        if not document.text.strip():
            raise BadRequestError("The document's text is empty.")
        return self._written(ingest_documents(self.index_dir, [SourcedDocument(document, "api")],
                                              self.encoder))

    def delete_document(self, document_id: str) -> IngestSummary:
        self.document(document_id)  # 404 when it is not there
        return self._written(ingest_documents(self.index_dir, [], self.encoder,
                                              delete_ids=[document_id]))

    def _written(self, summary: IngestSummary) -> IngestSummary:
        # Our own write: the next question must see it, without waiting for the next check.
        self._checked = 0.0
        return summary
