"""The sentence-transformers model run by ONNX Runtime, in fp32 or int8.

The same model, the same vectors (mean of the token embeddings under the attention mask,
L2-normalised, as sentence-transformers' Pooling and Normalize modules do), at a fraction
of torch's per-call overhead. The ONNX file is exported once from the packaged model with
``torch.onnx.export`` (local work, never a download) and cached under a key made of the
model's own bytes, so a different model never reuses another's export. Serving from the
cache needs neither torch nor sentence-transformers; numpy, onnxruntime and the tokenizer
are imported on first use, so creating an encoder costs no more than reading its config.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    import numpy as np

    from embeddings.word_vectors import WordVectors

# Bump when the exported graph changes shape or meaning, so old cached files are not reused.
EXPORT_FORMAT = 2
MODEL_FILES = ("config.json", "model.safetensors", "pytorch_model.bin")


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "qa" / "onnx"


def model_key(model_path: str | Path) -> str:
    """A short digest of the model's weights and configuration: its identity."""
    digest = hashlib.sha256(f"format {EXPORT_FORMAT}".encode())
    for name in MODEL_FILES:
        path = Path(model_path) / name
        if path.is_file():
            digest.update(name.encode())
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()[:16]


def _write_atomically(target: Path, write) -> None:
    """Call ``write(path)`` on a file beside ``target``, then rename it into place: a
    reader (or a concurrent export) never sees half a model."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a shared cache must be readable
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export_onnx(model_path: str, target: Path) -> None:
    """Export the transformer of a sentence-transformers model (token embeddings out),
    with dynamic batch and sequence axes."""
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(model_path, local_files_only=True).eval()

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    example = torch.ones((2, 8), dtype=torch.int64)
    axes = {0: "batch", 1: "sequence"}

    def write(path: str) -> None:
        with torch.inference_mode():
            torch.onnx.export(TokenEmbeddings(model), (example, example, torch.zeros_like(example)),
                              path, input_names=["input_ids", "attention_mask", "token_type_ids"],
                              output_names=["token_embeddings"], opset_version=17, dynamo=False,
                              dynamic_axes={"input_ids": axes, "attention_mask": axes,
                                            "token_type_ids": axes, "token_embeddings": axes})

    _write_atomically(target, write)


def quantize_int8(source: Path, target: Path) -> None:
    """Dynamic int8 quantisation: weights stored as int8, activations quantised per call."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Only the matrix products, one scale per output channel, unsigned weights: with one
    # signed scale per tensor the vectors drift to a mean cosine of ~0.96 against fp32 (int8
    # products saturate on CPUs without VNNI); this way they keep ~0.995.
    _write_atomically(target, lambda path: quantize_dynamic(
        str(source), path, weight_type=QuantType.QUInt8, per_channel=True,
        op_types_to_quantize=["MatMul"]))


def remembered_model_key(model_path: str | Path, cache_dir: Path) -> str:
    """``model_key``, remembered in the cache under the model files' path, size, inode and
    modification time: hashing ~90 MB of weights costs every command that loads the model
    a few tenths of a second, reading a remembered key nothing. Rewriting a file changes
    its modification time, so a changed model is hashed again."""
    stats = []
    for name in MODEL_FILES:
        path = Path(model_path).resolve() / name
        if path.is_file():
            st = path.stat()
            stats.append(f"{path} {st.st_size} {st.st_ino} {st.st_mtime_ns}")
    signature = "\n".join([f"format {EXPORT_FORMAT}", *stats])
    memo = Path(cache_dir) / "keys" / hashlib.sha256(signature.encode()).hexdigest()[:32]
    try:
        key = memo.read_text().strip()
        if len(key) == 16:
            return key
    except OSError:
        pass
    key = model_key(model_path)
    try:
        _write_atomically(memo, lambda path: Path(path).write_text(key))
    except OSError:
        pass  # a read-only cache: the key is hashed again next time, nothing worse
    return key


def exported_model(model_path: str, quantized: bool, cache_dir: Path) -> Path:
    """The cached ONNX file for this model, exported (and quantised) on first use."""
    directory = Path(cache_dir) / remembered_model_key(model_path, cache_dir)
    fp32 = directory / "model.onnx"
    int8 = directory / "model.int8.onnx"
    if not fp32.exists() and not (quantized and int8.exists()):
        export_onnx(model_path, fp32)
    if quantized and not int8.exists():
        quantize_int8(fp32, int8)
    return int8 if quantized else fp32


