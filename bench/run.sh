#!/usr/bin/env bash
# Benchmarks of the built tree. Every figure is measured next to its reference in the same
# run, and all land in build/bench/results.json (one flat object) plus a table on stdout.
#   http_healthz_rps_per_core   keep-alive GET /healthz on one server thread (wrk, 1 thread)
#   nginx_static_rps_per_core   Debian's nginx, one worker, answering the same way
#   http_healthz_vs_nginx       the ratio of the two
#   login_argon2_ms             median wall time of a password sign-in (Argon2id verify)
#   http_version_ms             median wall time of an unauthenticated API request (reference)
#   authz_requests_per_s_per_core  keep-alive GET /api/v1/org with a session cookie (session
#                               lookup, policy, a database read) on one server thread
#   authz_vs_healthz            its ratio to http_healthz_rps_per_core
#   ingest_events_per_s         activity records acknowledged per second (after the commit)
#                               through POST /api/v1/agent/activity on one server thread, from
#                               100 enrolled devices posting batches of 500 at once
#                               (bench/ingest_load.mjs, on the other core)
#   sqlite_raw_insert_rows_per_s  the same span rows inserted straight into a table shaped like
#                               activity_spans with the SQLite C API, 1,000 rows a transaction,
#                               WAL + synchronous=FULL like the server (bench/sqlite_insert.cpp)
#   ingest_vs_raw_insert        the ratio of the two
#   agent_idle_cpu_pct, agent_idle_rss_mb, agent_active_cpu_pct, agent_active_rss_mb
#                               a real agent on Xvfb: % of one core and resident MB with no
#                               input, then while xdotool types and switches windows
#                               (bench/agent_usage.sh)
#   screenshot_capture_ms, screenshot_encode_ms, screenshot_bytes
#                               the agent's capture (MIT-SHM) and JPEG encoding (quality 70, full
#                               size) of a 1920x1080 Xvfb desktop with four xterms of text and the
#                               test pattern: medians (bench/screenshot_usage.sh)
#   relay_latency_p50_ms_1_viewer, relay_latency_p99_ms_1_viewer,
#   relay_latency_p50_ms_50_viewers, relay_latency_p99_ms_50_viewers
#                               agent -> server -> dashboard time of that screenshot as a WTS1
#                               frame on loopback, 2 fake agents at 4 frames/s each, with 1 and
#                               with 50 dashboards watching (bench/relay_load.mjs, other core)
#   relay_latency_p50_ms, relay_latency_p99_ms   the 50-viewer figures (the harder case)
#   relay_server_cpu_ms_per_mb  the server's utime+stime over the 50-viewer window per MB
#                               (10^6 bytes) the dashboards received
# Each wrk run is bounded: BENCH_SECONDS (default 5) per measurement, 3 rounds, best kept. The
# ingest load runs 2 s of warm-up plus BENCH_INGEST_SECONDS (default 2 x BENCH_SECONDS); the raw
# inserts BENCH_SECONDS at most; the agent BENCH_AGENT_SECONDS (default 60) per window; the
# relay BENCH_RELAY_SECONDS (default 8) per viewer count.
# BENCH_BIN (default build/bin) names the directory of the binaries measured.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${BENCH_SECONDS:-5}
rounds=${BENCH_ROUNDS:-3}
connections=${BENCH_CONNECTIONS:-32}
ingest_seconds=${BENCH_INGEST_SECONDS:-$((2 * seconds))}
ingest_devices=100
ingest_batch=500
ingest_max_records=40000 # per device: bounds the load and sets its pace through the last day
export BENCH_AGENT_SECONDS=${BENCH_AGENT_SECONDS:-60}
export BENCH_BIN=${BENCH_BIN:-build/bin} # the binaries measured (a helper's own build dir too)
bin=$BENCH_BIN
out=build/bench
mkdir -p "$out"
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

wait_http() {
  for _ in $(seq 1 100); do
    curl -fsS "$1" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "bench: $1 did not answer" >&2
  return 1
}

