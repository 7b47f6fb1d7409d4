"""Every error the service raises on purpose, with the HTTP status it maps to.

Errors are modelled once here; the HTTP layer turns them into ``{"error": {...}}``
responses and the CLI into one line on stderr.
"""

from __future__ import annotations


class QAError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message}}


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


class NotReadyError(QAError):
    """The index is there but the service cannot answer yet (the model is loading)."""

    status = 503
    code = "not_ready"


class CorruptIndexError(IndexNotReadyError):
    code = "index_corrupt"


class CorpusError(QAError):
    """A corpus path that cannot be ingested at all (missing, wrong kind)."""

    status = 400
    code = "bad_corpus"
