#!/usr/bin/env bash
# featurelab's one idempotent set-up step, run before the main job and the tests.
#   - installs the Debian packages the project needs when they are missing
#   - runs `npm ci` when node_modules is missing or out of date with package-lock.json
#   - (re)builds the native OpenBLAS addon when it is missing
#   - compiles the TypeScript sources to dist/ when they changed
# Usage: bash scripts/setup.sh [--bench]
#   --bench    also PyTorch (python3-torch), which the benchmarks compare against
set -euo pipefail
cd "$(dirname "$0")/.."

# chromium: the report's and the explorer's browser tests; python3-numpy: reference fixtures and benchmarks
want=(libopenblas-dev dataset-fashion-mnist python3-numpy chromium)
for arg in "$@"; do
  case "$arg" in
    --bench) want+=(python3-torch) ;;
    *) echo "setup.sh: unknown option '$arg' (expected --bench)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then missing+=("$p"); fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

lockhash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f node_modules/.featurelab-lock ] || [ "$(cat node_modules/.featurelab-lock)" != "$lockhash" ]; then
  echo "setup: npm ci"
  if ! npm ci --no-audit --no-fund --loglevel=error 2>/tmp/featurelab-npm-ci.log; then
    # npm 11.19 writes lock files without the other platforms' optional packages (esbuild, rollup,
    # biome binaries) and then its own `npm ci` refuses them as out of sync (npm/cli#8320). Install
    # the locked versions with `npm install --no-save`, which leaves package-lock.json untouched.
    if grep -q "can only install packages when your package.json and package-lock.json" /tmp/featurelab-npm-ci.log; then
      echo "setup: npm ci rejected the lock file (npm/cli#8320); installing the locked versions with npm install --no-save"
      npm install --no-save --no-audit --no-fund --loglevel=error
    else
      cat /tmp/featurelab-npm-ci.log >&2
      exit 1
    fi
  fi
  echo "$lockhash" > node_modules/.featurelab-lock
fi

if [ ! -f build/Release/featurelab_native.node ] || [ -n "$(find native binding.gyp -newer build/Release/featurelab_native.node 2>/dev/null | head -1)" ]; then
  echo "setup: building the native addon"
  npx --no-install node-gyp rebuild --loglevel=error >/dev/null || echo "setup: WARNING native addon did not build; the pure-TypeScript backend will be used" >&2
fi

if [ ! -f dist/.stamp ] || [ -n "$(find src tsconfig.json tsconfig.build.json -newer dist/.stamp 2>/dev/null | head -1)" ]; then
  echo "setup: compiling TypeScript"
  rm -rf dist
  npx --no-install tsc -p tsconfig.build.json
  touch dist/.stamp
fi

# The explorer's front end (web/, built by Vite into web/dist) when its sources changed.
if [ -f web/vite.config.ts ] && { [ ! -f web/dist/index.html ] || [ -n "$(find web -path web/dist -prune -o -newer web/dist/index.html -type f -print 2>/dev/null | head -1)" ]; }; then
  echo "setup: building the explorer (web/)"
  npx --no-install vite build web --logLevel error
fi
