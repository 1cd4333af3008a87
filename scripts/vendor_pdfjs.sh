#!/usr/bin/env bash
# Vendor Mozilla's PDF.js (the lesson page renders PDF lessons with it: no CDN, CSP 'self'). Run by hand to update;
# the files are committed under static/vendor/pdfjs/, so neither setup nor CI needs npm.
#   bash scripts/vendor_pdfjs.sh [VERSION]
# Takes the "legacy" build (for the older Android WebViews and in-app browsers learners use), the worker, the
# CMaps (PDFs with Chinese fonts that are not embedded need them), the standard fonts, and the JavaScript fallbacks
# of the JPEG 2000 and JBIG2 decoders (scanned handouts use them; the page runs PDF.js with WebAssembly off, as the
# CSP allows no 'wasm-unsafe-eval'). Each file keeps its licence beside it.
set -euo pipefail
VERSION="${1:-6.5.438}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/static/vendor/pdfjs"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack --silent "pdfjs-dist@$VERSION" >/dev/null && tar xzf "pdfjs-dist-$VERSION.tgz")
PKG="$WORK/package"
rm -rf "$DEST"
mkdir -p "$DEST/wasm"
cp "$PKG/legacy/build/pdf.min.mjs" "$DEST/pdf.min.js"
cp "$PKG/legacy/build/pdf.worker.min.mjs" "$DEST/pdf.worker.min.js"
cp -r "$PKG/cmaps" "$PKG/standard_fonts" "$DEST/"
cp "$PKG"/wasm/{openjpeg,jbig2}_nowasm_fallback.js "$PKG"/wasm/LICENSE_{OPENJPEG,PDFJS_OPENJPEG,JBIG2,PDFJS_JBIG2} "$DEST/wasm/"
cp "$PKG/LICENSE" "$DEST/LICENSE"
echo "pdfjs-dist $VERSION (npm), legacy build; see scripts/vendor_pdfjs.sh" > "$DEST/VERSION"
du -sh "$DEST"
