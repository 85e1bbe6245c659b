#!/usr/bin/env bash
# shellcheck disable=SC2015  # `a && b || fail` means fail when either fails
# Issue #20, acceptance 7: counter mode in headless Chromium. The kit checks out (the service
# catalogue comes with it), the link to the city network goes down, and at the counter the clerk
# opens two walk-in cases ("Vorsprache") from the catalogue and completes them with the simulated
# devices: one for a citizen as the register knows her, one for the same name and birth date at
# another address. The server returns: the replay creates both cases and applies their steps; the
# second ends as a register_disagrees conflict. axe-core on every screen, zero violations.
#
#   Tests/Integration/counter.sh BIN_DIR [SCREENSHOT_DIR]
# Prints "counter: N passed, M failed". Needs chromium, chromium-driver, selenium (scripts/setup).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
KIT_BIN_DIR="$(cd "${1:?usage: counter.sh BIN_DIR [SCREENSHOT_DIR]}" && pwd)" || exit 2
export KIT_BIN_DIR
shots="${2:-$(mktemp -d "${TMPDIR:-/tmp}/counter-shots.XXXXXX")}"
cd "$repo" || exit 2
# shellcheck source=scripts/lib/kit-rig.sh
source scripts/lib/kit-rig.sh
use_python_tools

BROWSER_CHECK=counter
# shellcheck source=scripts/lib/browser-check.sh
source scripts/lib/browser-check.sh

rig_init || { not_ok "rig_init"; exit 1; }
rig_start_server && rig_import_cases demo/cases.json || { not_ok "sync-server"; exit 1; }
rig_start_devices || { not_ok "simulated devices"; exit 1; }
rig_enroll_kit kit-demo-01 && rig_start_agent && rig_unlock && rig_kit sync >/dev/null ||
  { not_ok "kit enrolled, agent started, cases and catalogue checked out"; exit 1; }
ok "kit enrolled under simulated devices, cases and the service catalogue checked out"

rig_stop_server && rig_wait_link down 20 || { not_ok "the link goes down"; exit 1; }
ok "the link to the city network is down"
url="$(rig_kit ui)" || { not_ok "kit-agent ui"; exit 1; }
rig_kit lock >/dev/null 2>&1 || true

# The citizen of 2026-MZ-0101 as the register knows her (demo/cases.json), her card on the reader.
rig_insert_card_of_case demo/cases.json 2026-MZ-0101 || not_ok "the card on the reader"
walk_in() { # SHOT_FOLDER WHAT [driver options…]; sets walk_in_case
  local folder=$1 what=$2 out
  shift 2
  out="$(python3 "$here/counter_walkin.py" --url "$url" --secret "$RIG_UNLOCK_SECRET" --can "$RIG_CARD_CAN" \
    --shots "$shots/$folder" "$@" 2>&1)"
  local status=$?
  echo "$out" | grep -E "^(counter|clerk-ui): " | grep -vE "screenshot " | sed 's/^clerk-ui: /counter:   /'
  walk_in_case="$(sed -nE 's/^counter: walk-in case ([^ ]+) .*/\1/p' <<<"$out")"
  if [ "$status" -eq 0 ] && [ -n "$walk_in_case" ]; then ok "$what ($walk_in_case)"; else not_ok "$what (screenshots in $shots/$folder)"; fi
}
walk_in agrees "offline walk-in from the catalogue, searched first, completed with the simulated devices" \
  --service meldebescheinigung --given Hildegard --family Beispielfrau --birth 1937-04-02 \
  --address "Kaiserstraße 12|55116|Mainz" --expect-register offline \
  --search "Beispielfrau:2026-MZ-0101" --search "MZ-0102:2026-MZ-0102"
agrees_case=$walk_in_case
walk_in disagrees "offline walk-in whose address the register knows otherwise, completed" \
  --service meldebescheinigung --given Hildegard --family Beispielfrau --birth 1937-04-02 \
  --address "Am Rathaus 1|55116|Mainz" --expect-register offline
disagrees_case=$walk_in_case

rig_start_server && rig_wait_drained 60 || { not_ok "the queue drains when the link returns"; exit 1; }
ok "the link returns and the queue drains by itself"

check_server() { # CASE KIND:OUTCOME...
  local case_id=$1
  shift
  local kinds expected="$*"
  kinds="$(python3 - "$RIG_SERVER_STATE/sync-server.sqlite" "$case_id" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
rows = db.execute("SELECT kind, outcome FROM transactions WHERE case_id = ? ORDER BY seq", (sys.argv[2],)).fetchall()
opened = db.execute("SELECT open FROM cases WHERE case_id = ?", (sys.argv[2],)).fetchone()
print(" ".join(f"{kind}:{outcome}" for kind, outcome in rows) + (" case:closed" if opened and not opened[0] else " case:open" if opened else " case:missing"))
PY
)"
  if [ "$kinds" = "$expected" ]; then ok "server holds $case_id: $expected"; else not_ok "server holds for $case_id: '$kinds', expected '$expected'"; fi
}
steps="identity.checked:applied payment.intent:applied payment.outcome:applied case.completed:applied case:closed"
# shellcheck disable=SC2086  # the step list is words on purpose
[ -n "${agrees_case:-}" ] && check_server "$agrees_case" case.opened:applied $steps || not_ok "no first walk-in case"
# shellcheck disable=SC2086
[ -n "${disagrees_case:-}" ] && check_server "$disagrees_case" case.opened:conflict $steps || not_ok "no second walk-in case"
conflicts="$(rig_server conflicts list 2>&1)"
if grep -F "${disagrees_case:-none}" <<<"$conflicts" | grep -q register_disagrees &&
  ! grep -qF "${agrees_case:-none}" <<<"$conflicts"; then
  ok "the back office sees one register_disagrees conflict, for the second walk-in only"
else
  not_ok "conflicts on the server: $conflicts"
fi
