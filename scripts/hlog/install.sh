#!/usr/bin/env bash
# Installs hdr-histogram-js (the second implementation that decodes the
# .hlog files in harness/run's tests) into a cache folder, once, and prints
# that folder. The version is pinned: the test compares against it.
set -euo pipefail
version=3.0.1
dir=${NNGBENCH_HDRJS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/nngbench/hdr-histogram-js-$version}
if [ ! -f "$dir/node_modules/hdr-histogram-js/package.json" ]; then
  mkdir -p "$dir"
  npm install --silent --no-audit --no-fund --prefix "$dir" "hdr-histogram-js@$version" >&2
fi
echo "$dir"
