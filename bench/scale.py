"""A million passages: index build, vector and lexical search, loading, and /api/ask over
HTTP against the seeds, measured in the same run.

    .venv/bin/python bench/scale_corpus.py embed          # once: the base vectors
    .venv/bin/python bench/scale_corpus.py build          # once: var/bench/scale/index-1m
    .venv/bin/python bench/scale.py [--compare] [--questions N] [--encoder E]

The corpus and how its vectors are made: bench/scale_corpus.py. Every figure is printed
beside its baseline from the same run (the machine is shared and noisy): vector search
against exact search over the same vectors, lexical search and /api/ask at 1M against
the seeds index, start-up against SQLite's full quick_check that it replaced. The
servers run the default encoder; the 1M index's vectors are the reference model's (what
a search costs does not depend on their values), so the server warns that they differ.
``--compare`` also tries the other candidates at 1M (IVF at other nprobe, IVF with
8-bit codes, HNSW built from scratch) to show why the index is IVF-Flat; HNSW takes
many minutes to build.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import faiss  # noqa: E402

import scale_corpus  # noqa: E402
from serving import Client, free_port, start_server, stop_server, wait_healthy, worker_pids  # noqa: E402
from embeddings import BACKENDS, VectorIndex  # noqa: E402
from embeddings.index import _one_thread  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.service import Snapshot  # noqa: E402
from qa.store import DB_NAME, VECTORS_NAME, Store, current_generation  # noqa: E402

QA = str(Path(sys.executable).with_name("qa"))
K = 10


def percentile(values, q) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def timed(fn, *args):
    started = time.perf_counter()
    result = fn(*args)
    return result, (time.perf_counter() - started) * 1000


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def line(label: str, value: str, note: str = "") -> None:
    print(f"  {label:44} {value:>16}  {note}")


# -- vector search ---------------------------------------------------------------------

def query_vectors() -> np.ndarray:
    return np.concatenate([scale_corpus.question_vectors(s) for s in scale_corpus.SOURCES
                           if (scale_corpus.BASE_DIR / s / "questions.npy").exists()])


def recall(found: list[list[int]], truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t.tolist())) / K for f, t in zip(found, truth)]))


def search_p50(search, queries) -> tuple[float, list[list[int]]]:
    """One query at a time on one thread, as the service searches."""
    times, found = [], []
    with _one_thread():
        for q in queries:
            hits, ms = timed(search, q)
            times.append(ms)
            found.append(hits)
    return percentile(times, 50), found


def vector_section(gen: Path, compare: bool) -> None:
    print("\nVector search (questions of seeds, XQuAD, SciFact, embedded by the model)")
    before = rss_mb()
    index, load_ms = timed(VectorIndex.load, gen / VECTORS_NAME)
    line("vectors loaded", f"{len(index):,}", f"in {load_ms:.0f} ms, +{rss_mb() - before:.0f} MB RSS;"
         f" {'IVF' if index.approximate else 'exact'}"
         + (f", {index._index.nlist} cells, nprobe {index._index.nprobe}" if index.approximate else ""))
    queries = query_vectors()
    ids, vectors = index.contents()
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    _, truth_rows = flat.search(queries, K)
    truth = ids[truth_rows]
    sample = queries[:: max(1, len(queries) // 100)]
    exact_p50, _ = search_p50(lambda q: flat.search(q.reshape(1, -1), K), sample)
    p50, found = search_p50(lambda q: [i for i, _ in index.search(q, K)], queries)
    line("exact search p50 (baseline, same vectors)", f"{exact_p50:.2f} ms", f"{len(sample)} queries")
    line("index search p50", f"{p50:.2f} ms",
         f"{exact_p50 / p50:.1f}x faster than exact; target <= 5 ms")
    line("recall@10 against exact search", f"{recall(found, truth):.3f}", f"{len(queries)} queries; target >= 0.95")
    mapped, mapped_ms = timed(lambda: VectorIndex.load(gen / VECTORS_NAME, read_only=True))
    search_p50(lambda q: mapped.search(q, K), queries)  # fault the pages in once
    p50, mapped_found = search_p50(lambda q: [i for i, _ in mapped.search(q, K)], queries)
    line("same index mapped read-only (as served)", f"{p50:.2f} ms",
         f"loaded in {mapped_ms:.0f} ms; same results: {mapped_found == found}")
    del mapped

    # Filters: a handful of documents (scored exactly) and half the corpus (id selector).
    rng = np.random.default_rng(0)
    few = ids[rng.choice(len(ids), 40, replace=False)]
    half = ids[rng.random(len(ids)) < 0.5]
    for label, allowed in (("filtered search, 40 passages allowed", few),
                           ("filtered search, half the passages allowed", half)):
        allowed_set = set(allowed.tolist())
        mask = np.isin(ids, allowed)
        sub_ids, sub_vectors = ids[mask], vectors[mask]
        p50, found = search_p50(lambda q: [i for i, _ in index.search(q, K, allowed)], sample)
        truth_sub = [sub_ids[np.argsort(-(sub_vectors @ q), kind="stable")[:K]] for q in sample]
        assert all(set(f) <= allowed_set for f in found), "a filtered search returned a disallowed id"
        line(label, f"{p50:.2f} ms", f"recall@10 {recall(found, truth_sub):.3f}; only allowed ids returned")

    if compare:
        compare_indexes(index, vectors, ids, queries, truth)
    del flat, vectors


def compare_indexes(index: VectorIndex, vectors, ids, queries, truth) -> None:
    """IVF-Flat (the index) at other nprobe, IVF with 8-bit codes on the same cells,
    and HNSW built from scratch, on the same vectors and queries."""
    print("\n  Candidates at this size (same vectors, first 300 queries):")
    print(f"  {'index':34} {'build s':>8} {'memory MB':>10} {'p50 ms':>8} {'recall@10':>10}")
    queries, truth = queries[:300], truth[:300]
    d = vectors.shape[1]

    def report(name, build_s, memory, search):
        p50, found = search_p50(lambda q: search(q.reshape(1, -1))[0].tolist(), queries)
        rows = [[int(ids[r]) if r >= 0 else -1 for r in f] for f in found]
        print(f"  {name:34} {build_s:8.0f} {memory:10.0f} {p50:8.2f} {recall(rows, truth):10.3f}", flush=True)

    ivf = index._index
    for nprobe in (16, 32, 64, 128):
        params = faiss.SearchParametersIVF(nprobe=nprobe)
        p50, found = search_p50(lambda q: [i for i in ivf.search(q.reshape(1, -1), K, params=params)[1][0]], queries)
        print(f"  {'IVF' + str(ivf.nlist) + ',Flat nprobe=' + str(nprobe):34} {'(above)':>8} {len(ids) * (d * 4 + 8) / 2**20:10.0f}"
              f" {p50:8.2f} {recall(found, truth):10.3f}", flush=True)
    before = rss_mb()
    started = time.perf_counter()
    quantizer = faiss.IndexFlatIP(d)
    quantizer.add(ivf.quantizer.reconstruct_n(0, ivf.nlist))
    sq8 = faiss.IndexIVFScalarQuantizer(quantizer, d, ivf.nlist, faiss.ScalarQuantizer.QT_8bit,
                                        faiss.METRIC_INNER_PRODUCT)
    sq8.train(vectors[:: max(1, len(vectors) // 200_000)])  # the cells are given; this fits the codes
    sq8.add(vectors)
    build_s, memory = time.perf_counter() - started, rss_mb() - before
    for nprobe in (32, 64):
        sq8.nprobe = nprobe
        report(f"IVF{ivf.nlist},SQ8 nprobe={nprobe}", build_s, memory, lambda q: sq8.search(q, K)[1])
    del sq8
    before = rss_mb()
    started = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(d, 32, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = 40
    hnsw.add(vectors)
    build_s, memory = time.perf_counter() - started, rss_mb() - before
    for ef in (32, 64, 128):
        hnsw.hnsw.efSearch = ef
        report(f"HNSW32,Flat efSearch={ef}", build_s, memory, lambda q: hnsw.search(q, K)[1])
    del hnsw


# -- lexical search --------------------------------------------------------------------

def question_texts(sources=("seeds", "xquad_en")) -> list[str]:
    return [q for s in sources for q in scale_corpus.questions(s)]


def lexical_section(gen: Path, seeds_gen: Path) -> None:
    print("\nLexical search (FTS5 BM25, top 50, questions of seeds and XQuAD)")
    texts = question_texts()
    for g in (seeds_gen, gen):
        store = Store(g / DB_NAME)
        label = f"{store.count_passages():,} passages"
        for q in texts[:20]:  # warm the page cache
            store.lexical_search(q, 50)
        times = [timed(store.lexical_search, q, 50)[1] for q in texts]
        line(f"lexical search p50 / p99, {label}", f"{percentile(times, 50):.2f} ms",
             f"p99 {percentile(times, 99):.1f} ms, {len(texts)} questions")
        store.close()
    # Quality at 1M against plain BM25 over every word: does the gold XQuAD document (or
    # one of its variants) come first / in the top 10?
    import qa.store

    rows = [json.loads(x) for x in open(scale_corpus.QUESTION_FILES["xquad_en"])][::4]
    print(f"  every 4th XQuAD question ({len(rows)}), lexical only, a variant counting as its base document:")
    for label, cap in (("plain BM25 (every word scores every passage)", 10 ** 12),
                       (f"common words (> {qa.store.COMMON_TERM_PASSAGES:,} passages) only rescore", None)):
        original = qa.store.COMMON_TERM_PASSAGES
        qa.store.COMMON_TERM_PASSAGES = cap or original
        store = Store(gen / DB_NAME)
        times, first, top10 = [], [], []
        for r in rows:
            hits, ms = timed(store.lexical_search, r["question"], 50)
            times.append(ms)
            passages = store.passages_by_row([h for h, _ in hits[:10]])
            bases = [passages[h].document_id.split("-v")[0] for h, _ in hits[:10] if h in passages]
            gold = set(r["gold_documents"])
            first.append(bool(bases) and bases[0] in gold)
            top10.append(bool(gold & set(bases)))
        store.close()
        qa.store.COMMON_TERM_PASSAGES = original
        line(label[:44], f"{percentile(times, 50):.2f} ms",
             f"recall@1 {np.mean(first):.3f}, recall@10 {np.mean(top10):.3f}")


# -- loading ---------------------------------------------------------------------------

def loading_section(gen: Path, index_dir: Path) -> None:
    print("\nLoading")
    size = sum(p.stat().st_size for p in gen.iterdir())
    line("index size on disk", f"{size / 2**30:.2f} GiB",
         f"{DB_NAME} {(gen / DB_NAME).stat().st_size / 2**30:.2f} GiB")
    conn = __import__("sqlite3").connect(f"file:{gen / DB_NAME}?mode=ro&immutable=1", uri=True)
    _, quick_ms = timed(lambda: conn.execute("PRAGMA quick_check").fetchone())
    conn.close()
    store, open_ms = timed(Store, gen / DB_NAME)
    store.close()
    snapshot, snap_ms = timed(Snapshot.load, index_dir)
    snapshot.store.close()
    _, read_ms = timed(VectorIndex.load, gen / VECTORS_NAME)
    line("Store() open, checks included", f"{open_ms:.1f} ms",
         f"PRAGMA quick_check it replaced: {quick_ms:.0f} ms ({quick_ms / open_ms:.0f}x)")
    line("Snapshot.load (store + vectors mapped)", f"{snap_ms:.0f} ms",
         f"reading the vectors into memory instead: {read_ms:.0f} ms")


# -- over HTTP -------------------------------------------------------------------------

class Server:
    """``qa serve`` (gunicorn) on a free port, as a subprocess, with ``encoder``, asked
    on one keep-alive connection, as bench/query.py asks."""

    def __init__(self, index_dir: Path, encoder: str):
        self.port = free_port()
        started = time.perf_counter()
        self.process = start_server(index_dir, encoder, self.port)
        self.startup_s = wait_healthy(self.port, self.process) - started
        self.client: Client | None = None

    def ask(self, question: str) -> float:
        if self.client is None:  # opened once every server is up: an idle one is closed
            self.client = Client(self.port)
        started = time.perf_counter()
        status, body = self.client.ask(question)
        took = (time.perf_counter() - started) * 1000
        if status != 200:
            raise SystemExit(f"/api/ask answered {status}: {body[:200]!r}")
        return took

    def memory_mb(self) -> tuple[float, float]:
        """(RSS, PSS) summed over gunicorn's master and workers: PSS counts each shared
        page once, so it is the honest total; RSS counts the preloaded pages in both."""
        rss = pss = 0.0
        for pid in worker_pids(self.process.pid):
            for row in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if row.startswith("Rss:"):
                    rss += int(row.split()[1]) / 1024
                elif row.startswith("Pss:"):
                    pss += int(row.split()[1]) / 1024
        return rss, pss

    def stop(self) -> None:
        if self.client is not None:
            self.client.close()
        stop_server(self.process)


def http_section(index_dir: Path, seeds_dir: Path, questions: int, encoder: str,
                 rounds: int) -> None:
    """The questions once on freshly started servers (each worker maps and reads what a
    question needs for the first time), then ``rounds`` more, the servers alternating
    question by question so both see the same moments of a noisy machine."""
    print(f"\nPOST /api/ask over HTTP, production server (gunicorn), one client, {encoder}")
    texts = question_texts(("seeds",)) + question_texts(("xquad_en",))[:max(0, questions - 48)]
    servers = {}
    try:
        for label, d in (("seeds", seeds_dir), ("1M", index_dir)):
            servers[label] = Server(d, encoder)
            line(f"start-up to healthy /api/health, {label}", f"{servers[label].startup_s:.2f} s")
        first = {label: [] for label in servers}
        times = {label: [] for label in servers}
        for q in texts:
            for label, server in servers.items():
                first[label].append(server.ask(q))
        for _ in range(rounds):
            for q in texts:
                for label, server in servers.items():
                    times[label].append(server.ask(q))
        for label in servers:
            line(f"/api/ask p50, first pass, {label}", f"{percentile(first[label], 50):.1f} ms",
                 f"{len(texts)} questions on a fresh server")
        for label in servers:
            line(f"/api/ask p50 / p99, {label}", f"{percentile(times[label], 50):.1f} ms",
                 f"p99 {percentile(times[label], 99):.1f} ms, {rounds} more passes")
        cold = percentile(first["1M"], 50) / percentile(first["seeds"], 50)
        ratio = percentile(times["1M"], 50) / percentile(times["seeds"], 50)
        line("/api/ask p50, 1M / seeds", f"{ratio:.2f}x", f"target <= 2x; first pass {cold:.2f}x")
        for label, server in servers.items():
            rss, pss = server.memory_mb()
            line(f"serving process memory, {label}", f"{pss:.0f} MB PSS", f"RSS summed {rss:.0f} MB")
    finally:
        for server in servers.values():
            server.stop()


def seeds_index(work: Path) -> Path:
    index_dir = work / "seeds"
    if not (index_dir / "CURRENT").exists():
        subprocess.run([QA, "ingest", str(ROOT / "seeds"), "--index-dir", str(index_dir)], check=True)
    return index_dir


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, default=scale_corpus.WORK / "index-1m")
    parser.add_argument("--compare", action="store_true", help="also build IVF-SQ8 and HNSW at 1M")
    parser.add_argument("--questions", type=int, default=120, help="questions asked over HTTP")
    parser.add_argument("--rounds", type=int, default=2,
                        help="passes over the questions after the first, timed for the p50")
    parser.add_argument("--encoder", choices=BACKENDS, default=Settings().encoder,
                        help="the servers' encoder (the vectors of the 1M index are the "
                             "reference model's; the costs do not depend on their values)")
    parser.add_argument("--skip", default="", help="comma-separated sections to skip: vectors,lexical,loading,http")
    args = parser.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    gen = current_generation(args.index_dir)
    if gen is None:
        parser.error(f"no index in {args.index_dir}: run bench/scale_corpus.py build first")
    seeds_dir = seeds_index(scale_corpus.WORK)
    build = json.loads((args.index_dir / "build.json").read_text())
    seconds = build["seconds"]
    print(f"Index: {build['passages']:,} passages in {build['documents']:,} documents"
          f" ({build['base_documents']:,} real ones, the rest variants)")
    line("build, rows (documents + passages)", f"{seconds['rows']:.0f} s", "one transaction")
    line("build, FTS5 index", f"{seconds['fts']:.0f} s", "rebuild + optimize")
    line("build, vector index", f"{seconds['vectors']:.0f} s", "IVF training + adding + saving")
    line("build, total", f"{seconds['total']:.0f} s")
    noise = build["noise"]
    line("variant vector noise sigma", f"{noise['sigma']:.3f}",
         f"model cosine variant/base {noise['mean_cosine']:.3f} over {noise['sample']} real variants")
    if "loading" not in skip:
        loading_section(gen, args.index_dir)
    if "vectors" not in skip:
        vector_section(gen, args.compare)
    if "lexical" not in skip:
        lexical_section(gen, current_generation(seeds_dir))
    if "http" not in skip:
        http_section(args.index_dir, seeds_dir, args.questions, args.encoder, args.rounds)
    print(f"\npeak RSS of this script: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