# Best requests/s of `rounds` wrk runs against $1 (further arguments go to wrk, before the
# URL), the client pinned to the other core. Exits the script when any answer was not 2xx.
measure() {
  local url=$1 best=0 report rps
  shift
  for _ in $(seq 1 "$rounds"); do
    report=$(timeout $((seconds + 10)) taskset -c 1 wrk -t1 -c"$connections" -d"${seconds}s" "$@" "$url")
    if grep -q 'Non-2xx' <<<"$report"; then
      echo "bench: $url answered with errors:" >&2
      echo "$report" >&2
      exit 1
    fi
    rps=$(awk '/^Requests\/sec:/ {printf "%d", $2}' <<<"$report")
    (( rps > best )) && best=$rps
  done
  echo "$best"
}

# Median of the `time_total` of `count` curl requests (arguments after the count); exits the
# script when an answer is not 200.
median_ms() {
  local count=$1 samples="" line code
  shift
  for _ in $(seq 1 "$count"); do
    line=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 10 "$@" || true)
    code=${line%% *}
    if [[ "$code" != 200 ]]; then
      echo "bench: ${*: -1} answered HTTP ${code:-(none)}" >&2
      exit 1
    fi
    samples+="${line#* }"$'\n'
  done
  sort -n <<<"$samples" | awk 'NF { v[++n] = $1 } END { printf "%.1f", v[int((n + 1) / 2)] * 1000 }'
}

# worktrace-server: one network thread, pinned to core 0; the per-address API rate limit is
# raised so that wrk measures the server, not the limiter.
port=$(free_port)
admin_password=bench-password-$RANDOM-$RANDOM
WORKTRACE_ADMIN_EMAIL=owner@bench.test WORKTRACE_ADMIN_PASSWORD=$admin_password \
  "$bin"/worktrace-server init --data "$work/data" >/dev/null
taskset -c 0 "$bin"/worktrace-server serve --listen "127.0.0.1:$port" --data "$work/data" \
  --threads 1 --log-level warn --api-rate-per-s 1000000 &
pids+=($!)
wait_http "http://127.0.0.1:$port/healthz"
server_rps=$(measure "http://127.0.0.1:$port/healthz")

base="http://127.0.0.1:$port"
login_body="{\"email\":\"owner@bench.test\",\"password\":\"$admin_password\"}"
login_ms=$(median_ms 15 -X POST -H 'Content-Type: application/json' -d "$login_body" \
  "$base/api/v1/auth/login")
version_ms=$(median_ms 15 "$base/api/v1/version")
cookie=$(curl -s -D - -o /dev/null -X POST -H 'Content-Type: application/json' \
  -d "$login_body" "$base/api/v1/auth/login" | awk -F'[ ;]' 'tolower($1) == "set-cookie:" { print $2 }')
status=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$base/api/v1/org")
if [[ "$status" != 200 ]]; then
  echo "bench: GET /api/v1/org with a session answered $status" >&2
  exit 1
fi
authz_best=$(measure "$base/api/v1/org" -H "Cookie: $cookie")
authz_ratio=$(awk -v a="$authz_best" -v b="$server_rps" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')

# nginx: one worker, same core, a fixed 200 response of similar size.
nginx_port=$(free_port)
mkdir -p "$work/nginx/logs"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log crit;
events { worker_connections 1024; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$nginx_port;
    location = /healthz { default_type application/json; return 200 '{"status":"ok","version":"0.1.0"}'; }
  }
}
CONF
taskset -c 0 nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" &
pids+=($!)
wait_http "http://127.0.0.1:$nginx_port/healthz"
nginx_rps=$(measure "http://127.0.0.1:$nginx_port/healthz")

