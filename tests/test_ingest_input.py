"""Bad input at ingest: every bad file or record is skipped with a reason, the rest is
indexed, and the summary counts what was skipped and why."""

from __future__ import annotations

import json

from qa import cli
from qa.config import Settings
from qa.service import QAService


def test_one_bad_file_never_stops_the_rest(tmp_path, services_use_fake_encoder, capsys, monkeypatch):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text("Bamako is the capital of Mali.")
    (docs / "empty.txt").write_bytes(b"")
    (docs / "nul-early.txt").write_bytes(b"GIF89a\x00\x01 binary")
    (docs / "nul-late.md").write_bytes(b"Looks like text. " * 1000 + b"\x00tail")  # past 8 KiB
    (docs / "latin1.txt").write_bytes(b"Caf\xe9 culture in S\xe9gou is lively.")
    (docs / "big.txt").write_text("A sentence about Timbuktu. " * 800)  # 21,600 bytes
    (docs / "debris.html").write_text("<html><body><p>africa</p></body></html>")
    (docs / "dup.md").write_text("# Dup\n\nThe id 'dup' comes first from the directory.")
    jsonl = tmp_path / "more.jsonl"
    jsonl.write_bytes(b"\n".join([
        json.dumps({"id": "rec-1", "text": "Kayes lies on the Senegal river."}).encode(),
        b"{broken json",
        json.dumps({"id": "dup", "text": "A later record with the same id."}).encode(),
        json.dumps({"id": "rec-2"}).encode(),
        b'{"id": "rec-3", "text": "Mopti \xff market."}',
        json.dumps({"id": "rec-4", "text": "x " * 10_000}).encode(),  # a record over the limit
        b"\x00\x01\x02",
    ]) + b"\n")

    monkeypatch.setenv("QA_MAX_FILE_BYTES", "20000")
    settings = Settings.from_env(index_dir=tmp_path / "index")
    assert settings.max_file_bytes == 20_000
    summary = QAService(settings, encoder=services_use_fake_encoder).ingest([docs, jsonl])

    svc = QAService(settings, encoder=services_use_fake_encoder)
    indexed = {d.id for d, _ in svc.documents(0, 100)[0]}
    assert indexed == {"good", "latin1", "dup", "rec-1", "rec-3"}
    assert svc.document("latin1")[0].text == "Caf\ufffd culture in S\ufffdgou is lively."
    assert svc.document("dup")[0].title == "Dup"  # the first one seen wins

    assert summary.skipped_by_kind() == {"binary": 2, "too large": 2, "invalid": 2,
                                         "empty": 1, "duplicate id": 1, "not JSON": 2}
    why = {s.source: s.reason for s in summary.skipped}
    assert why[f"{jsonl}:2"] == "line 2: not valid JSON"
    assert why[f"{jsonl}:7"] == "line 7: not valid JSON"
    assert why[f"{jsonl}:4"].startswith("line 4: record has no text")
    record = len(jsonl.read_bytes().split(b"\n")[5]) + 1  # with its newline
    assert why[f"{jsonl}:6"] == (f"line 6: record of {record} bytes, larger than the limit of"
                                 " 20000 bytes (QA_MAX_FILE_BYTES)")
    assert why[str(docs / "big.txt")] == ("file is 21600 bytes, larger than the limit of 20000"
                                          " bytes (QA_MAX_FILE_BYTES)")
    assert why[str(docs / "nul-late.md")] == "binary file (contains NUL bytes), not text"
    assert why[f"{jsonl}: dup"] == f"duplicate id, first seen in {docs}"
    assert sorted(summary.notes) == [f"{docs / 'latin1.txt'}: invalid UTF-8 decoded with replacement",
                                     f"{jsonl}:5: invalid UTF-8 decoded with replacement"]

    # The command line says the same, counted by kind, then one line per source.
    (docs / "good.txt").write_text("Bamako is the capital of Mali, on the Niger.")
    assert cli.main(["ingest", str(docs), str(jsonl), "--index-dir", str(tmp_path / "index")]) == 0
    err = capsys.readouterr().err
    assert ("10 skipped (2 binary, 2 invalid, 2 not JSON, 2 too large, 1 duplicate id, 1 empty)"
            in err), err
    assert f"skipped {jsonl}:2: line 2: not valid JSON" in err
    assert "note: " in err and "invalid UTF-8 decoded with replacement" in err


def test_duplicate_ids_first_wins_across_paths_and_within_one(tmp_path, fake_encoder):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "same.txt").write_text("From directory a, first.")
    (b / "same.txt").write_text("From directory b, later.")
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_text(json.dumps({"id": "r", "text": "First record r."}) + "\n"
                     + json.dumps({"id": "r", "text": "Second record r."}) + "\n")
    svc = QAService(Settings.from_env({}, index_dir=tmp_path / "index"), encoder=fake_encoder)
    summary = svc.ingest([a, b, jsonl])
    assert svc.document("same")[0].text == "From directory a, first."
    assert svc.document("r")[0].text == "First record r."
    assert sorted(s.reason for s in summary.skipped) == [
        f"duplicate id, first seen in {a}", f"duplicate id, first seen in {jsonl}:1"]
