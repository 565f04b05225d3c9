#!/usr/bin/env bash
# Runs every test from a built tree and ends with one pass/fail summary:
#   1. unit tests (GoogleTest via CTest) on the Release build
#   2. unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer
#   3. integration tests: the real worktrace-server binary on loopback (Node's test runner)
#   4. the same integration tests against the sanitizer build of the server
#   5. end-to-end: Xvfb, server, enrolled agent, headless Chromium (headed on Xvfb for the
#      browser extension)
#   6. the browser extension's unit tests (node:test)
# WORKTRACE_SKIP_ASAN=1 skips steps 2 and 4 (for quick local runs; `make test` runs them).
set -uo pipefail
cd "$(dirname "$0")/.."

mkdir -p build/test-logs
passed=0
failed=0
steps=()

# Adds the counts of one step; `kind` says how to read its log.
count() {
  local kind=$1 log=$2 status=$3 name=$4
  local p=0 f=0
  if [[ $kind == check ]]; then
    # A whole-program check (type checker): one result.
    if [[ $status -eq 0 ]]; then p=1; fi
  elif [[ $kind == ctest ]]; then
    local line
    line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -1)
    if [[ -n "$line" ]]; then
      local total
      f=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$line")
      total=$(sed -E 's/.* tests failed out of ([0-9]+).*/\1/' <<<"$line")
      p=$((total - f))
    fi
  elif [[ $kind == vitest ]]; then
    local line
    line=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^ *Tests +' | tail -1)
    p=$(grep -oE '[0-9]+ passed' <<<"$line" | awk '{print $1+0}')
    f=$(grep -oE '[0-9]+ failed' <<<"$line" | awk '{print $1+0}')
    p=${p:-0}
    f=${f:-0}
  else
    # node:test's spec reporter closes each run with "ℹ pass N" and "ℹ fail N".
    p=$(grep -E '^(ℹ|#) pass [0-9]+' "$log" | awk '{s+=$3} END {print s+0}')
    f=$(grep -E '^(ℹ|#) fail [0-9]+' "$log" | awk '{s+=$3} END {print s+0}')
  fi
  # A step that crashed before reporting counts as one failure.
  if [[ $status -ne 0 && $f -eq 0 ]]; then f=1; fi
  passed=$((passed + p))
  failed=$((failed + f))
  local verdict=PASS
  [[ $status -ne 0 ]] && verdict=FAIL
  steps+=("$(printf '%-4s %-44s %5d passed %4d failed' "$verdict" "$name" "$p" "$f")")
}

step() {
  local name=$1 kind=$2
  shift 2
  local log="build/test-logs/${name// /_}.log"
  echo "==> $name"
  "$@" >"$log" 2>&1
  local status=$?
  # The lines that tell how it went; the whole output is in the log.
  sed 's/\x1b\[[0-9;]*m//g' "$log" |
    grep -E '^(✖|not ok|(ℹ|#) (pass|fail|skipped) |[0-9]+% tests passed|.*\*\*\*Failed|.*Failed  | *Tests +)' || true
  count "$kind" "$log" "$status" "$name"
}

step "unit tests (Release)" ctest ctest --test-dir build --output-on-failure -j 2

if [[ "${WORKTRACE_SKIP_ASAN:-0}" != 1 ]]; then
  echo "==> building the sanitizer tree (build/asan)"
  if make --no-print-directory asan >build/test-logs/asan-build.log 2>&1; then
    step "unit tests (ASan+UBSan)" ctest env ASAN_OPTIONS=detect_leaks=1 \
      ctest --test-dir build/asan --output-on-failure -j 2
  else
    tail -30 build/test-logs/asan-build.log
    failed=$((failed + 1))
    steps+=("FAIL sanitizer build (see build/test-logs/asan-build.log)")
  fi
fi

step "integration (Release server)" node env WORKTRACE_BIN_DIR="$PWD/build/bin" \
  npm --prefix tests run --silent test:integration

if [[ "${WORKTRACE_SKIP_ASAN:-0}" != 1 && -x build/asan/bin/worktrace-server ]]; then
  step "integration (ASan+UBSan server)" node env WORKTRACE_BIN_DIR="$PWD/build/asan/bin" \
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 npm --prefix tests run --silent test:integration
fi

step "end-to-end (Xvfb, agent, Chromium)" node env WORKTRACE_BIN_DIR="$PWD/build/bin" \
  npm --prefix tests run --silent test:e2e

step "extension unit tests (node:test)" node npm --prefix extension run --silent test

step "dashboard type check (svelte-check)" check npm --prefix web run --silent check
step "dashboard unit tests (vitest)" vitest env NO_COLOR=1 npm --prefix web run --silent test

echo
echo "Summary (logs in build/test-logs/):"
for line in "${steps[@]}"; do echo "  $line"; done
echo
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
