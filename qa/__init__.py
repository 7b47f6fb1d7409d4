"""A citation-first question-answering service."""

__version__ = "0.1.0"
