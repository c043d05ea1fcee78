#!/usr/bin/env bash
# Sets everything up and starts giaoban at http://127.0.0.1:8000 on the embedded default:
# a SQLite file and a local mail folder under ./var, with a demo district and its ten communes.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
.venv/bin/giaoban db upgrade
.venv/bin/giaoban demo --if-empty
exec .venv/bin/giaoban serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
