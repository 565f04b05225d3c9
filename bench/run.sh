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
# Each wrk run is bounded: BENCH_SECONDS (default 5) per measurement, 3 rounds, best kept.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${BENCH_SECONDS:-5}
rounds=${BENCH_ROUNDS:-3}
connections=${BENCH_CONNECTIONS:-32}
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
  build/bin/worktrace-server init --data "$work/data" >/dev/null
taskset -c 0 build/bin/worktrace-server serve --listen "127.0.0.1:$port" --data "$work/data" \
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

cat >"$out/results.json" <<JSON
{
  "http_healthz_rps_per_core": $server_rps,
  "nginx_static_rps_per_core": $nginx_rps,
  "http_healthz_vs_nginx": $ratio,
  "login_argon2_ms": $login_ms,
  "http_version_ms": $version_ms,
  "authz_requests_per_s_per_core": $authz_best,
  "authz_vs_healthz": $authz_ratio
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
echo
echo "written to $out/results.json"
