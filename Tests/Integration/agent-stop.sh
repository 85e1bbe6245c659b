#!/usr/bin/env bash
# Issue #19 (clean shutdown), found by the soak: systemd stops the agent while the kit's link is a
# black hole — the server's port accepts connections and never answers (a VPN whose far end is gone,
# a captive portal). A sync is on the way (the clerk pressed "sync"). Before, the agent waited for
# the local API's open request and then for its HTTP client's connections: 17.7 s after SIGTERM,
# against systemd's stop timeout of 20 s. Now the sync's requests are cut at the stop and the
# client's closing is bounded.
#   1. kit-agent exits within 5 s of SIGTERM, with code 0, and removes its endpoint file;
#   2. the step recorded before is still queued after a restart (nothing lost), and reaches the
#      server once it answers again.
# Usage: agent-stop.sh BIN_DIR   Prints "agent-stop: N passed, M failed".
set -uo pipefail
export KIT_BIN_DIR
KIT_BIN_DIR=$(cd "$1" && pwd)
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/lib/kit-rig.sh
source "$root/scripts/lib/kit-rig.sh"
CHECK_PREFIX=agent-stop
# shellcheck source=scripts/lib/checks.sh
source "$root/scripts/lib/checks.sh"
use_python_tools

rig_init >/dev/null || { failed=1; finish; }
hole=""
trap '[ -z "$hole" ] || { kill "$hole"; wait "$hole"; } 2>/dev/null; rig_stop_all' EXIT
rig_start_server && rig_import_cases "$root/demo/cases.json" || { failed=1; finish; }
rig_enroll_kit kit-demo-01 && rig_start_agent --plain && rig_unlock && rig_kit sync >/dev/null ||
  { failed=1; finish; }

# The server goes; a black hole takes its port: every connection is accepted, nothing is answered.
rig_stop_server
python3 -c '
import socket, sys
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", int(sys.argv[1])))
listener.listen(64)
held = []
while True:
    held.append(listener.accept()[0])
' "$RIG_SERVER_PORT" &
hole=$!
wait_for "the black hole" 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$RIG_SERVER_PORT"
rig_kit identity --case 2026-MZ-0103 --override-reason "Reisepass geprüft (Soak)" >/dev/null 2>&1
last=$(rig_queue_count last)
check "a step recorded while the link is a black hole (seq $last)" test "$(rig_queue_count pending)" -ge 1 -a "$last" -ge 1
# A sync on the way (the clerk pressed "sync"): its request hangs in the TLS handshake.
rig_kit sync >/dev/null 2>&1 &
syncing=$!
sleep 2

pid=$RIG_AGENT_PID
sent=$(date +%s%N)
kill -TERM "$pid"
rig__stop "${RIG__AGENT_WRAPPERS[$RIG_AGENT_STATE]}" kit-agent NONE 30
code=$?
took_ms=$((($(date +%s%N) - sent) / 1000000))
unset "RIG__AGENT_WRAPPERS[$RIG_AGENT_STATE]"
echo "agent-stop: kit-agent exited ${took_ms} ms after SIGTERM with a sync hanging on a black hole (code $code)"
check "kit-agent exits within 5 s of SIGTERM while a sync hangs (took ${took_ms} ms)" test "$took_ms" -lt 5000
check "kit-agent exits with code 0" test "$code" -eq 0
check "kit-agent removed its endpoint file" test ! -e "$RIG_AGENT_STATE/run/local-api.json"
wait "$syncing" 2>/dev/null

# The server is back: the step queued before the stop arrives, once.
kill "$hole" && wait "$hole" 2>/dev/null
hole=""
rig_start_server && rig_start_agent --plain && rig_unlock || { failed=$((failed + 1)); finish; }
check "the queued step survived the stop and drains when the server answers" rig_wait_drained 60
check "the server holds it once (last seq $last, no new local write)" \
  bash -c "[ $(rig_queue_count last) -eq $last ] && '$RIG_BIN/sync-server' kits list --state-dir '$RIG_SERVER_STATE' | grep -qE 'kit-demo-01 .*last seq $last\b'"
finish
