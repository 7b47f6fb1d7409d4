"""Every error the service raises on purpose, with the HTTP status it maps to.

Errors are modelled once here; the HTTP layer turns them into ``{"error": {...}}``
responses and the CLI into one line on stderr.

``message`` is for the operator (the CLI and the log) and may name files; what an HTTP
client is told is ``public_message``, which for errors about the index directory is a
fixed text without paths: a client of the API has no business knowing the server's
filesystem.
"""

from __future__ import annotations


class QAError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    @property
    def public_message(self) -> str:
        return self.message

    def to_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.public_message}}


class BadRequestError(QAError):
    status = 400
    code = "bad_request"


class NotFoundError(QAError):
    status = 404
    code = "not_found"


class PayloadTooLargeError(QAError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaTypeError(QAError):
    status = 415
    code = "unsupported_media_type"


class UnauthorizedError(QAError):
    status = 401
    code = "unauthorized"


class IndexNotReadyError(QAError):
    """No index has been built yet (or it cannot be read)."""

    status = 503
    code = "index_not_ready"

    @property
    def public_message(self) -> str:
        return "No index is loaded yet: build one with `qa ingest` on the server."


class NotReadyError(QAError):
    """The index is there but the service cannot answer yet (the model is loading)."""

    status = 503
    code = "not_ready"


class CorruptIndexError(IndexNotReadyError):
    """An index file is missing, truncated or not what it should be."""

    code = "index_corrupt"

    @classmethod
    def of(cls, file, problem: str, index_dir) -> "CorruptIndexError":
        """Name the file and the one way out that always works: `qa ingest` itself
        cannot read a damaged index, so it must be deleted first."""
        return cls(f"{file}: {problem}. Rebuild the index: delete {index_dir} and run "
                   "`qa ingest` again.")

    @property
    def public_message(self) -> str:
        return ("The index cannot be read: rebuild it with `qa ingest` on the server "
                "(the server's log names the file).")


class CorpusError(QAError):
    """A corpus path that cannot be ingested at all (missing, wrong kind)."""

    status = 400
    code = "bad_corpus"
