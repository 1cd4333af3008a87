#!/usr/bin/env bash
# The README's second command: install what is needed, then run the whole test suite (unit, web, browser).
# Runs on SQLite by default; set DATABASE_URL (and CELERY_BROKER_URL) to run against PostgreSQL (and a worker).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
