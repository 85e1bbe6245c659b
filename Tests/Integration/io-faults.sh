#!/usr/bin/env bash
# shellcheck disable=SC2015  # `a && b || fail` means fail when either fails
# Issue #19, acceptance 3: a disk that fails fsync with EIO, on the kit and on the server. The
# agent and the sync server run with the fsync probe (Tests/FsyncProbe, LD_PRELOAD), which fails
# every fsync/fdatasync while a flag file exists.
# - Kit: a step recorded while the kit's disk fails is refused ("nichts gespeichert"), the queue is
#   unchanged; recorded again once the disk works, it gets the next seq (no gap, no double).
# - Server: while the server's disk fails, the kit's batch is not answered as applied: the server
#   holds none of it and the kit keeps it queued; once the disk works, the queue drains by itself
#   and the server holds the step exactly once.
#
#   Tests/Integration/io-faults.sh BIN_DIR
# Prints "io-faults: N passed, M failed".
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
KIT_BIN_DIR="$(cd "${1:?usage: io-faults.sh BIN_DIR}" && pwd)" || exit 2
export KIT_BIN_DIR
cd "$repo" || exit 2
# shellcheck source=scripts/lib/kit-rig.sh
source scripts/lib/kit-rig.sh
use_python_tools

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "io-faults: ok $((passed + failed)): $*"; }
not_ok() { failed=$((failed + 1)); echo "io-faults: FAIL $((passed + failed)): $*"; }
finish() {
  rig_stop_all >/dev/null 2>&1 || true
  echo "io-faults: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
trap 'finish; exit $?' EXIT

rig_init || { not_ok "rig_init"; exit 1; }
probe="$RIG_BIN/libKitFsyncProbe.so"
[ -f "$probe" ] || { not_ok "$probe is missing: swift build --build-tests builds it"; exit 1; }
kit_disk_fails="$RIG_STATE/kit-disk-fails"
server_disk_fails="$RIG_STATE/server-disk-fails"

LD_PRELOAD="$probe" KIT_FSYNC_PROBE_FAIL_FILE="$server_disk_fails" rig_start_server &&
  rig_import_cases "$here/io-faults-cases.json" || { not_ok "sync-server under the fsync probe"; exit 1; }
rig_enroll_kit kit-demo-01 &&
  LD_PRELOAD="$probe" KIT_FSYNC_PROBE_FAIL_FILE="$kit_disk_fails" rig_start_agent --plain &&
  rig_unlock && rig_kit sync >/dev/null || { not_ok "kit enrolled, agent under the fsync probe, cases checked out"; exit 1; }
ok "server and agent run under the fsync probe; cases checked out"

server_rows() { # CASE KIND: "applied-count total-count" of that step on the server
  python3 - "$RIG_SERVER_STATE/sync-server.sqlite" "$1" "$2" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
rows = db.execute("SELECT outcome FROM transactions WHERE case_id = ? AND kind = ?", (sys.argv[2], sys.argv[3])).fetchall()
print(sum(1 for (outcome,) in rows if outcome == "applied"), len(rows))
PY
}

# The server's disk fails from now on; the kit's first.
touch "$server_disk_fails" "$kit_disk_fails"
before="$(rig_queue_count last)"
out="$(rig_kit step --case 2026-MZ-0901 --kind document.handed-out 2>&1)"
status=$?
after="$(rig_queue_count last)"
if [ "$status" -ne 0 ] && grep -q "nichts gespeichert" <<<"$out" && [ "$after" = "$before" ]; then
  ok "the kit's disk fails: the step is refused ('nichts gespeichert'), last seq stays $before"
else
  not_ok "the kit's disk fails: exit $status, last seq $before → $after, said: $out"
fi

rm -f "$kit_disk_fails"
out="$(rig_kit step --case 2026-MZ-0901 --kind document.handed-out 2>&1)"
status=$?
if [ "$status" -eq 0 ] && [ "$(rig_queue_count last)" = "$((before + 1))" ]; then
  ok "the kit's disk works again: the step is recorded as seq $((before + 1)) (no gap, no double)"
else
  not_ok "the step after the kit's disk recovered: $out (last seq $(rig_queue_count last), expected $((before + 1)))"
fi

# The agent sends at once (the link is up); the server cannot commit.
sleep 8
read -r applied total <<<"$(server_rows 2026-MZ-0901 document.handed-out)"
depth="$(rig__stats_field queueDepth)"
if [ "$total" = 0 ] && [ "$depth" -ge 1 ]; then
  ok "the server's disk fails: it holds none of the step, the kit keeps it queued ($depth waiting)"
else
  not_ok "the server's disk fails: server rows applied=$applied total=$total, kit queue $depth"
fi
if grep -q "the store could not commit a batch; nothing of it was applied" "$RIG_STATE/sync-server.log" &&
  grep -q "HTTP 503" "$RIG_STATE/agent-kit-demo-01.log"; then
  ok "the server logged the failed commit for IT and answered 503 (come back later), not 'applied'"
else
  not_ok "no failed-commit error in the server log or no 503 seen by the kit (logs in $RIG_STATE)"
fi

rm -f "$server_disk_fails"
if rig_wait_drained 90; then
  read -r applied total <<<"$(server_rows 2026-MZ-0901 document.handed-out)"
  if [ "$applied" = 1 ] && [ "$total" = 1 ]; then
    ok "the server's disk works again: the queue drains by itself, the server holds the step once"
  else
    not_ok "after the server's disk recovered: applied=$applied total=$total (expected 1 1)"
  fi
else
  not_ok "the queue did not drain after the server's disk recovered (see $RIG_STATE/sync-server.log)"
fi

integrity="$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' \
  "$RIG_SERVER_STATE/sync-server.sqlite")"
[ "$integrity" = ok ] && ok "the server's database is intact" || not_ok "server integrity_check: $integrity"