class OnnxEncoder:
    """A sentence-transformers model (mean pooling, normalised) run by ONNX Runtime."""

    def __init__(self, model_path: str | None = None, *, quantized: bool = False,
                 cache_dir: str | Path | None = None, threads: int | None = None,
                 batch_size: int = 1, busy_wait: bool = False):
        from embeddings.encoder import default_model_path, model_name

        self.model_path = model_path or default_model_path()
        self.quantized = quantized
        # int8 vectors are close to, not the same as, the fp32 ones: an index built with one
        # must be re-embedded for the other. fp32 ONNX computes what torch computes, so it
        # carries torch's name and shares its indexes.
        self.name = model_name(self.model_path) + ("-int8" if quantized else "")
        self.dimension = self._read_dimension()
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self.threads = threads
        # One text a model call. With int8, a batch changes its texts' vectors: the
        # activations are quantised with one scale per batch, so a passage's vector would
        # depend on its neighbours (up to 0.03 in a coordinate against encode_one of the
        # same text); alone, ingest and encode_one give the same bits. It is no slower on
        # a CPU, where padding costs and large batches outgrow the caches: on 2 cores,
        # int8, XQuAD passages 72 a second in ones, 69 in fours, 52 in batches of 32.
        self.batch_size = batch_size
        self.busy_wait = busy_wait
        self.max_length = self._read_max_length()
        self._session = None
        self._tokenizer = None
        self._load_lock = threading.Lock()

    def _read_dimension(self) -> int:
        with open(Path(self.model_path) / "config.json") as f:
            return int(json.load(f)["hidden_size"])

    def _read_max_length(self) -> int:
        # sentence-transformers truncates at max_seq_length, not at the tokenizer's own limit.
        config = Path(self.model_path) / "sentence_bert_config.json"
        if config.is_file():
            with open(config) as f:
                return int(json.load(f).get("max_seq_length", 256))
        return 256

    def _load(self):
        with self._load_lock:
            if self._session is None:
                import onnxruntime as ort
                from tokenizers import Tokenizer

                path = exported_model(self.model_path, self.quantized, self.cache_dir)
                tokenizer = Tokenizer.from_file(str(Path(self.model_path) / "tokenizer.json"))
                tokenizer.enable_truncation(max_length=self.max_length)
                tokenizer.enable_padding(pad_id=tokenizer.token_to_id("[PAD]") or 0,
                                         pad_token="[PAD]")  # to the longest in the batch
                options = ort.SessionOptions()
                if self.threads:
                    options.intra_op_num_threads = self.threads
                options.inter_op_num_threads = 1
                # Idle intra-op threads sleep instead of spinning: the server runs several
                # requests at once on few cores, and spinning threads steal their time. A
                # process that only embeds batches (`qa ingest`) has the cores to itself:
                # there, waiting busily between the model's steps is faster (75 passages/s
                # against 59 in batches of 4 on 2 cores).
                options.add_session_config_entry("session.intra_op.allow_spinning",
                                                 "1" if self.busy_wait else "0")
                # The tokenizer first: encode() reads _session without the lock, and another
                # thread (ingest loads the model on one while it writes SQLite) may call it.
                self._tokenizer = tokenizer
                self._session = ort.InferenceSession(str(path), options,
                                                     providers=["CPUExecutionProvider"])
        return self._session

    def prepare(self) -> None:
        exported_model(self.model_path, self.quantized, self.cache_dir)

    @property
    def loaded(self) -> bool:
        return self._session is not None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        session = self._session or self._load()
        texts = [t.strip() for t in texts]
        # Batches of similar length waste little work on padding; results go back in order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            out[batch] = self._encode_batch(session, [texts[i] for i in batch])
        return out

    def _encode_batch(self, session, texts: list[str]) -> np.ndarray:
        import numpy as np

        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        types = np.array([e.type_ids for e in encodings], dtype=np.int64)
        tokens = session.run(None, {"input_ids": ids, "attention_mask": mask,
                                    "token_type_ids": types})[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (tokens * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.clip(norms, 1e-12, None)

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    def word_vectors(self) -> WordVectors | None:
        from embeddings.word_vectors import word_vectors_of

        return word_vectors_of(self.model_path)
