"""Documents and passages in SQLite, with an FTS5 table for lexical search.

The index directory holds numbered generations, each complete in itself:

    index_dir/CURRENT            the name of the generation being served
    index_dir/gen-000007/        qa.sqlite3 (documents, passages, FTS5) + vectors.faiss

An ingest copies the current generation aside, applies its changes there and only then
points ``CURRENT`` at it with an atomic rename. A crash or ``kill -9`` at any moment
leaves ``CURRENT`` naming the previous, complete generation; readers never see a
half-written one. A published generation is never modified again, which is what lets
readers open it as immutable.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Mapping, Sequence

from qa.errors import CorruptIndexError, IndexNotReadyError
from qa.models import Document, Passage
from qa.words import query_terms

DB_NAME = "qa.sqlite3"
VECTORS_NAME = "vectors.faiss"
CURRENT_NAME = "CURRENT"
MANIFEST_NAME = "manifest.json"
KEEP_GENERATIONS = 2  # the served one and the one before, still open in running servers
# Also kept: generations replaced less than this ago, which a server may still be reading
# (gunicorn's worker timeout, the longest a request may run, is 120 s).
PRUNE_GRACE_SECONDS = 120.0
# A query word in more passages is common (Store.lexical_search). At a million passages
# (bench/scale.py) 2,000 gives the lexical search the recall of 3,000 (recall@1 0.916,
# @10 0.936 on every 4th XQuAD question) in 2/3 of the time; 1,000 halved the time but
# lost a point of recall@1. SciFact's nDCG@10 (18,901 passages) is the same at all three.
COMMON_TERM_PASSAGES = 2_000

# Version 2 searches each passage with its document's title: a passage rarely repeats its
# title's words ("Super Bowl 50", a paper's topic), and BM25 over title and text finds
# the right document more often (SciFact nDCG@10 of lexical search 0.635 -> 0.679).
# Version 3 searches it with who speaks the quotations it holds too (``context``): '"Russia
# is our loyal and reliable partner ...," he said.' names neither the air force chief nor
# his title, which the text said once, in its opening.
SCHEMA_VERSION = 3

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    title TEXT, source TEXT, url TEXT, published TEXT,
    text TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    origin TEXT NOT NULL        -- the directory or JSONL file it came from, or 'api'
);
CREATE TABLE IF NOT EXISTS passages (
    row_id INTEGER PRIMARY KEY AUTOINCREMENT,  -- the FAISS id; AUTOINCREMENT never reuses one
    passage_id TEXT NOT NULL UNIQUE,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    text TEXT NOT NULL,
    title TEXT,                 -- the title of its document: searched with it
    context TEXT                -- who speaks its quotations (qa.quotes): searched with it
);
CREATE INDEX IF NOT EXISTS passages_by_document ON passages(document_id, seq);
CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5(
    title, context, text, content='passages', content_rowid='row_id',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS passages_ai AFTER INSERT ON passages BEGIN
    INSERT INTO passages_fts(rowid, title, context, text)
        VALUES (new.row_id, new.title, new.context, new.text);
END;
CREATE TRIGGER IF NOT EXISTS passages_ad AFTER DELETE ON passages BEGIN
    INSERT INTO passages_fts(passages_fts, rowid, title, context, text)
        VALUES ('delete', old.row_id, old.title, old.context, old.text);
END;
CREATE TRIGGER IF NOT EXISTS passages_au AFTER UPDATE OF title, context, text ON passages BEGIN
    INSERT INTO passages_fts(passages_fts, rowid, title, context, text)
        VALUES ('delete', old.row_id, old.title, old.context, old.text);
    INSERT INTO passages_fts(rowid, title, context, text)
        VALUES (new.row_id, new.title, new.context, new.text);
END;
"""


@dataclass(frozen=True)
class StoredPassage:
    row_id: int
    passage_id: str
    document_id: str
    seq: int
    start: int
    end: int
    text: str

    def to_passage(self) -> Passage:
        return Passage(self.passage_id, self.document_id, self.start, self.end, self.text)


_PASSAGE_COLUMNS = 'row_id, passage_id, document_id, seq, start, "end", text'
_DOCUMENT_COLUMNS = "id, text, title, source, url, published"


def _document(row) -> Document:
    return Document(id=row[0], text=row[1], title=row[2], source=row[3], url=row[4], published=row[5])


