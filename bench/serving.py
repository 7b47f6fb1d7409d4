"""What the speed benchmarks share: building a cached index with `qa ingest`, running
the production server (`qa serve`, gunicorn) on a free loopback port, a keep-alive HTTP
client, and percentiles. Not a benchmark itself."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "eval"
QA = str(Path(sys.executable).with_name("qa"))
SEEDS = ROOT / "seeds"
SEED_QUESTIONS = ROOT / "bench" / "questions" / "seeds.jsonl"
WORK = ROOT / "var" / "bench"


def qa_env(encoder: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", QA_ENCODER=encoder)
    env.update(extra)
    return env


def ensure_index(corpus: Path, index_dir: Path, encoder: str) -> None:
    """Ingest ``corpus`` into ``index_dir`` unless an index is there (then nothing is done)."""
    if not (index_dir / "CURRENT").exists():
        subprocess.run([QA, "ingest", str(corpus), "--index-dir", str(index_dir)],
                       env=qa_env(encoder), check=True, stdout=subprocess.DEVNULL)


def questions(path: Path = SEED_QUESTIONS) -> list[str]:
    with open(path) as f:
        return [json.loads(line)["question"] for line in f if line.strip()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


class Client:
    """One keep-alive connection, as a browser or a client library would hold."""

    def __init__(self, port: int, timeout: float = 30):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else {}
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()  # reconnect on the next request
            raise

    def ask(self, question: str) -> tuple[int, bytes]:
        return self.request("POST", "/api/ask", {"question": question})

    def close(self) -> None:
        self.conn.close()


def start_server(index_dir: Path, encoder: str, port: int, **env: str) -> subprocess.Popen:
    """`qa serve` as a subprocess (``start_process``)."""
    return start_process([QA, "serve", "--index-dir", str(index_dir), "--port", str(port)],
                         qa_env(encoder, **env))


def start_process(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    """A server as a subprocess, its stderr read as it comes: `qa serve` writes a JSON
    line per request, and a pipe nobody reads fills after 64 KiB (a few hundred
    requests), after which the server blocks on its next log line and the benchmark
    times out. The last lines are kept in ``process.stderr_tail`` for error messages."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    process.stderr_tail = deque(maxlen=20)
    threading.Thread(target=lambda: process.stderr_tail.extend(process.stderr),
                     daemon=True).start()
    return process


@contextmanager
def running_server(index_dir: Path, encoder: str, **env: str):
    """`qa serve` on a free port; yields (port, process, seconds until /api/health was 200)."""
    with running(lambda port: [QA, "serve", "--index-dir", str(index_dir), "--port", str(port)],
                 qa_env(encoder, **env)) as served:
        yield served


@contextmanager
def running(command_for_port: Callable[[int], list[str]], env: dict[str, str]):
    """A server started by ``command_for_port(port)`` on a free port, stopped on leaving;
    yields (port, process, seconds until its /api/health was 200)."""
    port = free_port()
    started = time.perf_counter()
    process = start_process(command_for_port(port), env)
    try:
        healthy = wait_healthy(port, process)
        yield port, process, healthy - started
    finally:
        stop_server(process)


def stop_server(process: subprocess.Popen, grace: float = 30) -> None:
    """Ask a server process to stop; kill it if it has not within ``grace`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()


def wait_healthy(port: int, process: subprocess.Popen, timeout: float = 300) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            time.sleep(0.2)  # let the reader thread take the last lines
            raise SystemExit(f"the server exited: {''.join(process.stderr_tail)[-2000:]}")
        try:
            client = Client(port, timeout=5)
            status, _ = client.request("GET", "/api/health")
            client.close()
            if status == 200:
                return time.perf_counter()
        except OSError:
            pass
        time.sleep(0.02)
    raise SystemExit("the server did not become healthy in time")


def worker_pids(master: int) -> list[int]:
    """The gunicorn master and its worker processes."""
    pids = [master]
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    return pids


def rss_mib(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system, all threads) the processes have used so far."""
    ticks = 0
    for pid in pids:
        try:
            # The command name, in parentheses, may hold spaces: split after it.
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        except OSError:
            pass
    return ticks / os.sysconf("SC_CLK_TCK")
