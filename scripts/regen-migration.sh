#!/usr/bin/env bash
# Development helper while the schema is pre-release: rebuild the single initial migration from the models.
# Once a release is tagged, add new revisions with `flask --app app db migrate -m "..."` instead.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f migrations/versions/*.py
DATABASE_URL="sqlite:///$tmp/regen.sqlite" .venv/bin/flask --app app db migrate -m "initial schema" >/dev/null
rm -rf "$tmp"
ls migrations/versions/
