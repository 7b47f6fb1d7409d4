"""Text to vectors, and vectors to nearest ids. Knows nothing of the QA service.

Each name is imported from its module on first use: numpy and FAISS take a few tenths
of a second to import, which a command that embeds and searches nothing (a re-ingest of
an unchanged corpus) need not pay.
"""

from importlib import import_module

BACKENDS = ("torch", "onnx", "onnx-int8")  # embeddings.encoder.create_encoder's names

_MODULE_OF = {
    "create_encoder": "embeddings.encoder",
    "default_model_path": "embeddings.encoder",
    "Encoder": "embeddings.encoder",
    "FakeEncoder": "embeddings.encoder",
    "SentenceTransformerEncoder": "embeddings.encoder",
    "VectorIndex": "embeddings.index",
    "IndexFileError": "embeddings.index",
}

__all__ = ["BACKENDS", *_MODULE_OF]


def __getattr__(name: str):
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'embeddings' has no attribute {name!r}")
    return getattr(import_module(_MODULE_OF[name]), name)
