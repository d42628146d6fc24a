#!/usr/bin/env bash
# The kit's one set-up step, run first by `npm test`, `npm run demo`, `npm run test:webgpu` and .ci/run.
# Idempotent: on a machine that has everything it only checks, in well under a second.
#   1. Node 20 or newer;
#   2. the Debian/Ubuntu packages below: installed (after `apt-get update`) when running as root or with
#      passwordless sudo; otherwise it prints the exact command to run and stops;
#   3. node_modules: `npm ci` (or `npm install` without a lockfile) when missing or made from another lockfile.
# It needs nothing from node_modules (it is what creates them): bash, dpkg/apt, node and npm only.
#
#   bash scripts/setup.sh [--webgpu]    --webgpu: also the Vulkan libraries of `npm run test:webgpu`
#   ZS_SETUP_SKIP_APT=1                 skip step 2 (the kit then runs without them, see environment.md)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "[setup] $*" >&2; }
fail() { say "$@"; exit 1; }

# --- 1. Node --------------------------------------------------------------------------------------------
command -v node >/dev/null && command -v npm >/dev/null ||
  fail "Node.js 20 or newer (with npm) is missing: install it from https://nodejs.org/en/download (Debian/Ubuntu: https://github.com/nodesource/distributions), then rerun."
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] ||
  fail "Node $(node -v) is too old: the kit needs Node 20 or newer (https://nodejs.org/en/download; Debian 12's own nodejs is 18)."

# --- 2. System packages (Debian 12 names; environment.md has macOS and other distributions) ------------
PACKAGES=(
  # native CPU backend (scripts/build-native.js): OpenBLAS headers + library and a C++ toolchain; without
  # them the kit runs on wasm at roughly 0.1x the speed
  libopenblas-dev g++ make
  # headless notebooks (`npm run demo`, the notebook tests): Jupyter from Debian, the tslab kernel from npm
  jupyter-nbconvert python3-nbconvert python3-nbclient jupyter-client python3-ipykernel jupyter-core
  # independent numpy reference for the Qwen2 forward check (scripts/reference_qwen2.py)
  python3-numpy
  # fonts for PNG figures
  fonts-dejavu-core
  # the benchmark download script (data/download-benchmarks.sh)
  curl
)
. /etc/os-release 2>/dev/null || true
# PNG figures are drawn by a headless chromium; Ubuntu ships it only as a snap (ZS_CHROMIUM, environment.md).
[[ " ${ID:-} ${ID_LIKE:-} " == *" ubuntu "* ]] || PACKAGES+=(chromium)
if [ "${1:-}" = --webgpu ]; then
  # Vulkan loader + the runtime libraries of the lavapipe that scripts/setup-lavapipe.sh unpacks (Debian 12)
  PACKAGES+=(libvulkan1 libllvm15 libdrm2 libexpat1 libzstd1 libxcb1 libxcb-randr0 libx11-xcb1 libxcb-dri3-0
    libxcb-present0 libxcb-xfixes0 libxcb-sync1 libxcb-shm0 libxshmfence1 libwayland-client0)
fi

installed_now=0
if [ "${ZS_SETUP_SKIP_APT:-0}" = 1 ]; then
  :
elif ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
  say "not a Debian/Ubuntu system: system packages not checked; environment.md lists what to install (macOS: Homebrew)."
else
  declare -A have=()
  # One dpkg-query for all packages (fast); unknown packages print nothing on stdout.
  while read -r status name; do [ "$status" = ii ] && have[$name]=1; done \
    < <(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "${PACKAGES[@]}" 2>/dev/null || true)
  missing=()
  for p in "${PACKAGES[@]}"; do [ -n "${have[$p]:-}" ] || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    install="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
    if [ "$(id -u)" = 0 ]; then sudo=()
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo=(sudo)
    else
      if command -v sudo >/dev/null; then cmd="sudo ${install/&& apt-get/&& sudo apt-get}"; else cmd="su -c '$install'"; fi
      say "missing Debian/Ubuntu packages: ${missing[*]}"
      say "installing them needs root. Run this, then your command again:"
      echo "" >&2
      echo "    $cmd" >&2
      echo "" >&2
      fail "(or ZS_SETUP_SKIP_APT=1 to go on without them: wasm backend, no notebooks, no PNG figures)"
    fi
    say "installing ${#missing[@]} Debian/Ubuntu packages (apt-get, a few minutes): ${missing[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    installed_now=1
  fi
fi

# --- 3. node_modules ------------------------------------------------------------------------------------
# Current when npm's own record of what it installed (node_modules/.package-lock.json) has every package of
# the lockfile at its version (optional ones may have failed harmlessly), or, without a lockfile, every
# dependency of package.json. Editing package.json's scripts therefore never triggers a reinstall.
current=$(node -e '
  const fs = require("fs");
  const read = (f) => { try { return JSON.parse(fs.readFileSync(f, "utf8")); } catch { return null; } };
  const hidden = read("node_modules/.package-lock.json")?.packages ?? {};
  const lock = read("package-lock.json")?.packages;
  const pkg = read("package.json");
  const wanted = lock
    ? Object.entries(lock).filter(([k, v]) => k && !v.optional).map(([k, v]) => [k, v.version])
    : Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).map((n) => ["node_modules/" + n, undefined]);
  console.log(wanted.every(([k, v]) => hidden[k] && (v === undefined || hidden[k].version === v)) ? 1 : 0);')
if [ "$current" != 1 ]; then
  if [ -e package-lock.json ]; then
    say "installing node_modules: npm ci"
    npm ci --no-audit --no-fund
  else
    say "installing node_modules: npm install"
    npm install --no-audit --no-fund
  fi
elif [ $installed_now = 1 ] && [ ! -e native/build/Release/zs_native.node ]; then
  # node_modules predate OpenBLAS: build the native backend now (npm's postinstall did it otherwise).
  node scripts/build-native.js
fi
