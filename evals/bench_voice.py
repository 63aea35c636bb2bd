"""Speech benchmark: the voice parts of a spoken turn for a 10-second answer.

    python -m evals.bench_voice

Runs in a fresh subprocess held to two CPU cores (the goal is stated for 2 cores), with a
~10 s answer spoken by espeak-ng. Measures Whisper tiny.en on that answer and piper's first audio
chunk for a typical interviewer question, each warm (models loaded once, median of several runs),
plus the one-off model loads. The offline interviewer turn that sits between them is measured by
the interviewer's own benchmark; the goal row here is ASR + first TTS audio only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile

ANSWER = ("For the ranking model I would start with a simple baseline, then log impressions and clicks, "
          "monitor the feature drift every day, and retrain the model weekly when the offline metrics improve.")
QUESTION = ("How would you find out that the inputs to your ranking model have drifted after launch, "
            "and what would you do about it?")
GOAL_S = 2.0
REPEATS = 5

CODE = r"""
import json, os, statistics, subprocess, sys, time
cores = sorted(os.sched_getaffinity(0))
os.sched_setaffinity(0, cores[:2])
wav, answer, question, repeats = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
subprocess.run(["espeak-ng", "-v", "en-us", "-w", wav, answer], check=True, capture_output=True)
t = time.perf_counter()
from interviewer import voice
assert voice.available(), voice.missing_reason()
voice._asr_model()
asr_load = time.perf_counter() - t
t = time.perf_counter()
voice._voice()
tts_load = time.perf_counter() - t
voice.transcribe(wav)  # warm-up
asr, asr_cpu, texts = [], [], []
for _ in range(repeats):
    c = time.process_time()
    heard = voice.transcribe(wav)
    asr_cpu.append(time.process_time() - c); asr.append(heard.seconds); texts.append(heard.text)
first, first_cpu, whole, spoken = [], [], [], 0.0
for _ in range(repeats):
    t = time.perf_counter(); c = time.process_time(); n = 0
    for rate, chunk in voice.speak_stream(question):
        if n == 0:
            first.append(time.perf_counter() - t); first_cpu.append(time.process_time() - c)
        n += len(chunk)
    whole.append(time.perf_counter() - t); spoken = n / rate
print(json.dumps({"cores": len(os.sched_getaffinity(0)), "duration": heard.duration_s, "text": texts[-1],
                  "asr": statistics.median(asr), "asr_all": asr, "first": statistics.median(first),
                  "asr_cpu": statistics.median(asr_cpu), "first_cpu": statistics.median(first_cpu),
                  "load": os.getloadavg()[0],
                  "whole": statistics.median(whole), "spoken": spoken,
                  "asr_load": asr_load, "tts_load": tts_load}))
"""


def measure() -> dict:
    if shutil.which("espeak-ng") is None:
        raise RuntimeError("espeak-ng is needed to make the spoken answer: run scripts/system-deps.sh")
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "INTERVIEWER_HOME": home}
        out = subprocess.run([sys.executable, "-c", CODE, os.path.join(home, "answer.wav"), ANSWER, QUESTION,
                              str(REPEATS)], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _verdict(ok: bool) -> str:
    return "met" if ok else "missed"


def rows(m: dict | None = None) -> list[tuple[str, str, str, str]]:
    m = m or measure()
    total = m["asr"] + m["first"]
    cores = f"{m['cores']} cores"
    return [
        (f"ASR of a {m['duration']:.1f} s spoken answer (Whisper tiny.en int8, beam 2, warm, median of {REPEATS}, "
         f"{cores}, load average {m['load']:.1f})",
         f"{m['asr']:.2f} s ({m['asr'] / m['duration']:.2f}× real time; CPU {m['asr_cpu']:.2f} s)", "—", ""),
        (f"First TTS audio for a one-sentence interviewer question (piper joe, warm, {cores})",
         f"{m['first']:.2f} s (CPU {m['first_cpu']:.2f} s; whole {m['spoken']:.1f} s of speech in {m['whole']:.2f} s)",
         "—", ""),
        ("Spoken turn, voice part: ASR of a 10 s answer + first TTS audio (offline interviewer turn "
         "measured separately, add it)", f"{total:.2f} s", f"≤ {GOAL_S:.1f} s with the turn", _verdict(total <= GOAL_S)),
        ("Speech model loads, once per process (Whisper / piper)", f"{m['asr_load']:.1f} s / {m['tts_load']:.1f} s",
         "—", ""),
    ]
