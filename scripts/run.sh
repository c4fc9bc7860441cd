#!/usr/bin/env bash
# The main job: install, ingest raw/ into the Whoosh index, serve the search UI on localhost.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Skipped files are reported by name; they do not stop the server from starting.
.venv/bin/archive ingest raw/ --prune || true
exec .venv/bin/archive serve --host 127.0.0.1 --port "${PORT:-8080}"
