"""A generated corpus of a million passages for bench/scale.py, and its vectors.

The base is real text: the seeds, XQuAD (en) and SciFact corpora, loaded and split by
the project's own code. Each base document is repeated with variations -- numbers
changed, words substituted by words drawn from the corpus's own word frequencies,
neighbouring words swapped -- under a new document id, so the lexical side sees a real
vocabulary with realistic term frequencies and postings lists.

Embedding a million passages is out of reach on 2 cores (about 12 passages/s), so the
base passages are embedded once with the real model (cached under var/bench/scale/base)
and each variant passage gets its base passage's vector plus Gaussian noise,
renormalised. The noise level is measured, not guessed: ``calibrate`` embeds a sample
of real variants with the model and picks the noise whose expected cosine to the base
equals the mean cosine the model gives a variant and its base (see ``noise_sigma``).

    .venv/bin/python bench/scale_corpus.py embed      # resumable; minutes to an hour
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.corpus import load_corpus  # noqa: E402
from qa.models import Document, Passage  # noqa: E402
from qa.passages import passage_id, split_passages  # noqa: E402

SHARED = ROOT.parent / "shared" / "eval"
WORK = ROOT / "var" / "bench" / "scale"
BASE_DIR = WORK / "base"
SOURCES = {  # in embedding order: what the questions need first
    "seeds": ROOT / "seeds",
    "xquad_en": SHARED / "xquad_en" / "corpus.jsonl",
    "scifact": SHARED / "scifact" / "corpus.jsonl",
}
QUESTION_FILES = {
    "seeds": ROOT / "bench" / "questions" / "seeds.jsonl",
    "xquad_en": SHARED / "xquad_en" / "questions.jsonl",
    "scifact": SHARED / "scifact" / "questions.jsonl",
}
CHUNK = 256  # passages per cache file: an interrupted embed loses at most one chunk


def base_documents(source: str) -> list[Document]:
    return load_corpus([SOURCES[source]]).documents


def questions(source: str) -> list[str]:
    with open(QUESTION_FILES[source]) as f:
        return [json.loads(line)["question"] for line in f if line.strip()]


# -- the base vectors, embedded once ---------------------------------------------------

def _chunk_path(source: str, i: int) -> Path:
    return BASE_DIR / source / f"{i:05d}.npz"


def embed_base(sources=tuple(SOURCES), deadline: float | None = None) -> None:
    """Embed every base passage (and the questions) with the real model, in cached chunks."""
    from embeddings import SentenceTransformerEncoder

    encoder = SentenceTransformerEncoder()
    for source in sources:
        (BASE_DIR / source).mkdir(parents=True, exist_ok=True)
        qpath = BASE_DIR / source / "questions.npy"
        if not qpath.exists():
            np.save(qpath, encoder.encode(questions(source)))
        passages = [p for d in base_documents(source) for p in split_passages(d)]
        for n, i in enumerate(range(0, len(passages), CHUNK)):
            path = _chunk_path(source, n)
            if path.exists():
                continue
            if deadline is not None and time.time() > deadline:
                print(f"{source}: stopped at the deadline, {i}/{len(passages)} embedded", flush=True)
                return
            chunk = passages[i:i + CHUNK]
            started = time.perf_counter()
            vectors = encoder.encode([p.text for p in chunk])
            tmp = path.with_suffix(".tmp.npz")
            np.savez(tmp, ids=np.array([p.passage_id for p in chunk]), vectors=vectors)
            tmp.rename(path)
            rate = len(chunk) / (time.perf_counter() - started)
            print(f"{source}: {i + len(chunk)}/{len(passages)} ({rate:.1f}/s)", flush=True)


def cached_base_vectors(source: str) -> dict[str, np.ndarray]:
    """passage_id -> vector for the base passages embedded so far."""
    found: dict[str, np.ndarray] = {}
    for path in sorted((BASE_DIR / source).glob("[0-9]*.npz")):
        data = np.load(path)
        found.update(zip(data["ids"].tolist(), data["vectors"]))
    return found


def question_vectors(source: str) -> np.ndarray:
    return np.load(BASE_DIR / source / "questions.npy")


# -- variants --------------------------------------------------------------------------

SUBSTITUTE = 0.12  # share of words replaced by a word drawn from the corpus's frequencies
SWAP = 0.03        # share of words swapped with the next word
NUMBER = 0.7       # share of numbers changed (to a number of as many digits)
_TOKEN = re.compile(r"([^\W\d_]{3,}|\d{1,9})")  # the words and numbers a variant may change


class Vocabulary:
    """Words drawn with their frequency in the base corpus, so substitutions keep the
    corpus's term distribution (common words stay common, rare ones rare)."""

    def __init__(self, documents: list[Document], seed: int = 0):
        counts = Counter(w.lower() for d in documents for w in re.findall(r"[^\W\d_]{3,}", d.text))
        self.words = list(counts)
        weights = np.array([counts[w] for w in self.words], dtype=np.float64)
        self._pool = np.random.default_rng(seed).choice(len(self.words), 4_000_000, p=weights / weights.sum())

    @property
    def size(self) -> int:
        return len(self.words)

    def draw(self, rng: np.random.Generator, n: int) -> list[str]:
        return [self.words[i] for i in self._pool[rng.integers(0, len(self._pool), n)]]


