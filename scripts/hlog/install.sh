#!/usr/bin/env bash
# Installs hdr-histogram-js (the second implementation that decodes the
# .hlog files in the tests, through internal/hdrjs) into a cache folder,
# once, and prints that folder. The version is pinned: the test compares against it.
set -euo pipefail
version=3.0.1
dir=${NNGBENCH_HDRJS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/nngbench/hdr-histogram-js-$version}
mkdir -p "$dir"
# Test packages run at once may each call this: one installs, the others wait.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$dir/.install.lock"
  flock 9
fi
if [ ! -f "$dir/node_modules/hdr-histogram-js/package.json" ]; then
  npm install --silent --no-audit --no-fund --prefix "$dir" "hdr-histogram-js@$version" >&2
fi
echo "$dir"
