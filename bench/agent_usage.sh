#!/usr/bin/env bash
# What the agent costs on a desktop: a real `worktrace-agent run` on Xvfb + openbox with two
# xterm windows, enrolled with a running server. After a 5 s settle it measures
#   agent_idle_cpu_pct    utime+stime of the agent process (all threads) over SECONDS with no
#                         input at all, as % of one core
#   agent_idle_rss_mb     VmRSS at the end of that window
#   agent_active_cpu_pct  the same over SECONDS while xdotool types about 5 characters a second
#                         and switches between the two xterms every 3 s
#   agent_active_rss_mb   VmRSS at the end of the active window
# and prints them as "name value" lines on stdout. Exits non-zero (with the agent's log) when
# the agent dies, or when `status --json` does not show it tracking a window and uploading.
#
#   bench/agent_usage.sh ORIGIN DATA_DIR   (the server's URL and its data directory, for
#                                          `worktrace-server enrollment-token --data`)
# Environment: BENCH_AGENT_SECONDS (default 60; 10 for a quick run), BENCH_BIN (default
# build/bin).
set -euo pipefail
cd "$(dirname "$0")/.."

origin=${1:?usage: bench/agent_usage.sh ORIGIN DATA_DIR}
data=${2:?usage: bench/agent_usage.sh ORIGIN DATA_DIR}
seconds=${BENCH_AGENT_SECONDS:-60}
bin=${BENCH_BIN:-build/bin}
settle_s=5
ticks_per_s=$(getconf CLK_TCK)

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
  echo "agent_usage: $*" >&2
  if [[ -f "$work/agent.log" ]]; then
    echo "--- agent log (last 40 lines)" >&2
    tail -n 40 "$work/agent.log" >&2
  fi
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

# utime+stime of process $1 in clock ticks (fields 14 and 15 of /proc/PID/stat; the command
# name in field 2 may hold spaces, so count after its closing parenthesis).
cpu_ticks() {
  local fields
  read -r -a fields <<<"$(sed 's/^.*) //' "/proc/$1/stat")"
  echo $((fields[11] + fields[12]))
}

rss_mb() {
  awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}

now_s() {
  date +%s.%N
}

# CPU % of one core used by process $1 between two samples: ticks0 ticks1 t0 t1.
cpu_pct() {
  awk -v a="$1" -v b="$2" -v t0="$3" -v t1="$4" -v hz="$ticks_per_s" \
    'BEGIN { printf "%.2f", (t1 > t0 ? (b - a) / hz / (t1 - t0) * 100 : 0) }'
}

alive() {
  kill -0 "$agent_pid" 2>/dev/null || die "the agent exited"
}

# Xvfb picks a free display itself and writes its number to fd 3.
Xvfb -displayfd 3 -screen 0 1280x720x24 -nolisten tcp -noreset 3>"$work/display" 2>"$work/xvfb.log" &
pids+=($!)
wait_until 100 test -s "$work/display" || die "Xvfb did not start: $(cat "$work/xvfb.log")"
export DISPLAY=":$(head -n 1 "$work/display")"

openbox --sm-disable >"$work/openbox.log" 2>&1 &
pids+=($!)
wait_until 100 sh -c 'xprop -root _NET_SUPPORTING_WM_CHECK | grep -q "window id"' ||
  die "openbox did not manage $DISPLAY"

# Two terminals that swallow what is typed (nothing typed is ever run).
windows=()
for name in bench-editor bench-notes; do
  xterm -T "$name" -geometry 100x30 -e sh -c 'cat >/dev/null' >/dev/null 2>&1 &
  pids+=($!)
  wait_until 100 xdotool search --name "^$name\$" || die "xterm $name did not map"
  windows+=("$(xdotool search --name "^$name\$" | head -n 1)")
done

token=$("$bin/worktrace-server" enrollment-token --data "$data" | grep -o 'wte_[A-Za-z0-9_-]*' | head -n 1)
[[ -n "$token" ]] || die "no enrollment token"
"$bin/worktrace-agent" enroll --server "$origin" --token "$token" --config-dir "$work/agent" \
  >"$work/enroll.log" 2>&1 || die "enroll failed: $(cat "$work/enroll.log")"

# No session bus: the start notification (notify-send) fails at once instead of autolaunching
# a D-Bus daemon for the display.
DBUS_SESSION_BUS_ADDRESS="unix:path=$work/no-bus" \
  "$bin/worktrace-agent" run --config-dir "$work/agent" >"$work/agent.log" 2>&1 &
agent_pid=$!
pids+=("$agent_pid")
sleep "$settle_s"
alive

# Idle: nobody touches anything.
ticks0=$(cpu_ticks "$agent_pid")
t0=$(now_s)
sleep "$seconds"
alive
ticks1=$(cpu_ticks "$agent_pid")
t1=$(now_s)
idle_rss=$(rss_mb "$agent_pid")
idle_cpu=$(cpu_pct "$ticks0" "$ticks1" "$t0" "$t1")

# Active: 15 characters in 3 s into one window, then the other one, until the window ends.
(
  end=$((SECONDS + seconds + 5))
  round=0
  while ((SECONDS < end && round < seconds + 5)); do
    timeout 5 xdotool windowactivate --sync "${windows[round % 2]}" || true
    timeout 10 xdotool type --delay 200 "quick brown $((round % 10))"$'\n' || true
    round=$((round + 1))
  done
) >/dev/null 2>&1 &
typist=$!
pids+=("$typist")
sleep 1
ticks0=$(cpu_ticks "$agent_pid")
t0=$(now_s)
sleep "$seconds"
alive
ticks1=$(cpu_ticks "$agent_pid")
t1=$(now_s)
active_rss=$(rss_mb "$agent_pid")
active_cpu=$(cpu_pct "$ticks0" "$ticks1" "$t0" "$t1")
kill -TERM "$typist" 2>/dev/null || true

# The figures only count when the agent really tracked the desktop and uploaded (it gathers
# records for 30 s before a batch, so wait for the first upload a while after measuring).
verdict=""
for _ in $(seq 1 60); do
  alive
  if "$bin/worktrace-agent" status --json --config-dir "$work/agent" >"$work/status.json" \
    2>"$work/status.err"; then
    verdict=$(node -e '
      const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      const t = s.tracking, u = s.upload;
      const problems = [];
      if (!t || !["active", "idle"].includes(t.state)) problems.push("not tracking");
      else if (!t.app) problems.push("no focused window");
      if (!u || !Number.isInteger(u.last_upload_at)) problems.push("nothing uploaded yet");
      else if (u.last_error) problems.push(`upload error ${u.last_error}`);
      console.log(problems.length ? `${problems.join(", ")}: ${JSON.stringify(s)}` : "ok");
    ' "$work/status.json")
  else
    verdict="status --json failed: $(cat "$work/status.err")"
  fi
  [[ "$verdict" == ok ]] && break
  sleep 1
done
[[ "$verdict" == ok ]] || die "the agent did not track and upload: $verdict"

echo "agent_idle_rss_mb $idle_rss"
echo "agent_idle_cpu_pct $idle_cpu"
echo "agent_active_cpu_pct $active_cpu"
echo "agent_active_rss_mb $active_rss"
