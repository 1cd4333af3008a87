#!/usr/bin/env bash
# Install everything Anpei needs on a Debian machine (run as root): system packages, a virtualenv with the
# pinned Python dependencies, compiled translations. Safe to re-run; skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(
  python3 python3-venv python3-pip          # runtime
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b  # WeasyPrint's text layout
  fonts-noto-cjk                            # CJK font for pages and certificate PDFs
  chromium                                  # browser tests (Playwright drives Debian's Chromium)
  poppler-utils                             # pdftoppm: render PDFs to PNG in tests
)
missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "==> creating virtualenv .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.requirements.sha
want=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "==> pip install -r requirements-dev.txt"
  # --no-compile: modules are compiled when first imported (the suite and the app import a fraction of them)
  .venv/bin/pip install -q --no-compile -r requirements-dev.txt
  echo "$want" > "$stamp"
fi

mo=app/translations/en/LC_MESSAGES/messages.mo
if [ ! -f "$mo" ] || [ app/translations/en/LC_MESSAGES/messages.po -nt "$mo" ]; then
  echo "==> compiling translations"
  .venv/bin/pybabel compile -d app/translations >/dev/null
fi

echo "==> pre-subset CJK fonts for PDFs"
.venv/bin/python scripts/build_pdf_fonts.py
