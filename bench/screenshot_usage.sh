#!/usr/bin/env bash
# The agent's screenshot costs on an ordinary 1920x1080 desktop: Xvfb (24-bit, black root),
# three xterm windows (100x35 characters) full of text (the repository's docs and sources) and
# the test pattern in a 480x320 window, then worktrace-bench-screenshot (bench/screenshot_capture.cpp: the agent's
# ScreenCapture and JpegEncoder at the default policy, quality 70, full size). Prints
#   screenshot_capture_ms   median wall time of one capture of the whole screen (MIT-SHM)
#   screenshot_encode_ms    median wall time of one JPEG encoding of it
#   screenshot_bytes        median JPEG size
# as "name value" lines on stdout, and writes the last JPEG to SAMPLE (for the relay benchmark).
#
#   bench/screenshot_usage.sh SAMPLE
# Environment: BENCH_BIN (default build/bin), BENCH_SCREENSHOT_ITERATIONS (default 60),
# BENCH_SCREENSHOT_QUALITY (10..95; default: the organization default, 70).
set -euo pipefail
cd "$(dirname "$0")/.."

sample=${1:?usage: bench/screenshot_usage.sh SAMPLE}
bin=${BENCH_BIN:-build/bin}
iterations=${BENCH_SCREENSHOT_ITERATIONS:-60}

work=$(mktemp -d)
pids=()
cleanup() {
  local pid_idx
  # Newest first: the X clients go before the X server.
  for ((pid_idx = ${#pids[@]} - 1; pid_idx >= 0; pid_idx--)); do
    kill -TERM "${pids[pid_idx]}" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

die() {
  echo "screenshot_usage: $*" >&2
  exit 1
}

# Waits up to $1 tenths of a second for the command after it to succeed.
wait_until() {
  local tries=$1
  shift
  for _ in $(seq 1 "$tries"); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

Xvfb -displayfd 3 -screen 0 1920x1080x24 -br -nolisten tcp -noreset 3>"$work/display" 2>"$work/xvfb.log" &
pids+=($!)
wait_until 100 test -s "$work/display" || die "Xvfb did not start: $(cat "$work/xvfb.log")"
export DISPLAY=":$(head -n 1 "$work/display")"
wait_until 100 xprop -root _NET_NOTHING || die "Xvfb $DISPLAY does not accept clients"

# Three terminals of text, spread over the screen, each showing a file and then waiting.
files=(docs/api/v1.md server/src/app/platform.cpp agent/src/capture/screen_capture.cpp)
geometries=(100x35+40+40 100x35+1100+60 100x35+300+560)
for term_idx in 0 1 2; do
  xterm -T "bench-term-$term_idx" -geometry "${geometries[term_idx]}" \
    -e sh -c "cat '${files[term_idx]}'; exec sleep 3600" >/dev/null 2>&1 &
  pids+=($!)
  wait_until 100 xdotool search --name "^bench-term-$term_idx\$" || die "xterm $term_idx did not map"
done
"$bin/worktrace-test-pattern" window --geometry 480x320+720+380 >"$work/pattern.json" 2>"$work/pattern.log" &
pids+=($!)
wait_until 100 test -s "$work/pattern.json" || die "the pattern window did not show: $(cat "$work/pattern.log")"
sleep 1 # the terminals finish drawing their text

report=$(timeout 120 "$bin/worktrace-bench-screenshot" --iterations "$iterations" --warmup 5 --sample "$sample" ${BENCH_SCREENSHOT_QUALITY:+--quality "$BENCH_SCREENSHOT_QUALITY"}) ||
  die "worktrace-bench-screenshot failed"
echo "screenshot_usage: $report" >&2
field() {
  node -e 'const v = JSON.parse(process.argv[1])[process.argv[2]]; if (v === undefined) process.exit(1); console.log(v)' "$report" "$1"
}
[[ "$(field width)x$(field height)" == 1920x1080 ]] || die "captured $(field width)x$(field height), not 1920x1080"
echo "screenshot_capture_ms $(field capture_ms)"
echo "screenshot_encode_ms $(field encode_ms)"
echo "screenshot_bytes $(field bytes)"
