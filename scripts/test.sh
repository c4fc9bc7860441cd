#!/usr/bin/env bash
# Set up and run the full test suite: lint, format check, then pytest (browser tests included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m pytest "$@"