class Store:
    """One generation's SQLite database. Readers get a connection per thread."""

    def __init__(self, path: Path, *, readonly: bool = True):
        self.path = Path(path)
        self.readonly = readonly
        self._local = threading.local()
        self._df_cache: dict[str, int] = {}
        self._counts: dict[str, int] = {}  # recorded at publish; count(*) takes ~0.2 s at 1M
        if readonly:
            if not self.path.is_file():
                raise CorruptIndexError.of(self.path, "missing", self.path.parent.parent)
            try:
                sized = check_recorded_size(self.path)
                self._check(full=not sized)
            except sqlite3.DatabaseError:
                raise CorruptIndexError.of(self.path, "not a readable index database",
                                           self.path.parent.parent) from None
            if sized:  # the file is the one published: its recorded counts hold
                manifest = read_manifest(self.path.parent)
                self._counts = {t: manifest[t] for t in ("documents", "passages")
                                if isinstance(manifest.get(t), int)}

    def _connect(self) -> sqlite3.Connection:
        if self.readonly:
            # immutable: a published generation never changes, so SQLite may skip locking.
            uri = f"file:{self.path}?mode=ro&immutable=1"
            conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        else:
            conn = sqlite3.connect(self.path, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=DELETE")
            conn.execute("PRAGMA synchronous=FULL")
            _migrate(conn)
            # One transaction: on its own each statement would be one, each with its
            # journal and fsyncs (measured 0.9 s on a busy disk for a new database).
            conn.executescript(f"BEGIN; {SCHEMA} COMMIT;")
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema', ?)",
                         (str(SCHEMA_VERSION),))
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    def schema_version(self) -> int:
        return int(self.get_meta("schema") or 1)

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    def _check(self, full: bool) -> None:
        """Reading the schema and the last passage catches a file that is not a database
        or lost its end. ``full`` adds SQLite's quick_check, which reads every page: a
        few milliseconds on a small index but seconds on a gigabyte, so it only runs
        when the manifest recorded no size to check the file against."""
        if full:
            row = self.conn.execute("PRAGMA quick_check").fetchone()
            if row[0] != "ok":
                raise sqlite3.DatabaseError(row[0])
        self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        self.conn.execute("SELECT max(row_id) FROM passages").fetchone()

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- meta ---------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    # -- documents ----------------------------------------------------------
    def count_documents(self) -> int:
        return self._count("documents")

    def count_passages(self) -> int:
        return self._count("passages")

    def _count(self, table: str) -> int:
        if table in self._counts:
            return self._counts[table]
        return self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def document_states(self) -> dict[str, tuple[str, str, tuple]]:
        """id -> (sha256 of the text, origin, metadata tuple): what decides re-ingest work."""
        return {r[0]: (r[1], r[2], tuple(r[3:])) for r in self.conn.execute(
            "SELECT id, sha256, origin, title, source, url, published FROM documents")}

    def get_document(self, document_id: str) -> Document | None:
        row = self.conn.execute(f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE id = ?",
                                (document_id,)).fetchone()
        return _document(row) if row else None

    def get_documents(self, ids: Iterable[str]) -> dict[str, Document]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.conn.execute(f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE id IN ({marks})", ids)
        return {r[0]: _document(r) for r in rows}

    def list_documents(self, offset: int, limit: int) -> list[tuple[Document, int]]:
        """Documents by id with their passage counts (text left empty: a listing)."""
        rows = self.conn.execute(
            "SELECT d.id, '', d.title, d.source, d.url, d.published,"
            " (SELECT count(*) FROM passages p WHERE p.document_id = d.id)"
            " FROM documents d ORDER BY d.id LIMIT ? OFFSET ?", (limit, offset))
        return [(_document(r), r[6]) for r in rows]

    def filter_document_ids(self, *, document_ids=None, sources=None, published_from=None,
                            published_to=None) -> list[str]:
        clauses, args = [], []
        if document_ids is not None:
            clauses.append(f"id IN ({','.join('?' * len(document_ids))})")
            args += list(document_ids)
        if sources is not None:
            clauses.append(f"lower(source) IN ({','.join('?' * len(sources))})")
            args += [s.lower() for s in sources]
        if published_from is not None:
            clauses.append("published >= ?")
            args.append(published_from)
        if published_to is not None:
            clauses.append("published <= ?")
            args.append(published_to)
        where = " AND ".join(clauses) or "1"
        return [r[0] for r in self.conn.execute(f"SELECT id FROM documents WHERE {where}", args)]

    # -- passages -----------------------------------------------------------
    def passages_of(self, document_id: str) -> list[StoredPassage]:
        rows = self.conn.execute(
            f"SELECT {_PASSAGE_COLUMNS} FROM passages WHERE document_id = ? ORDER BY seq", (document_id,))
        return [StoredPassage(*r) for r in rows]

    def get_passage(self, passage_id: str) -> StoredPassage | None:
        row = self.conn.execute(f"SELECT {_PASSAGE_COLUMNS} FROM passages WHERE passage_id = ?",
                                (passage_id,)).fetchone()
        return StoredPassage(*row) if row else None

    def passages_by_row(self, row_ids: Sequence[int]) -> dict[int, StoredPassage]:
        if not row_ids:
            return {}
        marks = ",".join("?" * len(row_ids))
        rows = self.conn.execute(f"SELECT {_PASSAGE_COLUMNS} FROM passages WHERE row_id IN ({marks})",
                                 list(row_ids))
        return {r[0]: StoredPassage(*r) for r in rows}

    def neighbours(self, passage: StoredPassage) -> tuple[str | None, str | None]:
        prev = self.conn.execute(
            "SELECT passage_id FROM passages WHERE document_id = ? AND seq < ? ORDER BY seq DESC LIMIT 1",
            (passage.document_id, passage.seq)).fetchone()
        nxt = self.conn.execute(
            "SELECT passage_id FROM passages WHERE document_id = ? AND seq > ? ORDER BY seq LIMIT 1",
            (passage.document_id, passage.seq)).fetchone()
        return (prev[0] if prev else None, nxt[0] if nxt else None)

    def row_ids_of_documents(self, document_ids: Sequence[str]) -> list[int]:
        if not document_ids:
            return []
        marks = ",".join("?" * len(document_ids))
        return [r[0] for r in self.conn.execute(
            f"SELECT row_id FROM passages WHERE document_id IN ({marks})", list(document_ids))]

    def lexical_search(self, query: str, k: int, allowed_documents: Sequence[str] | None = None
                       ) -> list[tuple[int, float]]:
        """BM25 over FTS5: (row_id, score) best first, the score positive (higher is better).

        BM25 costs a few microseconds for every passage that matches any query word, so
        one common word ("many", "time") makes a query over a million passages take
        hundreds of milliseconds. So the words found in more than COMMON_TERM_PASSAGES
        passages only score passages that also hold a rarer word: one query ranks the
        passages with a rare word by the rare words, a second one (rare AND common) gives
        those that also hold a common word their full score, on the same scale since
        FTS5 weighs each word by its corpus-wide IDF. The best of the two is exactly
        BM25's ranking of the passages that hold a rare word. Left out are passages
        with common words only, which rank low anyway (each common word's IDF is at most
        ln(N / COMMON_TERM_PASSAGES)). Below that many passages nothing changes.
        """
        if allowed_documents is not None and not allowed_documents:
            return []
        try:
            rare, common = self._rare_and_common(query_terms(query))
            queries = [fts_match(rare)] if rare else []
            if common:
                queries.append(f"({fts_match(rare)}) AND ({fts_match(common)})")
            scores: dict[int, float] = {}
            for match in queries:  # the second query's scores are the complete ones
                scores.update(self._bm25(match, k, allowed_documents))
        except sqlite3.OperationalError:
            return []
        return sorted(scores.items(), key=lambda r: (-r[1], r[0]))[:k]

    def _bm25(self, match: str, k: int, allowed_documents: Sequence[str] | None) -> list[tuple[int, float]]:
        sql = "SELECT rowid, bm25(passages_fts) FROM passages_fts WHERE passages_fts MATCH ?"
        args: list = [match]
        if allowed_documents is not None:
            sql += (f" AND rowid IN (SELECT row_id FROM passages WHERE document_id IN"
                    f" ({','.join('?' * len(allowed_documents))}))")
            args += list(allowed_documents)
        sql += " ORDER BY bm25(passages_fts) LIMIT ?"
        args.append(k)
        return [(r[0], -r[1]) for r in self.conn.execute(sql, args)]

    def _rare_and_common(self, terms: list[str]) -> tuple[list[str], list[str]]:
        """``terms`` split by whether more than COMMON_TERM_PASSAGES passages hold them;
        when all are common, the rarest counts as rare."""
        if len(terms) < 2:
            return terms, []
        counts = self.document_frequencies(terms)  # capped at DF_CAP > COMMON_TERM_PASSAGES
        rare = [t for t in terms if counts[t] <= COMMON_TERM_PASSAGES]
        if not rare:
            rare = [min(terms, key=counts.__getitem__)]
        return rare, [t for t in terms if t not in rare]

    # Document frequencies are looked up once per word per generation (it never changes).
    DF_CAP = 10_000  # past this a word is common anyway: its weight is near zero

    def document_frequencies(self, words: Sequence[str]) -> dict[str, int]:
        """How many passages hold each word in their text (FTS5's own tokenizer, so
        "elections" counts passages with "election"; titles are left out, they repeat
        on every passage of a document), capped at DF_CAP to bound the cost."""
        cache = self._df_cache
        for w in words:
            if w not in cache:
                try:
                    cache[w] = self.conn.execute(
                        "SELECT count(*) FROM (SELECT 1 FROM passages_fts WHERE passages_fts MATCH ?"
                        " LIMIT ?)", (f'text : "{w}"', self.DF_CAP)).fetchone()[0]
                except sqlite3.OperationalError:
                    cache[w] = 0
        return {w: cache[w] for w in words}

    def iter_passages(self) -> Iterator[StoredPassage]:
        yield from (StoredPassage(*r) for r in self.conn.execute(
            f"SELECT {_PASSAGE_COLUMNS} FROM passages ORDER BY row_id"))

    # -- writes (only on an unpublished generation) -------------------------
    def upsert_document(self, document: Document, origin: str) -> None:
        self._upsert_document_row(document, origin)
        # Keep the searched copy of the title in step (a metadata-only change too).
        self.conn.execute("UPDATE passages SET title = ? WHERE document_id = ? AND title IS NOT ?",
                          (document.title, document.id, document.title))

    def _upsert_document_row(self, document: Document, origin: str) -> None:
        self.conn.execute(
            "INSERT INTO documents(id, title, source, url, published, text, sha256, origin)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET title=excluded.title,"
            " source=excluded.source, url=excluded.url, published=excluded.published,"
            " text=excluded.text, sha256=excluded.sha256, origin=excluded.origin",
            (document.id, document.title, document.source, document.url, document.published,
             document.text, document.sha256, origin))

    def delete_document(self, document_id: str) -> list[StoredPassage]:
        """Remove a document and its passages; return the passages removed."""
        removed = self.passages_of(document_id)
        self.conn.execute("DELETE FROM passages WHERE document_id = ?", (document_id,))
        self.conn.execute("DELETE FROM documents WHERE id = ?", (document_id,))
        return removed

    def replace_passages(self, document_id: str, passages: Sequence[Passage],
                         contexts: Mapping[str, str] | None = None
                         ) -> tuple[list[StoredPassage], list[tuple[int, Passage]]]:
        """Make ``passages`` the document's passages, keeping the row ids (and so the
        vectors) of those whose id is unchanged. ``contexts``: passage id -> what is
        searched with it besides its title (who speaks its quotations). Returns (removed
        passages, new rows)."""
        contexts = contexts or {}
        old = {p.passage_id: p for p in self.passages_of(document_id)}
        wanted = {p.passage_id for p in passages}
        removed = [p for pid, p in old.items() if pid not in wanted]
        if removed:
            self.conn.executemany("DELETE FROM passages WHERE row_id = ?", [(p.row_id,) for p in removed])
        added: list[tuple[int, Passage]] = []
        for seq, p in enumerate(passages):
            context = contexts.get(p.passage_id, "")
            if p.passage_id in old:
                self.conn.execute("UPDATE passages SET seq = ? WHERE passage_id = ?", (seq, p.passage_id))
                # The rest of the text may have changed who speaks its quotations; only a
                # changed context is written, as the FTS row is rewritten on each update.
                self.conn.execute("UPDATE passages SET context = ? WHERE passage_id = ?"
                                  " AND context IS NOT ?", (context, p.passage_id, context))
                continue
            cur = self.conn.execute(
                'INSERT INTO passages(passage_id, document_id, seq, start, "end", text, title,'
                " context) VALUES (?, ?, ?, ?, ?, ?, (SELECT title FROM documents WHERE id = ?), ?)",
                (p.passage_id, document_id, seq, p.start, p.end, p.text, document_id, context))
            added.append((cur.lastrowid, p))
        return removed, added

    def documents_lacking_context(self) -> list[str]:
        """Documents with passages whose context was never set (an index of an older layout)."""
        return [r[0] for r in self.conn.execute(
            "SELECT DISTINCT document_id FROM passages WHERE context IS NULL ORDER BY document_id")]

    def set_contexts(self, contexts: Mapping[str, str]) -> None:
        """Passage id -> what is searched with the passage besides its title."""
        self.conn.executemany("UPDATE passages SET context = ? WHERE passage_id = ?",
                              [(c, pid) for pid, c in contexts.items()])

    def commit(self) -> None:
        self.conn.commit()


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring a copy of an older generation to SCHEMA_VERSION (only ever on the copy an
    ingest writes; published generations are never changed). Its passages' contexts are
    left empty (NULL) for the ingest to find (``documents_lacking_context``)."""
    has_passages = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'passages'").fetchone()
    if not has_passages:
        return
    columns = {row[1] for row in conn.execute("PRAGMA table_info(passages)")}
    if {"title", "context"} <= columns:
        return
    added = ""
    if "title" not in columns:  # version 1
        added += """ALTER TABLE passages ADD COLUMN title TEXT;
            UPDATE passages SET title = (SELECT title FROM documents
                                         WHERE documents.id = passages.document_id);"""
    if "context" not in columns:  # versions 1 and 2
        added += "ALTER TABLE passages ADD COLUMN context TEXT;"
    conn.executescript(f"""
        {added}
        DROP TRIGGER IF EXISTS passages_ai;
        DROP TRIGGER IF EXISTS passages_ad;
        DROP TRIGGER IF EXISTS passages_au;
        DROP TABLE IF EXISTS passages_fts;
    """)
    conn.executescript(SCHEMA)
    conn.execute("INSERT INTO passages_fts(passages_fts) VALUES ('rebuild')")
    conn.commit()


def fts_match(terms: Sequence[str]) -> str:
    """An FTS5 query that ORs ``terms``, each quoted so no word is read as syntax."""
    return " OR ".join(f'"{w}"' for w in terms)


# -- generations ---------------------------------------------------------------

_GEN = re.compile(r"^gen-(\d{6})$")


def current_generation(index_dir: Path) -> Path | None:
    """The generation ``CURRENT`` names, or None when no index was ever built."""
    pointer = Path(index_dir) / CURRENT_NAME
    name = current_token(index_dir)
    if name is None:
        return None
    if not _GEN.match(name) or not (Path(index_dir) / name).is_dir():
        raise CorruptIndexError.of(pointer, f"names no complete index ({name!r})", index_dir)
    return Path(index_dir) / name


def read_manifest(generation: Path) -> dict:
    try:
        return json.loads((Path(generation) / MANIFEST_NAME).read_text())
    except (OSError, ValueError):
        return {}


def check_recorded_size(path: Path) -> bool:
    """Compare a generation's file with the size its manifest recorded when it was
    published: a check that costs nothing however large the index, and catches a file
    that was truncated, replaced or partly copied. Returns whether a size was recorded
    (generations published before sizes were recorded have none)."""
    path = Path(path)
    recorded = read_manifest(path.parent).get("files", {}).get(path.name, {}).get("bytes")
    if recorded is None:
        return False
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise CorruptIndexError.of(path, "missing", path.parent.parent) from None
    if size != recorded:
        raise CorruptIndexError.of(
            path, f"{size} bytes where the index recorded {recorded} (truncated or changed)",
            path.parent.parent)
    return True


def require_generation(index_dir: Path) -> Path:
    gen = current_generation(index_dir)
    if gen is None:
        raise IndexNotReadyError(
            f"No index in {index_dir}. Build one with `qa ingest seeds/` (or `make serve`).")
    return gen


def current_token(index_dir: Path) -> str | None:
    """A cheap value that changes when a new generation is published."""
    try:
        data = (Path(index_dir) / CURRENT_NAME).read_bytes()
    except FileNotFoundError:
        return None
    # Damaged bytes must not raise here: current_generation() says the pointer is bad.
    return data.decode("utf-8", errors="replace").strip()


class NewGeneration:
    """A generation being written: a copy of the current one (or empty), published by
    ``publish()`` with an atomic switch of ``CURRENT``; abandoned unless published."""

    def __init__(self, index_dir: Path):
        self.index_dir = Path(index_dir)
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self.base = current_generation(self.index_dir)
        number = _next_number(self.index_dir)
        self.name = f"gen-{number:06d}"
        self.path = self.index_dir / f"{self.name}.tmp-{os.getpid()}"
        self.path.mkdir()
        if self.base is not None:
            # The SQLite backup API gives a consistent copy even of a database in use.
            src = sqlite3.connect(f"file:{self.base / DB_NAME}?mode=ro", uri=True)
            dst = sqlite3.connect(self.path / DB_NAME)
            src.backup(dst)
            src.close()
            dst.close()
        self.store = Store(self.path / DB_NAME, readonly=False)
        self.vectors_path = self.path / VECTORS_NAME
        self.base_vectors_path = self.base / VECTORS_NAME if self.base else None

    def publish(self, manifest: dict) -> Path:
        """Publish with a manifest that adds to ``manifest`` the counts and the size of
        every file, which is what loading checks the files against."""
        self.store.commit()
        self.store.conn.execute("PRAGMA optimize")
        counts = {"documents": self.store.count_documents(), "passages": self.store.count_passages()}
        self.store.close()
        manifest = {**manifest, "base": self.base.name if self.base else None}
        files = {p.name: {"bytes": p.stat().st_size} for p in sorted(self.path.iterdir())}
        (self.path / MANIFEST_NAME).write_text(json.dumps({**manifest, **counts, "files": files}, indent=2))
        _fsync_dir_files(self.path)
        final = self.index_dir / self.name
        os.replace(self.path, final)
        pointer_tmp = self.index_dir / f"{CURRENT_NAME}.tmp-{os.getpid()}"
        with open(pointer_tmp, "w") as f:
            f.write(self.name + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(pointer_tmp, self.index_dir / CURRENT_NAME)
        _fsync_dir(self.index_dir)
        prune_generations(self.index_dir)
        return final

    def abandon(self) -> None:
        self.store.close()
        shutil.rmtree(self.path, ignore_errors=True)


def _next_number(index_dir: Path) -> int:
    numbers = [int(m.group(1)) for p in index_dir.iterdir()
               if (m := re.match(r"^gen-(\d{6})", p.name))]
    return max(numbers, default=0) + 1


def prune_generations(index_dir: Path) -> None:
    """Keep the served generation, the KEEP_GENERATIONS - 1 served before it, and any
    generation replaced less than PRUNE_GRACE_SECONDS ago: a server checks ``CURRENT``
    only every half second and a request may run longer, so a generation that was served
    recently may still be read. Delete the others, which includes what ingests that died
    left: a ``.tmp-PID`` directory or file of a dead process, and a complete generation
    that was renamed into place but never switched to. Runs under the ingest lock, so no
    other writer is between those steps."""
    now = time.time()
    current = current_token(index_dir)
    keep = {current}
    name, replaced_at = current, _created(index_dir, current, now)
    while name is not None:
        # Each manifest names the generation it was copied from: the one served before.
        name = _base_of(index_dir, name)
        if name is None or (len(keep) >= KEEP_GENERATIONS
                            and now - replaced_at > PRUNE_GRACE_SECONDS):
            break
        keep.add(name)
        replaced_at = _created(index_dir, name, now)
    for p in index_dir.iterdir():
        if p.name in keep:
            continue
        if _GEN.match(p.name) or (".tmp-" in p.name and not _pid_alive(p.name)):
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)


def _manifest(index_dir: Path, generation: str | None) -> dict:
    if generation is None:
        return {}
    try:
        manifest = json.loads((index_dir / generation / MANIFEST_NAME).read_text())
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def _created(index_dir: Path, generation: str | None, default: float) -> float:
    created = _manifest(index_dir, generation).get("created")
    return float(created) if isinstance(created, (int, float)) else default


def _base_of(index_dir: Path, generation: str) -> str | None:
    manifest = _manifest(index_dir, generation)
    if "base" in manifest:
        base = manifest["base"]
        return base if isinstance(base, str) and _GEN.match(base) else None
    # Written before manifests named their base: the newest generation older than it.
    older = [p.name for p in index_dir.iterdir() if _GEN.match(p.name) and p.name < generation]
    return max(older, default=None)


def _pid_alive(name: str) -> bool:
    try:
        pid = int(name.rsplit(".tmp-", 1)[1])
    except ValueError:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_dir_files(path: Path) -> None:
    for p in path.iterdir():
        with open(p, "rb") as f:
            os.fsync(f.fileno())
    _fsync_dir(path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
