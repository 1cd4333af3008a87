#!/usr/bin/env bash
# Development helper while the schema is pre-release: rebuild the single initial migration from the models.
# Once a release is tagged, add new revisions with `flask --app app db migrate -m "..."` instead.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f migrations/versions/*_0001_initial_schema.py migrations/versions/*_initial_schema.py
DATABASE_URL="sqlite:///$tmp/regen.sqlite" .venv/bin/flask --app app db migrate --rev-id 0001 -m "initial schema" >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
rm -rf "$tmp"
ls migrations/versions/