ratio=$(awk -v a="$server_rps" -v b="$nginx_rps" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')

# Ingest through the real endpoint, then its physical reference on the same core with the same
# span rows (the load generator's, dumped first), then the ratio.
json_field() {
  node -e 'const v = JSON.parse(process.argv[1])[process.argv[2]]; if (v === undefined) process.exit(1); console.log(v)' "$1" "$2"
}
start_ms=$(($(date +%s%3N) - 86400000 + 60000))
taskset -c 1 node bench/ingest_load.mjs dump --out "$work/spans.tsv" --devices "$ingest_devices" \
  --batch "$ingest_batch" --spans-per-device 2000 --max-records-per-device "$ingest_max_records" \
  --start-ms "$start_ms" >/dev/null
ingest_report=$(timeout $((ingest_seconds + 180)) taskset -c 1 node bench/ingest_load.mjs load \
  --origin "$base" --email owner@bench.test --password "$admin_password" \
  --devices "$ingest_devices" --batch "$ingest_batch" --warmup-s 2 --seconds "$ingest_seconds" \
  --max-records-per-device "$ingest_max_records" --start-ms "$start_ms")
ingest_rate=$(json_field "$ingest_report" events_per_s)
echo "bench: ingest $ingest_report" >&2
raw_report=$(timeout $((seconds + 120)) taskset -c 0 "$bin"/worktrace-bench-sqlite-insert \
  --db "$work/raw.db" --rows "$work/spans.tsv" --txn-rows 1000 --max-rows 2000000 \
  --seconds "$seconds")
raw_rate=$(json_field "$raw_report" rows_per_s)
echo "bench: raw insert $raw_report" >&2
rm -f "$work"/raw.db*
ingest_ratio=$(awk -v a="$ingest_rate" -v b="$raw_rate" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')

# The agent on a virtual desktop, uploading to the same server.
agent_report=$(timeout $((2 * BENCH_AGENT_SECONDS + 240)) bench/agent_usage.sh "$base" "$work/data")
agent_figure() {
  awk -v name="$1" '$1 == name { print $2; found = 1 } END { exit !found }' <<<"$agent_report"
}
agent_idle_rss=$(agent_figure agent_idle_rss_mb)
agent_idle_cpu=$(agent_figure agent_idle_cpu_pct)
agent_active_cpu=$(agent_figure agent_active_cpu_pct)
agent_active_rss=$(agent_figure agent_active_rss_mb)

# Screenshots: the agent's capture and encoding on a 1920x1080 desktop, then that picture
# relayed through the same server (one network thread, core 0) from the other core.
screenshot_report=$(timeout 300 bench/screenshot_usage.sh "$work/screenshot.jpg")
screenshot_figure() {
  awk -v name="$1" '$1 == name { print $2; found = 1 } END { exit !found }' <<<"$screenshot_report"
}
screenshot_capture_ms=$(screenshot_figure screenshot_capture_ms)
screenshot_encode_ms=$(screenshot_figure screenshot_encode_ms)
screenshot_bytes=$(screenshot_figure screenshot_bytes)
relay_report=$(timeout 300 taskset -c 1 node bench/relay_load.mjs --origin "$base" \
  --email owner@bench.test --password "$admin_password" --server-pid "${pids[0]}" \
  --jpeg "$work/screenshot.jpg" --viewers 1,50 --devices 2 --seconds "${BENCH_RELAY_SECONDS:-8}")
echo "bench: relay $relay_report" >&2
relay_figure() {
  node -e 'const r = JSON.parse(process.argv[1]).runs.find((run) => run.viewers === Number(process.argv[2]));
    if (!r || r[process.argv[3]] === undefined) process.exit(1); console.log(r[process.argv[3]])' \
    "$relay_report" "$1" "$2"
}
relay_p50_1=$(relay_figure 1 latency_p50_ms)
relay_p99_1=$(relay_figure 1 latency_p99_ms)
relay_p50_50=$(relay_figure 50 latency_p50_ms)
relay_p99_50=$(relay_figure 50 latency_p99_ms)
relay_cpu_per_mb=$(relay_figure 50 server_cpu_ms_per_mb)

cat >"$out/results.json" <<JSON
{
  "http_healthz_rps_per_core": $server_rps,
  "nginx_static_rps_per_core": $nginx_rps,
  "http_healthz_vs_nginx": $ratio,
  "login_argon2_ms": $login_ms,
  "http_version_ms": $version_ms,
  "authz_requests_per_s_per_core": $authz_best,
  "authz_vs_healthz": $authz_ratio,
  "ingest_events_per_s": $ingest_rate,
  "ingest_batch_records": $ingest_batch,
  "sqlite_raw_insert_rows_per_s": $raw_rate,
  "ingest_vs_raw_insert": $ingest_ratio,
  "agent_idle_rss_mb": $agent_idle_rss,
  "agent_idle_cpu_pct": $agent_idle_cpu,
  "agent_active_cpu_pct": $agent_active_cpu,
  "agent_active_rss_mb": $agent_active_rss,
  "screenshot_capture_ms": $screenshot_capture_ms,
  "screenshot_encode_ms": $screenshot_encode_ms,
  "screenshot_bytes": $screenshot_bytes,
  "relay_latency_p50_ms_1_viewer": $relay_p50_1,
  "relay_latency_p99_ms_1_viewer": $relay_p99_1,
  "relay_latency_p50_ms_50_viewers": $relay_p50_50,
  "relay_latency_p99_ms_50_viewers": $relay_p99_50,
  "relay_latency_p50_ms": $relay_p50_50,
  "relay_latency_p99_ms": $relay_p99_50,
  "relay_server_cpu_ms_per_mb": $relay_cpu_per_mb
}
JSON

printf '\n%-32s %12s\n' "benchmark" "value"
printf '%-32s %12s\n' "http_healthz_rps_per_core" "$server_rps"
printf '%-32s %12s\n' "nginx_static_rps_per_core" "$nginx_rps"
printf '%-32s %12s\n' "http_healthz_vs_nginx" "$ratio"
printf '%-32s %12s\n' "login_argon2_ms" "$login_ms"
printf '%-32s %12s\n' "http_version_ms" "$version_ms"
printf '%-32s %12s\n' "authz_requests_per_s_per_core" "$authz_best"
printf '%-32s %12s\n' "authz_vs_healthz" "$authz_ratio"
printf '%-32s %12s\n' "ingest_events_per_s" "$ingest_rate"
printf '%-32s %12s\n' "ingest_batch_records" "$ingest_batch"
printf '%-32s %12s\n' "sqlite_raw_insert_rows_per_s" "$raw_rate"
printf '%-32s %12s\n' "ingest_vs_raw_insert" "$ingest_ratio"
printf '%-32s %12s\n' "agent_idle_rss_mb" "$agent_idle_rss"
printf '%-32s %12s\n' "agent_idle_cpu_pct" "$agent_idle_cpu"
printf '%-32s %12s\n' "agent_active_cpu_pct" "$agent_active_cpu"
printf '%-32s %12s\n' "agent_active_rss_mb" "$agent_active_rss"
printf '%-32s %12s\n' "screenshot_capture_ms" "$screenshot_capture_ms"
printf '%-32s %12s\n' "screenshot_encode_ms" "$screenshot_encode_ms"
printf '%-32s %12s\n' "screenshot_bytes" "$screenshot_bytes"
printf '%-32s %12s\n' "relay_latency_p50_ms_1_viewer" "$relay_p50_1"
printf '%-32s %12s\n' "relay_latency_p99_ms_1_viewer" "$relay_p99_1"
printf '%-32s %12s\n' "relay_latency_p50_ms_50_viewers" "$relay_p50_50"
printf '%-32s %12s\n' "relay_latency_p99_ms_50_viewers" "$relay_p99_50"
printf '%-32s %12s\n' "relay_server_cpu_ms_per_mb" "$relay_cpu_per_mb"
echo
echo "written to $out/results.json"
