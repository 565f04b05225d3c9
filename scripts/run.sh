#!/usr/bin/env bash
# Starts the platform from a built tree: the server on http://127.0.0.1:8080 with a demo
# organization, and, when a display is available, an enrolled local agent. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=build/bin
data=${WORKTRACE_DATA:-var}
listen=${WORKTRACE_LISTEN:-127.0.0.1:8080}
url="http://${listen}"
mkdir -p "$data"
chmod 700 "$data"

"$bin/worktrace-server" init --data "$data"

server_pid=""
agent_pid=""
stop() {
  trap - INT TERM EXIT
  echo
  echo "Stopping Worktrace..."
  [[ -n "$agent_pid" ]] && kill -TERM "$agent_pid" 2>/dev/null || true
  [[ -n "$server_pid" ]] && kill -TERM "$server_pid" 2>/dev/null || true
  [[ -n "$agent_pid" ]] && wait "$agent_pid" 2>/dev/null || true
  [[ -n "$server_pid" ]] && wait "$server_pid" 2>/dev/null || true
  echo "Stopped."
}
trap stop INT TERM EXIT

"$bin/worktrace-server" serve --listen "$listen" --data "$data" --web-root web/dist &
server_pid=$!

for _ in $(seq 1 100); do
  if curl -fsS "$url/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "The server did not start (see the messages above)." >&2
    exit 1
  fi
  sleep 0.1
done

if [[ -n "${DISPLAY:-}" ]]; then
  agent_dir="$data/agent"
  if [[ ! -f "$agent_dir/agent.json" ]]; then
    token=$("$bin/worktrace-server" enrollment-token --data "$data")
    "$bin/worktrace-agent" enroll --server "$url" --token "$token" --config-dir "$agent_dir"
  fi
  "$bin/worktrace-agent" run --config-dir "$agent_dir" &
  agent_pid=$!
  agent_note="a local agent is reporting this computer (DISPLAY=$DISPLAY)"
  extension_note="
  Browser tabs: load $PWD/build/extension/chromium as an unpacked extension
  (chrome://extensions, developer mode); it reports to the agent on 127.0.0.1:5600."
else
  agent_note="no DISPLAY: no local agent started"
  extension_note=""
fi

cat <<MSG

  Worktrace is running at $url
  Dashboard: $url/   ($agent_note)
  Sign in with the owner login printed when the organization was created
  (data in $data/; delete it to start over). Press Ctrl-C to stop.$extension_note

MSG
wait "$server_pid"
