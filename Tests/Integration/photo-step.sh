#!/usr/bin/env bash
# shellcheck disable=SC2015,SC2119  # `a && b || fail` means fail when either fails; rig defaults on purpose
# Issue #22, acceptance 3: the clerk page's photo step in headless Chromium with the camera
# simulator. `kit-sim camera` serves the committed public-domain portrait as the kit's camera; the
# agent reads it through GStreamer; the page shows a traffic light per check, the clerk takes the
# photo and completes the visit; every screen is checked with axe-core. Then the server must hold
# photo.captured applied.
#
#   Tests/Integration/photo-step.sh BIN_DIR [SCREENSHOT_DIR]
# Prints "photo-step: N passed, M failed". Needs chromium, chromium-driver, selenium, GStreamer.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
KIT_BIN_DIR="$(cd "${1:?usage: photo-step.sh BIN_DIR [SCREENSHOT_DIR]}" && pwd)" || exit 2
export KIT_BIN_DIR
shots="${2:-$(mktemp -d "${TMPDIR:-/tmp}/photo-step-shots.XXXXXX")}"
cd "$repo" || exit 2
# shellcheck source=scripts/lib/kit-rig.sh
source scripts/lib/kit-rig.sh
use_python_tools

passed=0 failed=0 camera_pid=""
ok() { passed=$((passed + 1)); echo "photo-step: ok $((passed + failed)): $*"; }
not_ok() { failed=$((failed + 1)); echo "photo-step: FAIL $((passed + failed)): $*"; }
finish() {
  rig_stop_all >/dev/null 2>&1 || true
  if [ -n "$camera_pid" ]; then kill "$camera_pid" 2>/dev/null; wait "$camera_pid" 2>/dev/null; fi
  echo "photo-step: screenshots in $shots"
  echo "photo-step: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
trap 'finish; exit $?' EXIT

for tool in chromium chromedriver gst-inspect-1.0; do
  command -v "$tool" >/dev/null || { not_ok "$tool is missing (scripts/setup installs it)"; exit 1; }
done
python3 -c "import selenium, selenium_axe_python" 2>/dev/null || { not_ok "selenium or selenium-axe-python is missing (scripts/setup installs them)"; exit 1; }

rig_init || { not_ok "rig_init"; exit 1; }
"$RIG_BIN/kit-sim" camera --image Tests/KitDriversTests/Camera/Fixtures/portrait.png >"$RIG_STATE/camera.log" 2>&1 &
camera_pid=$!
wait_for "kit-sim camera" 15 grep -q "^camera source: " "$RIG_STATE/camera.log" || { not_ok "kit-sim camera"; exit 1; }
KIT_AGENT_CAMERA_SOURCE="$(sed -n 's/^camera source: //p' "$RIG_STATE/camera.log")"
export KIT_AGENT_CAMERA_SOURCE
ok "kit-sim camera serves the portrait: $KIT_AGENT_CAMERA_SOURCE"

rig_start_server && rig_import_cases "$here/photo-step-cases.json" || { not_ok "sync-server"; exit 1; }
rig_enroll_kit kit-photo-01 && rig_start_agent --plain && rig_unlock && rig_kit sync >/dev/null ||
  { not_ok "kit enrolled, agent started, case checked out"; exit 1; }
ok "kit enrolled with the simulated camera, the photo visit checked out"

url="$(rig_kit ui)" || { not_ok "kit-agent ui"; exit 1; }
rig_kit lock >/dev/null 2>&1 || true
if python3 "$here/photo_step_driver.py" --url "$url" --secret "$RIG_UNLOCK_SECRET" --case 2026-MZ-0301 \
  --can 000000 --shots "$shots"; then
  ok "2026-MZ-0301: photo taken in the clerk UI with green lights, visit completed ($(find "$shots" -name '*.png' | wc -l) screenshots)"
else
  not_ok "2026-MZ-0301 in the clerk UI (screenshots in $shots)"
fi

rig_wait_drained 60 || not_ok "the queue drains"
kinds="$(python3 - "$RIG_SERVER_STATE/sync-server.sqlite" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
rows = db.execute("SELECT kind, outcome FROM transactions WHERE case_id = '2026-MZ-0301' ORDER BY seq").fetchall()
print(" ".join(f"{kind}:{outcome}" for kind, outcome in rows))
PY
)"
if [ "$kinds" = "photo.captured:applied case.completed:applied" ]; then
  ok "server holds 2026-MZ-0301: photo.captured, case.completed"
else
  not_ok "server holds for 2026-MZ-0301: '$kinds'"
fi
