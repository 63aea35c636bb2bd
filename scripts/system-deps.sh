#!/usr/bin/env bash
# System packages the test suite needs; installs only what is missing. (Filled in by the voice/UI work.)
set -euo pipefail
exit 0
