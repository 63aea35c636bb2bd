#!/usr/bin/env bash
# System packages the test suite needs (Debian/Ubuntu); installs only what is missing.
#
#   espeak-ng          makes the spoken answers that the speech tests transcribe
#   chromium           headless page screenshot of the Gradio UI
#   fonts-dejavu-core  so that screenshot renders text (and the PDF report's font)
#   fonts-noto-color-emoji  the verdict marks in screenshots of the UI
#   postgresql         initdb and pg_ctl: the tests start their own PostgreSQL server in a temp dir
#   nginx              the load balancer in front of several app processes (started by the tests, loopback only)
#
# Idempotent and quiet: nothing happens (no apt-get update either) when all are present.
# Needs root (or sudo) only when something is missing.
set -euo pipefail

PACKAGES=(espeak-ng chromium fonts-dejavu-core fonts-noto-color-emoji postgresql nginx)

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  installed "$pkg" || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: apt-get not found; install these yourself: ${missing[*]}" >&2
  exit 1
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo -n)
  else
    echo "system-deps: need root to install: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq >/dev/null
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
