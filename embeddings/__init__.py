"""Text to vectors, and vectors to nearest ids. Knows nothing of the QA service."""

from embeddings.encoder import (BACKENDS, Encoder, FakeEncoder, SentenceTransformerEncoder,
                                create_encoder, default_model_path)
from embeddings.index import VectorIndex, IndexFileError

__all__ = ["BACKENDS", "create_encoder", "Encoder", "FakeEncoder", "SentenceTransformerEncoder", "default_model_path",
           "VectorIndex", "IndexFileError"]
