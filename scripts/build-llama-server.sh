#!/usr/bin/env bash
# Builds llama.cpp's C++ llama-server into DEST/bin/llama-server (CPU only, Release).
#
# Usage: scripts/build-llama-server.sh DEST
#
# The source is the llama.cpp tree vendored inside the llama-cpp-python sdist, fetched with pip
# (the ordinary package client), so no other host is contacted. Idempotent: when
# DEST/bin/llama-server exists and answers `--version`, it exits at once. The build folder is kept
# under DEST/build, so a rebuild after an interrupted run takes seconds, not minutes.
# About 7 minutes on a fresh 2-core machine. Needs cmake, a C++ compiler and make.
#
# Environment: PYTHON (default: .venv/bin/python, else python3), JOBS (default 2),
# LLAMA_CPP_PYTHON_VERSION (default 0.3.36).
set -euo pipefail

DEST="${1:?usage: build-llama-server.sh DEST}"
VERSION="${LLAMA_CPP_PYTHON_VERSION:-0.3.36}"
JOBS="${JOBS:-2}"
BIN="$DEST/bin/llama-server"

# The CPU flags the build uses (LLAMA_CPU_FLAGS overrides): plain AVX2, not -march=native. On an Intel host with
# AVX-512 and AMX (a VM's Xeon), the native build segfaulted at the first model load, with AMX switched off too;
# AVX2 runs on that host and on the AMD hosts alike, and the 135M test model needs no more. A binary built with
# other flags (an older build of this script) is rebuilt.
FLAGS="${LLAMA_CPU_FLAGS:--DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON}"
if [[ -x "$BIN" ]] && "$BIN" --version >/dev/null 2>&1 && [[ "$(cat "$DEST/flags" 2>/dev/null)" == "$FLAGS" ]]; then
    echo "llama-server already built: $BIN"
    exit 0
fi

for tool in cmake make c++; do
    command -v "$tool" >/dev/null || { echo "build-llama-server: '$tool' not found" >&2; exit 1; }
done

if [[ -z "${PYTHON:-}" ]]; then
    if [[ -x .venv/bin/python ]]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi

mkdir -p "$DEST/src" "$DEST/bin"
SRC="$DEST/src/llama_cpp_python-$VERSION"
if [[ ! -f "$SRC/vendor/llama.cpp/CMakeLists.txt" ]]; then
    echo "Fetching the llama-cpp-python $VERSION sdist"
    # Only llama-cpp-python itself as source; its build tools (needed to read the sdist's
    # metadata) come as wheels, which saves minutes.
    "$PYTHON" -m pip download -q --no-deps --no-binary llama-cpp-python \
        --dest "$DEST/src" "llama-cpp-python==$VERSION"
    tar -xzf "$DEST/src/llama_cpp_python-$VERSION.tar.gz" -C "$DEST/src"
fi

echo "Building llama-server (CPU, Release, $JOBS jobs); about 7 minutes the first time"
cmake -S "$SRC/vendor/llama.cpp" -B "$DEST/build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DBUILD_SHARED_LIBS=OFF \
    -DLLAMA_BUILD_TESTS=OFF \
    -DLLAMA_BUILD_EXAMPLES=OFF \
    -DLLAMA_BUILD_SERVER=ON \
    -DLLAMA_CURL=OFF \
    $FLAGS \
    -DGGML_CUDA=OFF -DGGML_METAL=OFF -DGGML_VULKAN=OFF -DGGML_OPENMP=OFF \
    >"$DEST/cmake.log"
cmake --build "$DEST/build" --config Release --target llama-server -j "$JOBS"

cp "$DEST/build/bin/llama-server" "$BIN.tmp"
mv "$BIN.tmp" "$BIN"
echo "$FLAGS" > "$DEST/flags"
"$BIN" --version
echo "llama-server built: $BIN"
