#!/usr/bin/env bash
# Sets up everything giaoban needs on a fresh Debian machine: a virtual environment with the
# project and its tools, the Times-compatible font for official documents, and (with --test)
# Chromium for the browser tests. Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

python=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
    python="$candidate"; break
  fi
done
[ -n "$python" ] || { echo "giaoban needs Python 3.11 or newer" >&2; exit 2; }

apt_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if [ ! -f /var/lib/apt/lists/.giaoban-updated ] && [ -z "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v lock | head -1)" ]; then
    $sudo apt-get update -qq
  fi
  if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null; then
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  fi
}

# Official documents are set in Times New Roman or a metric-compatible face (Decree 30/2020), with every
# Vietnamese letter: Liberation Serif 2 (fonts-liberation2; Liberation 1.x lacks ố, ự, ậ ...).
if ! fc-list ':family=Liberation Serif:charset=1ed1 1ef1' 2>/dev/null | grep -q .; then
  echo "installing the Liberation 2 fonts (Times-compatible, with Vietnamese) ..."
  apt_install fonts-liberation2 fontconfig
fi

if [ "$want_test" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  echo "installing Chromium for the browser tests ..."
  apt_install chromium
fi

# A software PKCS#11 token, for the test of signing with a USB token (meetings/records/signing.py).
if [ "$want_test" = 1 ] && ! command -v softhsm2-util >/dev/null 2>&1; then
  echo "installing SoftHSM for the token signing tests ..."
  apt_install softhsm2
fi

if [ ! -x .venv/bin/python ]; then
  echo "creating .venv with $python ..."
  "$python" -m venv .venv
fi
stamp=.venv/.giaoban-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "installing giaoban and its dependencies into .venv ..."
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  touch "$stamp"
fi
