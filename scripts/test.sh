#!/usr/bin/env bash
# Sets everything up (including Chromium) and runs the whole test suite, then ruff and mypy.
# With TEST_DATABASE_URL set, every database test runs on PostgreSQL too.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --test
.venv/bin/ruff check .
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
