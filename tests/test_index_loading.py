"""Loading a generation checks its files against the sizes its manifest recorded, which
costs nothing at any size, instead of reading the whole database at start-up."""

import json

import pytest

from embeddings import FakeEncoder
from qa.errors import CorruptIndexError
from qa.service import QAService
from qa.store import DB_NAME, MANIFEST_NAME, VECTORS_NAME, Store, read_manifest, require_generation


def fresh_snapshot(service):
    return QAService(service.settings, encoder=FakeEncoder()).snapshot()


def test_manifest_records_counts_and_file_sizes(service):
    gen = require_generation(service.index_dir)
    manifest = read_manifest(gen)
    conn = Store(gen / DB_NAME).conn
    assert manifest["passages"] == conn.execute("SELECT count(*) FROM passages").fetchone()[0] > 0
    assert manifest["documents"] == conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 5
    for name in (DB_NAME, VECTORS_NAME):
        assert manifest["files"][name]["bytes"] == (gen / name).stat().st_size


@pytest.mark.parametrize("name", [DB_NAME, VECTORS_NAME])
def test_truncated_file_is_reported_by_name(service, name):
    path = require_generation(service.index_dir) / name
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CorruptIndexError, match=rf"{name}: .*truncated or changed"):
        fresh_snapshot(service)


def test_same_size_garbage_database_is_still_caught(service):
    path = require_generation(service.index_dir) / DB_NAME
    path.write_bytes(b"\x07" * path.stat().st_size)
    with pytest.raises(CorruptIndexError, match=DB_NAME):
        fresh_snapshot(service)


def test_generation_without_recorded_sizes_gets_the_full_check(service):
    gen = require_generation(service.index_dir)
    manifest = read_manifest(gen)
    del manifest["files"]
    (gen / MANIFEST_NAME).write_text(json.dumps(manifest))
    assert fresh_snapshot(service).store.count_documents() == 5
    path = gen / DB_NAME
    data = bytearray(path.read_bytes())
    data[-4096:] = b"\xff" * 4096  # a damaged last page, same size
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptIndexError, match=DB_NAME):
        fresh_snapshot(service)

