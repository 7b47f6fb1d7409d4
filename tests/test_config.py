import argparse
import re
from dataclasses import fields
from pathlib import Path

import pytest

from qa import cli
from qa.config import Settings


def test_defaults_and_env_overrides():
    s = Settings.from_env({})
    assert s.index_dir == Path("var/index") and s.port == 8000 and s.admin_token is None
    s = Settings.from_env({"QA_PORT": "9000", "QA_INDEX_DIR": "/x", "QA_CORS_ORIGINS": "a, b",
                           "QA_LOG_QUESTIONS": "1"}, port=9100)
    assert s.port == 9100 and s.index_dir == Path("/x") and s.cors_origins == ("a", "b")
    assert s.log_questions is True


def test_bad_integer_is_a_clear_error():
    with pytest.raises(ValueError, match="QA_PORT"):
        Settings.from_env({"QA_PORT": "eighty"})


# -- the README's table and the command-line flags ----------------------------------

README = Path(__file__).resolve().parents[1] / "README.md"
ROW = re.compile(r"^\| `QA_(\w+)` \|\s*(`--[\w-]+`)?\s*\| (.+?) \| .+ \|$", re.MULTILINE)


def readme_rows() -> dict[str, tuple[str, str]]:
    """{field name: (flag or '', default as written)} from the configuration table."""
    return {name.lower(): (flag or "", default)
            for name, flag, default in ROW.findall(README.read_text(encoding="utf-8"))}


def written_default(value) -> str:
    if value is None:
        return "*(unset)*"
    if value == ():
        return "*(empty)*"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def cli_options() -> dict[str, set[str]]:
    """{dest: {option strings}} over every ``qa`` subcommand."""
    parser = cli.build_parser()
    [subparsers] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    options: dict[str, set[str]] = {}
    for sub in subparsers.choices.values():
        for action in sub._actions:
            options.setdefault(action.dest, set()).update(action.option_strings)
    return options


def test_every_setting_has_a_readme_row_with_its_default_and_flag():
    rows = readme_rows()
    assert set(rows) == {f.name for f in fields(Settings)}
    options = cli_options()
    for f in fields(Settings):
        flag, default = rows[f.name]
        assert default == written_default(f.default), (f.name, default)
        if flag:
            assert flag.strip("`") in options.get(f.name, set()), (f.name, flag)
        else:
            assert not options.get(f.name), f"{f.name} has a flag the README does not list"
    assert not options.get("admin_token"), "a token on the command line shows in `ps`"


def test_flags_override_the_environment(monkeypatch):
    monkeypatch.setenv("QA_LOG_LEVEL", "ERROR")
    monkeypatch.setenv("QA_PORT", "8080")
    monkeypatch.setenv("QA_THREADS", "3")
    monkeypatch.setenv("QA_CORS_ORIGINS", "https://a.example")
    args = cli.build_parser().parse_args(["serve", "--log-level", "debug", "--port", "9001",
                                          "--log-questions", "--cors-origins", "https://b, https://c"])
    s = cli.settings_from(args)
    assert (s.log_level, s.port, s.log_questions) == ("DEBUG", 9001, True)
    assert s.cors_origins == ("https://b", "https://c")
    assert s.threads == 3  # no flag given: the environment still applies
    s = cli.settings_from(cli.build_parser().parse_args(["serve"]))
    assert (s.log_level, s.port, s.log_questions) == ("ERROR", 8080, False)


def test_log_level_is_checked_and_normalised(capsys, monkeypatch):
    assert Settings.from_env({"QA_LOG_LEVEL": "debug"}).log_level == "DEBUG"
    with pytest.raises(ValueError, match="QA_LOG_LEVEL"):
        Settings.from_env({"QA_LOG_LEVEL": "loud"})
    monkeypatch.setenv("QA_LOG_LEVEL", "loud")
    assert cli.main(["serve"]) == 2  # refused before anything is loaded
    err = capsys.readouterr().err
    assert err.startswith("qa: error: QA_LOG_LEVEL") and "Traceback" not in err


# -- threads inside one model call ------------------------------------------------------

@pytest.mark.parametrize("cores, workers, expected", [(1, 1, 1), (1, 2, 1), (2, 1, 2), (2, 2, 2),
                                                      (8, 2, 4), (8, 8, 2)])
def test_model_threads_divide_the_cores_but_keep_two(monkeypatch, cores, workers, expected):
    monkeypatch.setattr("os.cpu_count", lambda: cores)
    assert Settings(workers=workers).model_threads == expected


def test_model_threads_set_by_qa_encoder_threads(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert Settings.from_env({"QA_ENCODER_THREADS": "3", "QA_WORKERS": "1"}).model_threads == 3
