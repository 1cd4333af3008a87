#!/usr/bin/env bash
# Vendor Apache ECharts (the dashboards draw their charts with it: no CDN, CSP script-src 'self'). Run by hand to
# update; the files are committed under static/vendor/echarts/, so neither setup nor CI needs npm.
#   bash scripts/vendor_echarts.sh [VERSION]
# Takes the "common" build (line, bar, pie, the grid/tooltip/legend components: what the tiles draw; 0.7 MB instead
# of the full build's 1.1 MB). ECharts uses no eval or new Function, so the CSP stays as it is. Its licence and
# notice are kept beside it (Apache-2.0).
set -euo pipefail
VERSION="${1:-6.1.0}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/static/vendor/echarts"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack --silent "echarts@$VERSION" >/dev/null && tar xzf "echarts-$VERSION.tgz")
rm -rf "$DEST"
mkdir -p "$DEST"
cp "$WORK/package/dist/echarts.common.min.js" "$DEST/echarts.min.js"
cp "$WORK/package/LICENSE" "$WORK/package/NOTICE" "$DEST/"
echo "echarts $VERSION (npm), dist/echarts.common.min.js (line, bar, pie and the common components); see scripts/vendor_echarts.sh" > "$DEST/VERSION"
du -sh "$DEST"
