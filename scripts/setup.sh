#!/usr/bin/env bash
# Sets up Pantau on Debian 12+ / Ubuntu 24.04+: system packages (Chromium, Tesseract with
# Indonesian data, Python venv support), a virtual environment in .venv, and Pantau in it.
# Usage: bash scripts/setup.sh [--test]    (--test also installs the test tools)
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

extra=""
[ "${1:-}" = "--test" ] && extra="[test]"

need=()
command -v chromium >/dev/null || need+=(chromium)
command -v tesseract >/dev/null || need+=(tesseract-ocr)
[ -n "$(find /usr/share -path '*tessdata/ind.traineddata' 2>/dev/null | head -n1)" ] || need+=(tesseract-ocr-ind)
python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)
fc-list 2>/dev/null | grep -qi noto || need+=(fonts-noto-core)

if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${need[*]}"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "setup: Pantau needs Python 3.11 or newer (found $(python3 --version))" >&2; exit 1; }

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".${extra}"
echo "setup: done. Chromium: $(command -v chromium); Tesseract: $(tesseract --version 2>&1 | head -n1)"
