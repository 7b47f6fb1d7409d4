"""Concurrency and load: requests per second of POST /api/ask at N concurrent clients
against one client, on the production server (gunicorn), loopback only.

    .venv/bin/python bench/load.py [--encoder onnx-int8] [--clients 8] [--seconds 20]
    .venv/bin/python bench/load.py --rounds 4 --seconds 8         # issue 7, on a busy machine
    .venv/bin/python bench/load.py --clients 16 --seconds 60      # issue 8's load test

Each client is a thread with its own keep-alive connection, asking the questions of
bench/questions/seeds.jsonl in turn (each client starts at a different one) until the
time is up or --max-requests were sent. The one-client phase runs first, in the same run
and on the same server, as the baseline; with --rounds N the two phases alternate N times
(figures over all of them, memory over the last N-client phase). Reported: requests,
failures (any non-200 or a broken connection), requests/s, p50/p99 latency, the server's
CPU time a request (master and workers: what a configuration costs, which a machine
busy with other work disturbs less than requests/s), and the server's resident memory
sampled every second, its first and last 10 s compared.

Target (issue 7): requests/s at 8 clients >= 1.6x one client. Issue 8: zero failures at
16 clients for 60 s, memory flat.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from dataclasses import dataclass, field

from serving import (SEEDS, WORK, Client, cpu_seconds, ensure_index, percentile, questions,
                     rss_mib, running_server, worker_pids)

from embeddings import BACKENDS
from qa.config import Settings


@dataclass
class Phase:
    clients: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    cpu_seconds: float = 0.0  # the server's (master and workers)
    rss: list[tuple[float, float]] = field(default_factory=list)  # (time into phase, MiB)

    @property
    def requests(self) -> int:
        return len(self.latencies) + self.failures

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds

    @property
    def cpu_ms_per_request(self) -> float:
        return self.cpu_seconds * 1000 / max(1, self.requests)


def run_phase(port: int, server_pid: int, clients: int, seconds: float, max_requests: int,
              asked: list[str]) -> Phase:
    phase = Phase(clients)
    lock = threading.Lock()
    sent = [0]
    deadline = time.perf_counter() + seconds
    done = threading.Event()

    def client_loop(offset: int) -> None:
        client = Client(port)
        i = offset
        while time.perf_counter() < deadline:
            with lock:
                if sent[0] >= max_requests:
                    break
                sent[0] += 1
            started = time.perf_counter()
            try:
                status, _ = client.ask(asked[i % len(asked)])
                ok = status == 200
            except OSError:
                ok = False
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if ok:
                    phase.latencies.append(elapsed)
                else:
                    phase.failures += 1
            i += 1
        client.close()

    def sample_memory(started: float) -> None:
        pids = worker_pids(server_pid)
        while not done.wait(1.0):
            phase.rss.append((time.perf_counter() - started, rss_mib(pids)))

    pids = worker_pids(server_pid)
    cpu_before = cpu_seconds(pids)
    started = time.perf_counter()
    sampler = threading.Thread(target=sample_memory, args=(started,), daemon=True)
    sampler.start()
    threads = [threading.Thread(target=client_loop, args=(n * 7,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    phase.seconds = time.perf_counter() - started
    phase.cpu_seconds = cpu_seconds(pids) - cpu_before
    done.set()
    sampler.join()
    return phase


def report(phase: Phase) -> None:
    lat = phase.latencies or [0.0]
    print(f"{phase.clients:>3} clients: {phase.requests:6d} requests, {phase.failures} failed, "
          f"{phase.seconds:5.1f} s, {phase.per_second:7.1f} req/s, p50 {percentile(lat, 50):7.1f} ms, "
          f"p99 {percentile(lat, 99):7.1f} ms, mean {statistics.mean(lat):.1f} ms, "
          f"server CPU {phase.cpu_ms_per_request:.1f} ms a request")


def memory_report(phase: Phase) -> None:
    if len(phase.rss) < 2:
        return
    first = [m for t, m in phase.rss if t <= 10]
    last = [m for t, m in phase.rss if t >= phase.seconds - 10]
    print(f"server RSS (master + workers): first 10 s mean {statistics.mean(first):.1f} MiB, "
          f"last 10 s mean {statistics.mean(last):.1f} MiB, max {max(m for _, m in phase.rss):.1f}"
          f" MiB; change {statistics.mean(last) - statistics.mean(first):+.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", choices=BACKENDS, default=Settings().encoder)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20, help="length of each phase")
    parser.add_argument("--max-requests", type=int, default=100_000, help="per phase")
    parser.add_argument("--baseline-seconds", type=float, default=None,
                        help="length of the one-client phase (default: --seconds)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="alternate the one-client and the N-client phase this many times")
    args = parser.parse_args()

    asked = questions()
    index_dir = WORK / f"seeds-{args.encoder}"
    ensure_index(SEEDS, index_dir, args.encoder)
    singles, manys = [], []
    with running_server(index_dir, args.encoder) as (port, process, _):
        warm = Client(port)
        for q in asked[:5]:
            warm.ask(q)
        warm.close()
        # The phases alternate, so a busy spell of the (shared) machine falls on both kinds.
        for _ in range(args.rounds):
            singles.append(run_phase(port, process.pid, 1, args.baseline_seconds or args.seconds,
                                     args.max_requests, asked))
            manys.append(run_phase(port, process.pid, args.clients, args.seconds,
                                   args.max_requests, asked))
    settings = Settings.from_env()
    print(f"encoder {args.encoder}; server: gunicorn, {settings.workers} worker(s) x "
          f"{settings.threads} threads, {settings.model_threads} model thread(s) a call; loopback; "
          f"{args.rounds} round(s) of a 1-client then a {args.clients}-client phase")
    single, many = merged(singles), merged(manys)
    report(single)
    report(many)
    if args.rounds > 1:
        print("ratio in each round: " + ", ".join(f"{m.per_second / s.per_second:.2f}"
                                                  for s, m in zip(singles, manys)))
    print(f"ratio req/s {args.clients} clients / 1 client: {many.per_second / single.per_second:.2f}"
          f"   (target >= 1.6 at 8 clients)")
    memory_report(manys[-1])


def merged(phases: list[Phase]) -> Phase:
    """The phases of one kind as one: their requests and seconds added up."""
    total = Phase(phases[0].clients)
    for phase in phases:
        total.seconds += phase.seconds
        total.latencies += phase.latencies
        total.failures += phase.failures
        total.cpu_seconds += phase.cpu_seconds
    return total

if __name__ == "__main__":
    main()
