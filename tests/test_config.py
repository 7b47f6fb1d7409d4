from pathlib import Path

import pytest

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
