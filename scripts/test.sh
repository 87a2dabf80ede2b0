#!/usr/bin/env bash
# Sets up Pantau with its test tools, checks the style, and runs the whole test suite
# (real Chromium, real SMTP and HTTP servers on 127.0.0.1, real SQLite files).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m pytest "$@"
