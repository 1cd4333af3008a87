#!/usr/bin/env bash
# Development helper while the schema is pre-release: rebuild the initial migration (0001) from the models.
# Hand-written later revisions (0002 …: what autogenerate cannot express) are set aside meanwhile and kept.
# Once a release is tagged, add new revisions with `flask --app app db migrate -m "..."` instead.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'mv "$tmp"/later/*.py migrations/versions/ 2>/dev/null || true; rm -rf "$tmp"' EXIT
mkdir "$tmp/later"
find migrations/versions -maxdepth 1 -name '*.py' ! -name '*_0001_*' -exec mv {} "$tmp/later/" \;
rm -f migrations/versions/*_0001_*.py
DATABASE_URL="sqlite:///$tmp/regen.sqlite" .venv/bin/flask --app app db migrate --rev-id 0001 -m "initial schema" >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
