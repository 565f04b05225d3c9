#!/usr/bin/env bash
# Installs what building, running and testing Worktrace needs, and nothing twice.
#   scripts/deps.sh build   C++ toolchain and libraries
#   scripts/deps.sh run     + what `make run` needs (Xvfb-free: the agent uses your display)
#   scripts/deps.sh test    + Xvfb, xdotool, Chromium for the end-to-end tests
#   scripts/deps.sh bench   + nginx and wrk for the reference measurements
# Debian 12 packages via apt-get; web packages via npm ci from the committed lock files.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-build}

build_packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsqlite3-dev libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev
  libsodium-dev liboath-dev libcurl4-openssl-dev libgtest-dev libgmock-dev libbenchmark-dev
  libx11-dev libxext-dev libxi-dev libxss-dev libxrandr-dev libcctz-dev zlib1g-dev
  libturbojpeg0-dev
  openssl ca-certificates
)
run_packages=(sqlite3 curl libnotify-bin)
test_packages=(xvfb xauth xdotool x11-utils xterm openbox dbus-x11 dbus-bin dunst libnotify-bin chromium iproute2 procps curl oathtool python3)
bench_packages=(nginx-light wrk xvfb xdotool x11-utils xterm openbox)

wanted=("${build_packages[@]}")
case "$mode" in
  build) ;;
  run) wanted+=("${run_packages[@]}") ;;
  test) wanted+=("${run_packages[@]}" "${test_packages[@]}") ;;
  bench) wanted+=("${run_packages[@]}" "${bench_packages[@]}") ;;
  *) echo "usage: $0 build|run|test|bench" >&2; exit 2 ;;
esac

missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

node_major=0
if command -v node >/dev/null 2>&1; then
  node_major=$(node -p 'process.versions.node.split(".")[0]')
fi
if (( node_major < 20 )); then
  missing+=(nodejs npm)
fi

if (( ${#missing[@]} > 0 )); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "deps: missing Debian packages: ${missing[*]}" >&2
    echo "deps: run as root (or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The nginx package starts a server on port 80; benchmarks start their own on loopback.
  if [[ " ${missing[*]} " == *" nginx-light "* ]]; then
    (command -v systemctl >/dev/null && systemctl disable --now nginx >/dev/null 2>&1) || nginx -s stop >/dev/null 2>&1 || true
  fi
fi

if command -v node >/dev/null 2>&1; then
  node_major=$(node -p 'process.versions.node.split(".")[0]')
  if (( node_major < 20 )); then
    echo "deps: Node.js 20 or newer is needed for the dashboard build (found $(node --version))" >&2
    exit 1
  fi
fi

# npm ci only when the lock file changed since the last install.
npm_ci() {
  local dir=$1
  [[ -f "$dir/package-lock.json" ]] || return 0
  local stamp="$dir/node_modules/.worktrace-lock"
  if [[ -f "$stamp" ]] && cmp -s "$dir/package-lock.json" "$stamp"; then return 0; fi
  echo "deps: npm ci in $dir"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$dir/package-lock.json" "$stamp"
}

npm_ci web
# The node suites, and the relay benchmark (bench/relay_load.mjs uses their `ws`).
if [[ "$mode" == test || "$mode" == bench ]]; then npm_ci tests; fi
