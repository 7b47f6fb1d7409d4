"""The txtai side of bench/peers.py. Runs with the peer venv's python (txtai is never a
dependency of this project), so it imports nothing from `qa` or `embeddings`.

    PEER_PYTHON bench/peer_txtai.py ingest PASSAGES.jsonl INDEX_DIR --model PATH --threads N
    PEER_PYTHON bench/peer_txtai.py queries INDEX_DIR --threads N

`ingest` builds txtai's own kind of index of the passages bench/peers.py wrote
({"id", "text"} per line): Embeddings(path=<model>, content=True, backend="faiss"),
`index`, then `save`. bench/peers.py times the whole process, as it times `qa ingest`.

`queries` loads a saved index, then answers on stdout one JSON line per JSON line read
on stdin (a list of questions): each question's `search(question, 5)` time in ms, timed
here around the call alone (as our in-process search is timed), and its top passage ids.
A long-lived process, so bench/peers.py can interleave its rounds with ours.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time


def set_threads(threads: int) -> None:
    # OMP_NUM_THREADS is also set by bench/peers.py before this process starts; torch's
    # own pool is set here too, as our encoders set theirs.
    import torch

    torch.set_num_threads(threads)


def ingest(passages_path: str, index_dir: str, model: str) -> None:
    from txtai import Embeddings

    with open(passages_path) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    embeddings = Embeddings(path=model, content=True, backend="faiss")
    embeddings.index((row["id"], row["text"], None) for row in rows)
    embeddings.save(index_dir)
    print(json.dumps({"passages": embeddings.count()}))


def answer_queries(index_dir: str) -> None:
    from txtai import Embeddings

    embeddings = Embeddings()
    embeddings.load(index_dir)
    embeddings.search("load the model", 5)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        times, tops = [], []
        for question in json.loads(line):
            started = time.perf_counter()
            results = embeddings.search(question, 5)
            times.append((time.perf_counter() - started) * 1000)
            tops.append([r["id"] for r in results])
        print(json.dumps({"ms": times, "top": tops}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("ingest")
    build.add_argument("passages")
    build.add_argument("index_dir")
    build.add_argument("--model", required=True)
    build.add_argument("--threads", type=int, required=True)
    serve = commands.add_parser("queries")
    serve.add_argument("index_dir")
    serve.add_argument("--threads", type=int, required=True)
    args = parser.parse_args()

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    set_threads(args.threads)
    if args.command == "ingest":
        ingest(args.passages, args.index_dir, args.model)
    else:
        answer_queries(args.index_dir)


if __name__ == "__main__":
    main()
