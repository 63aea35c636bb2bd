#!/usr/bin/env bash
# Builds llama.cpp's llama-server into $1 (placeholder until the LLM backend lands).
set -euo pipefail
exit 0