class PassageTemplate:
    """A base passage cut into text and the words and numbers a variant may change."""

    def __init__(self, text: str):
        self.parts = _TOKEN.split(text)  # tokens at the odd positions
        self.words = np.array([i for i in range(1, len(self.parts), 2) if not self.parts[i].isdigit()], dtype=np.int64)
        self.numbers = np.array([i for i in range(1, len(self.parts), 2) if self.parts[i].isdigit()], dtype=np.int64)

    def vary(self, vocabulary: Vocabulary, rng: np.random.Generator) -> str:
        parts = list(self.parts)
        if len(self.words):
            chosen = self.words[rng.random(len(self.words)) < SUBSTITUTE]
            for i, new in zip(chosen, vocabulary.draw(rng, len(chosen))):
                parts[i] = new.capitalize() if parts[i][0].isupper() else new
            for j in np.flatnonzero(rng.random(len(self.words) - 1) < SWAP):
                a, b = self.words[j], self.words[j + 1]
                parts[a], parts[b] = parts[b], parts[a]
        for i in self.numbers[rng.random(len(self.numbers)) < NUMBER]:
            digits = len(parts[i])
            parts[i] = str(rng.integers(10 ** (digits - 1) if digits > 1 else 0, 10 ** digits))
        return "".join(parts)


@dataclass
class Base:
    document: Document
    origin: str
    passages: list[Passage]
    vectors: np.ndarray  # of its passages, in order
    templates: list[PassageTemplate] | None = None

    def variant(self, number: int, vocabulary: Vocabulary, rng: np.random.Generator
                ) -> tuple[Document, list[Passage]]:
        """The document with each passage varied, under a new id. Passage boundaries
        are the base's (the text between passages is kept), so variant passage j is the
        variation of base passage j, and no re-splitting is needed."""
        if self.templates is None:
            self.templates = [PassageTemplate(p.text) for p in self.passages]
        doc_id = f"{self.document.id}-v{number:04d}"
        text, spans, end = [], [], 0
        for p, template in zip(self.passages, self.templates):
            text.append(self.document.text[end:p.start])
            start = sum(map(len, text))
            varied = template.vary(vocabulary, rng)
            text.append(varied)
            spans.append((start, varied))
            end = p.end
        text.append(self.document.text[end:])
        document = Document(id=doc_id, text="".join(text), title=self.document.title,
                            source=self.document.source, url=self.document.url,
                            published=self.document.published)
        passages = [Passage(passage_id(doc_id, start, t), doc_id, start, start + len(t), t)
                    for start, t in spans]
        return document, passages


def bases(sources=tuple(SOURCES)) -> list[Base]:
    """Base documents whose every passage has a cached vector."""
    found = []
    for source in sources:
        cached = cached_base_vectors(source)
        origin = str(SOURCES[source].resolve())
        for doc in base_documents(source):
            split = split_passages(doc)
            if all(p.passage_id in cached for p in split):
                found.append(Base(doc, origin, split, np.stack([cached[p.passage_id] for p in split])))
    return found


def generate(base_list: list[Base], passages: int, vocabulary: Vocabulary, seed: int = 0
             ) -> Iterator[tuple[Document, str, list[Passage], np.ndarray]]:
    """The base documents, then variants of them in turn until ``passages`` passages.
    Yields (document, origin, its passages, their base passages' vectors)."""
    rng = np.random.default_rng(seed)
    total = 0
    for b in base_list:
        yield b.document, b.origin, b.passages, b.vectors
        total += len(b.passages)
    number = 0
    while total < passages:
        number += 1
        for b in base_list:
            doc, split = b.variant(number, vocabulary, rng)
            yield doc, "generated", split, b.vectors
            total += len(split)
            if total >= passages:
                return


def noise_sigma(mean_cosine: float) -> float:
    """The noise that gives a unit vector ``v`` the expected cosine ``mean_cosine`` to
    ``normalise(v + sigma * g / sqrt(d))``, ``g`` standard normal: the noise term has norm
    ~sigma and is nearly orthogonal to ``v``, so the cosine is 1 / sqrt(1 + sigma^2)."""
    return math.sqrt(max(0.0, 1.0 / mean_cosine ** 2 - 1.0))


