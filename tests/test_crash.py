"""Crash safety: ``kill -9`` of an ingest at any step leaves a complete index served, and
a damaged index file stops ``qa ask`` / ``qa serve`` with a message naming the file.

Each kill runs a child Python process that ingests a changed corpus with the fake
encoder, with one call patched to SIGKILL the process at a chosen step. Nothing in the
production code knows about it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from embeddings import FakeEncoder
from qa import cli, responses
from qa.config import Settings
from qa.service import QAService
from qa.store import CURRENT_NAME, DB_NAME, KEEP_GENERATIONS, VECTORS_NAME, require_generation

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
ROOT = Path(__file__).resolve().parents[1]
QUESTION = "Who is the Russian ambassador to Mali?"
NEW_FACT = "The Zorblat accord on Sahel river water was signed in Kayes."

CHILD = textwrap.dedent('''
    import os, re, shutil, signal, sqlite3, sys
    from pathlib import Path

    point, index_dir, corpus = sys.argv[1], Path(sys.argv[2]), sys.argv[3]

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    import embeddings.index
    import qa.ingest
    import qa.store
    from embeddings import FakeEncoder
    from qa.config import Settings
    from qa.service import QAService

    calls = {}

    def nth(name, n):
        calls[name] = calls.get(name, 0) + 1
        return calls[name] == n

    encoder = FakeEncoder()
    real_replace, real_connect = os.replace, sqlite3.connect

    def replace(src, dst, *a, **k):
        name = Path(dst).name
        if point == "pointer-written" and name == "CURRENT":
            die()
        real_replace(src, dst, *a, **k)
        if (point == "vectors-renamed" and name == "vectors.faiss"
                or point == "generation-renamed" and re.fullmatch(r"gen-\\d{6}", name)
                or point == "current-switched" and name == "CURRENT"):
            die()

    class DyingBackup(sqlite3.Connection):
        def backup(self, target, **kwargs):
            # Copy one page, then die: the new generation's database is half there.
            super().backup(target, pages=1, progress=lambda *a: die())

    def connect(database, *args, **kwargs):
        if point == "copying-database" and "mode=ro" in str(database) and ".tmp-" not in str(database):
            kwargs["factory"] = DyingBackup
        return real_connect(database, *args, **kwargs)

    real_encode, real_write = encoder.encode, embeddings.index.faiss.write_index

    def encode(texts):
        if point == "embedding" and nth("encode", 2):
            die()
        return real_encode(texts)

    def write_index(index, path):
        real_write(index, path)
        if point == "writing-vectors":
            with open(path, "r+b") as f:  # a torn write: half the file reached the disk
                f.truncate(os.path.getsize(path) // 2)
            die()

    real_replace_passages = qa.store.Store.replace_passages

    def replace_passages(self, *a, **k):
        if point == "writing-passages" and nth("replace_passages", 2):
            die()
        return real_replace_passages(self, *a, **k)

    real_fsync_files = qa.store._fsync_dir_files

    def fsync_files(path):
        if point == "syncing-generation":
            die()
        return real_fsync_files(path)

    real_rmtree = shutil.rmtree

    def rmtree(path, *a, **k):
        if point == "pruning":
            die()
        return real_rmtree(path, *a, **k)

    os.replace = replace
    sqlite3.connect = connect
    encoder.encode = encode
    embeddings.index.faiss.write_index = write_index
    qa.store.Store.replace_passages = replace_passages
    qa.store._fsync_dir_files = fsync_files
    qa.store.shutil.rmtree = rmtree
    qa.ingest.EMBED_CHUNK = 1  # one passage per encode call, so there is a "middle"
    qa.store.PRUNE_GRACE_SECONDS = 0  # generations replaced seconds ago are pruned too

    QAService(Settings.from_env({}, index_dir=index_dir), encoder=encoder).ingest([corpus])
    print("ingest finished without being killed")
''')

# Where the child dies, in the order an ingest goes through them, and whether CURRENT
# had already been switched to the new generation at that moment.
KILL_POINTS = [
    ("copying-database", False),     # SQLite backup of the served generation, mid-copy
    ("writing-passages", False),     # rows half written into the new database
    ("embedding", False),            # between two encode calls
    ("writing-vectors", False),      # vectors.faiss.tmp torn in half
    ("vectors-renamed", False),      # vectors.faiss in place, database not committed yet
    ("syncing-generation", False),   # manifest written, files being fsynced
    ("generation-renamed", False),   # gen-N complete in place, CURRENT still the old one
    ("pointer-written", False),      # CURRENT.tmp-PID written, not renamed yet
    ("current-switched", True),      # CURRENT names gen-N, old generations not pruned
    ("pruning", True),               # removing an old generation
]


def answer_of(index_dir: Path) -> dict:
    svc = QAService(Settings.from_env({}, index_dir=index_dir), encoder=FakeEncoder())
    data = responses.ask_json(svc.ask(QUESTION, 5))
    data.pop("timings_ms")
    return data


def served_state(index_dir: Path) -> tuple[str, int, int]:
    svc = QAService(Settings.from_env({}, index_dir=index_dir), encoder=FakeEncoder())
    snap = svc.snapshot()  # loads and checks the generation: nothing half-written
    assert len(snap.vectors) == snap.store.count_passages()
    return snap.generation, snap.store.count_documents(), snap.store.count_passages()


@pytest.fixture(scope="module")
def base_index(tmp_path_factory):
    """Two generations of the seeds (so an ingest has one to prune) and the new corpus."""
    root = tmp_path_factory.mktemp("crash")
    corpus = root / "corpus"
    shutil.copytree(SEEDS, corpus)
    index_dir = root / "index"
    svc = QAService(Settings.from_env({}, index_dir=index_dir), encoder=FakeEncoder())
    svc.ingest([corpus])
    (corpus / "extra.txt").write_text("An extra note about Bamako markets and their traders.")
    svc.ingest([corpus])
    # The changed corpus stands where the indexed one stood: the same origin, so the
    # document it no longer has is removed.
    changed = corpus
    shutil.copytree(corpus, root / "as-indexed")
    (changed / "zorblat.txt").write_text(f"{NEW_FACT}\n\nIt covers fishing rights too.\n\n"
                                         "A third paragraph names the delegates who signed it.")
    first = changed / "000_f934f30f3e1dab9e.txt"
    first.write_text(first.read_text(encoding="utf-8").replace("Mali", "the Republic of Mali"),
                     encoding="utf-8")
    (changed / "extra.txt").unlink()
    return index_dir, changed, served_state(index_dir), answer_of(index_dir)


@pytest.mark.parametrize("point,switched", KILL_POINTS, ids=[p for p, _ in KILL_POINTS])
def test_kill_9_during_ingest_keeps_a_complete_index(base_index, tmp_path, monkeypatch, point,
                                                     switched):
    monkeypatch.setattr("qa.store.PRUNE_GRACE_SECONDS", 0)
    base_dir, changed, before_state, before_answer = base_index
    index_dir = tmp_path / "index"
    shutil.copytree(base_dir, index_dir)

    child = subprocess.run([sys.executable, "-c", CHILD, point, str(index_dir), str(changed)],
                           capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert child.returncode == -signal.SIGKILL, (child.returncode, child.stdout, child.stderr)

    state = served_state(index_dir)
    if switched:
        assert state[0] != before_state[0]  # the new generation, whole
        svc = QAService(Settings.from_env({}, index_dir=index_dir), encoder=FakeEncoder())
        assert svc.search(NEW_FACT, 1)[0].document_id == "zorblat"
    else:
        assert state == before_state
        assert answer_of(index_dir) == before_answer  # answers exactly as before the kill

    # The next ingest succeeds, holds the change, and clears what the dead one left.
    svc = QAService(Settings.from_env({}, index_dir=index_dir), encoder=FakeEncoder())
    summary = svc.ingest([changed])
    assert svc.search(NEW_FACT, 1)[0].document_id == "zorblat"
    assert (summary.documents, summary.removed) == (6, 0 if switched else 1)
    assert svc.health()["documents"] == 6 and svc.document("000_f934f30f3e1dab9e")
    left = sorted(p.name for p in index_dir.iterdir())
    assert not [name for name in left if ".tmp" in name], left
    generations = [name for name in left if name.startswith("gen-")]
    assert len(generations) <= KEEP_GENERATIONS, left
    assert (index_dir / CURRENT_NAME).read_text().strip() == max(generations)
    if not switched:  # servers may still be on the generation served before: it stays
        assert before_state[0] in generations, left
    served_state(index_dir)


# -- a damaged index stops `qa ask` and `qa serve` with the file's name ------------------

def _damage(index_dir: Path, how: str) -> Path:
    """Damage the index; return the path the error must name."""
    gen = require_generation(index_dir)
    if how == "vectors truncated":
        data = (gen / VECTORS_NAME).read_bytes()
        (gen / VECTORS_NAME).write_bytes(data[: len(data) // 2])
        return gen / VECTORS_NAME
    if how == "vectors missing":
        (gen / VECTORS_NAME).unlink()
        return gen / VECTORS_NAME
    if how == "vectors of another index":
        from embeddings import VectorIndex
        import numpy as np

        other = VectorIndex(FakeEncoder().dimension)
        other.add([1], np.ones((1, other.dimension), dtype=np.float32))
        other.save(gen / VECTORS_NAME)
        return gen / VECTORS_NAME
    if how == "database garbage":
        (gen / DB_NAME).write_bytes(os.urandom(64 * 1024))
        return gen / DB_NAME
    if how == "database truncated":
        data = (gen / DB_NAME).read_bytes()
        (gen / DB_NAME).write_bytes(data[: len(data) // 2])
        return gen / DB_NAME
    if how == "database empty":
        (gen / DB_NAME).write_bytes(b"")
        return gen / DB_NAME
    if how == "database missing":
        (gen / DB_NAME).unlink()
        return gen / DB_NAME
    if how == "CURRENT names nothing":
        (index_dir / CURRENT_NAME).write_text("gen-999999\n")
        return index_dir / CURRENT_NAME
    if how == "CURRENT garbage":
        (index_dir / CURRENT_NAME).write_bytes(b"\x00\xff../../etc\n")
        return index_dir / CURRENT_NAME
    raise AssertionError(how)


DAMAGES = ["vectors truncated", "vectors missing", "vectors of another index",
           "database garbage", "database truncated", "database empty", "database missing",
           "CURRENT names nothing", "CURRENT garbage"]


@pytest.fixture(scope="module")
def clean_index(tmp_path_factory):
    index_dir = tmp_path_factory.mktemp("damage") / "index"
    QAService(Settings.from_env({}, index_dir=index_dir), encoder=FakeEncoder()).ingest([SEEDS])
    return index_dir


@pytest.fixture
def fake_model(monkeypatch, services_use_fake_encoder):
    """The CLI's service uses the fake encoder (and `serve` never starts a server)."""
    import gunicorn.app.base

    monkeypatch.setattr(gunicorn.app.base.BaseApplication, "run",
                        lambda self: pytest.fail("serve started on a damaged index"))


