#!/usr/bin/env bash
# Create .venv and install the archive (and, with --test, the test tools and Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
# The interpreter: $PYTHON when set; else the system's CPython when it is 3.11 or newer and
# can make a venv (Debian builds it with profile-guided and link-time optimisation: the same
# ingest took 0.83 of the CPU time it took under this machine's source-built python3 on
# PATH, docs/INGEST-SPEED.md); else python3 on PATH.
pick_python() {
  local py
  for py in ${PYTHON:-/usr/bin/python3 python3}; do
    if "$py" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null
    then
      echo "$py"
      return
    fi
  done
  echo "${PYTHON:-python3}"  # let venv say what is wrong with it
}
if [ ! -x .venv/bin/python ]; then
  PY=$(pick_python)
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [ "${1:-}" = "--test" ]; then
  .venv/bin/python -m pip install --quiet -e '.[test]'
  # Browser tests drive Debian's Chromium: Playwright cannot download its own browser here.
  if [ ! -x /usr/bin/chromium ]; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
  fi
else
  .venv/bin/python -m pip install --quiet -e .
fi