def with_noise(vectors: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    noise = rng.standard_normal(vectors.shape, dtype=np.float32) * np.float32(sigma / math.sqrt(vectors.shape[1]))
    noisy = vectors + noise
    return (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)


def calibrate(base_list: list[Base], vocabulary: Vocabulary, sample: int = 192) -> dict:
    """Embed ``sample`` real variant passages with the model; the mean cosine to their
    base passages sets the noise. Cached in var/bench/scale/noise.json."""
    path = WORK / "noise.json"
    if path.exists():
        return json.loads(path.read_text())
    from embeddings import SentenceTransformerEncoder

    pick = random.Random(7)
    rng = np.random.default_rng(7)
    texts, targets = [], []
    while len(texts) < sample:
        b = pick.choice(base_list)
        _, split = b.variant(pick.randrange(1, 1000), vocabulary, rng)
        j = pick.randrange(len(split))
        texts.append(split[j].text)
        targets.append(b.vectors[j])
    embedded = SentenceTransformerEncoder().encode(texts)
    cosines = np.sum(embedded * np.stack(targets), axis=1)
    result = {"sample": sample, "mean_cosine": float(cosines.mean()),
              "p10_cosine": float(np.percentile(cosines, 10)),
              "p90_cosine": float(np.percentile(cosines, 90)),
              "sigma": noise_sigma(float(cosines.mean()))}
    path.write_text(json.dumps(result, indent=2))
    return result


# -- the index --------------------------------------------------------------------------

def build(index_dir: Path, passages: int, log=print) -> dict:
    """Build ``index_dir`` with the project's own generation, store and vector index code,
    so ``qa serve --index-dir`` serves it unchanged. Rows go in one transaction with
    the FTS trigger off; the FTS index is then built in one pass, timed on its own, as
    is the vector index. Returns the timings (also in ``build.json`` beside the index)."""
    from embeddings import SentenceTransformerEncoder, VectorIndex
    from qa.store import SCHEMA, NewGeneration

    base_list = bases()
    vocabulary = Vocabulary([d for source in SOURCES for d in base_documents(source)])
    noise = calibrate(base_list, vocabulary)
    started = time.perf_counter()
    log(f"{len(base_list)} base documents, {sum(len(b.vectors) for b in base_list)} base passages;"
        f" vocabulary {vocabulary.size} words; noise sigma {noise['sigma']:.3f}"
        f" (model cosine variant/base {noise['mean_cosine']:.3f})")
    encoder = SentenceTransformerEncoder()  # for its name only (bench/scale.py serves it on torch)
    gen = NewGeneration(Path(index_dir))
    store = gen.store
    store.conn.execute("PRAGMA cache_size=-1000000")  # 1 GB: the unique-id index is random-access
    store.conn.execute("DROP TRIGGER passages_ai")
    rng = np.random.default_rng(0)
    vectors: list[np.ndarray] = []
    documents = rows = 0
    batch: list[tuple] = []

    def flush():
        # Row ids given explicitly (the store's AUTOINCREMENT accepts them) so that the
        # passages go in by executemany and their vectors' ids are known.
        store.conn.executemany('INSERT INTO passages(row_id, passage_id, document_id, seq, start, "end", text,'
                               " title) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", batch)
        batch.clear()

    for doc, origin, split, base_vectors in generate(base_list, passages, vocabulary):
        store.upsert_document(doc, origin)
        for seq, p in enumerate(split):
            rows += 1
            batch.append((rows, p.passage_id, doc.id, seq, p.start, p.end, p.text, doc.title))
        vectors.append(with_noise(base_vectors, noise["sigma"], rng) if origin == "generated"
                       else base_vectors)
        documents += 1
        if len(batch) >= 10000:
            flush()
        if documents % 50000 == 0:
            log(f"  {documents} documents, {rows} passages, {time.perf_counter() - started:.0f} s")
    flush()
    store.set_meta("encoder", f"{encoder.name}:{encoder.dimension}")
    store.commit()
    rows_done = time.perf_counter()
    store.conn.execute("INSERT INTO passages_fts(passages_fts) VALUES ('rebuild')")
    store.conn.execute("INSERT INTO passages_fts(passages_fts) VALUES ('optimize')")
    store.commit()
    store.conn.executescript(SCHEMA)  # the trigger back, for later ingests
    fts_done = time.perf_counter()
    index = VectorIndex(encoder.dimension)
    index.add(range(1, rows + 1), np.concatenate(vectors))
    del vectors
    index.fit_to_size()
    index.save(gen.vectors_path)
    vectors_done = time.perf_counter()
    gen.publish({"encoder": f"{encoder.name}:{encoder.dimension}", "created": time.time(),
                 "generated_by": "bench/scale_corpus.py"})
    done = time.perf_counter()
    result = {"documents": documents, "passages": rows, "base_documents": len(base_list),
              "noise": noise, "approximate": index.approximate,
              "seconds": {"rows": rows_done - started, "fts": fts_done - rows_done,
                          "vectors": vectors_done - fts_done, "publish": done - vectors_done,
                          "total": done - started}}
    (Path(index_dir) / "build.json").write_text(json.dumps(result, indent=2))
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["embed", "build"])
    parser.add_argument("--passages", type=int, default=1_000_000)
    parser.add_argument("--index-dir", type=Path, default=WORK / "index-1m")
    parser.add_argument("--minutes", type=float, default=None, help="stop embedding after this long")
    args = parser.parse_args(argv)
    if args.command == "embed":
        deadline = time.time() + args.minutes * 60 if args.minutes else None
        embed_base(deadline=deadline)
    else:
        if (args.index_dir / "CURRENT").exists():
            parser.error(f"{args.index_dir} exists; delete it to build again")
        print(json.dumps(build(args.index_dir, args.passages, log=lambda m: print(m, flush=True)), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