@pytest.mark.parametrize("how", DAMAGES)
def test_damaged_index_stops_ask_and_serve_naming_the_file(clean_index, tmp_path, fake_model,
                                                           capsys, how):
    index_dir = tmp_path / "index"
    shutil.copytree(clean_index, index_dir)
    named = _damage(index_dir, how)
    for argv in (["ask", QUESTION], ["serve"], ["search", "Mali"]):
        assert cli.main([*argv, "--index-dir", str(index_dir)]) == 1, argv
        err = capsys.readouterr().err
        assert err.startswith("qa: error: ") and err.count("\n") == 1, err
        assert str(named) in err and f"delete {index_dir} and run `qa ingest`" in err, err
        assert "Traceback" not in err


def test_damaged_index_in_a_real_process_exits_non_zero(clean_index, tmp_path):
    index_dir = tmp_path / "index"
    shutil.copytree(clean_index, index_dir)
    named = _damage(index_dir, "database truncated")
    r = subprocess.run([sys.executable, "-m", "qa.cli", "ask", QUESTION, "--index-dir",
                        str(index_dir)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 1 and str(named) in r.stderr and "qa ingest" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("how", ["database garbage", "CURRENT names nothing"])
def test_a_damaged_index_is_rebuilt_by_deleting_it_and_ingesting(clean_index, tmp_path,
                                                                  fake_model, capsys, how):
    index_dir = tmp_path / "index"
    shutil.copytree(clean_index, index_dir)
    _damage(index_dir, how)
    # `qa ingest` cannot build on a damaged index either, and says what to do instead.
    assert cli.main(["ingest", str(SEEDS), "--index-dir", str(index_dir)]) == 1
    assert f"delete {index_dir} and run `qa ingest` again" in capsys.readouterr().err
    shutil.rmtree(index_dir)
    svc = QAService(Settings.from_env({}, index_dir=index_dir), encoder=FakeEncoder())
    svc.ingest([SEEDS])
    assert svc.health()["documents"] == 5
    assert json.dumps(answer_of(index_dir))
