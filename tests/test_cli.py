"""The ``qa`` command line: output people read, JSON for machines, one-line errors."""

import json
import re
import subprocess
import sys

import pytest

from qa import cli
from qa.service import QAService


@pytest.fixture
def fake_cli(services_use_fake_encoder):
    """Run the CLI in-process with the fake encoder instead of the model."""
    return cli.main


def test_ingest_then_ask_and_search(fake_cli, seeds_dir, tmp_path, capsys):
    index = str(tmp_path / "idx")
    assert fake_cli(["ingest", str(seeds_dir), "--index-dir", index]) == 0
    err = capsys.readouterr().err
    assert "5 added" in err and "0 skipped" in err
    assert fake_cli(["ingest", str(seeds_dir), "--index-dir", index]) == 0
    assert "5 unchanged" in capsys.readouterr().err

    assert fake_cli(["ask", "Which mission did the Security Council establish in 2013, MINUSMA?",
                     "--index-dir", index]) == 0
    out = capsys.readouterr().out
    assert ("[1]" in out and "Sources:" in out) or "don't answer" in out

    assert fake_cli(["ask", "Gromyko ambassador", "--index-dir", index, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"question", "abstained", "answer", "passages", "timings_ms"}

    assert fake_cli(["search", "Gromyko", "--index-dir", index, "--json", "--top-k", "2"]) == 0
    hits = json.loads(capsys.readouterr().out)["passages"]
    assert len(hits) == 2 and hits[0]["document_id"] == "003_5e3f855efd9ba80e"


def test_ingest_reports_progress_lines_then_the_summary(fake_cli, seeds_dir, tmp_path, capsys):
    (seeds_dir / "empty.txt").write_text("   \n")
    assert fake_cli(["ingest", str(seeds_dir), "--index-dir", str(tmp_path / "idx")]) == 0
    err = capsys.readouterr().err.splitlines()
    total = re.fullmatch(r"embedding: 0/(\d+) passages \(0 passages/s\)", err[0]).group(1)
    assert re.fullmatch(rf"embedding: {total}/{total} passages \([\d,]+ passages/s\)", err[1])
    assert err[2].startswith("ingest: 5 added, 0 updated, 0 unchanged, 0 removed, 1 skipped (1 empty);"
                             f" {total} passages embedded (")
    assert re.search(rf"; index holds 5 documents, {total} passages \(\d+\.\d s\)$", err[2])
    assert err[3].startswith("  skipped ") and "empty.txt" in err[3]


def test_errors_are_one_line_without_traceback(fake_cli, tmp_path, capsys):
    assert fake_cli(["ask", "anything", "--index-dir", str(tmp_path / "none")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("qa: error:") and "qa ingest" in err and "Traceback" not in err
    assert err.count("\n") == 1
    assert fake_cli(["ingest", str(tmp_path / "missing"), "--index-dir", str(tmp_path / "i")]) == 1
    err = capsys.readouterr().err
    assert "missing" in err and "Traceback" not in err


def test_console_script_reports_usage_errors():
    r = subprocess.run([sys.executable, "-m", "qa.cli", "ask"], capture_output=True, text=True)
    assert r.returncode == 2 and "usage" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.model
def test_real_model_answers_the_seed_questions(real_service):
    r = real_service.ask("Who is the Chief of Staff of the Malian Air Force?")
    assert r.passages[0].document_id == "000_f934f30f3e1dab9e"
    assert not r.abstained and "Alou Boi Diarra" in r.answer.text
    doc = real_service.document(r.answer.citations[0].document_id)[0]
    c = r.answer.citations[0]
    assert doc.text[c.start:c.end] == c.quote

    r = real_service.ask("Who is the Russian ambassador to Mali?")
    assert not r.abstained and "Igor Gromyko" in r.answer.text
    assert r.answer.citations[0].document_id == "003_5e3f855efd9ba80e"


@pytest.mark.model
def test_real_model_abstains_off_corpus(real_service):
    for q in ["What is the capital of France?", "How do I bake sourdough bread?"]:
        r = real_service.ask(q)
        assert r.abstained and r.answer is None, q


@pytest.mark.model
def test_cli_ask_prints_sources(real_service, capsys, monkeypatch):
    monkeypatch.setattr(QAService, "__init__", lambda self, settings, encoder=None: (
        self.__dict__.update(real_service.__dict__)))
    assert cli.main(["ask", "Who is the Russian ambassador to Mali?"]) == 0
    out = capsys.readouterr().out
    assert "Igor Gromyko" in out and "Sources:" in out and "[1]" in out
    assert "003_5e3f855efd9ba80e" in out
