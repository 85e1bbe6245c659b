#!/usr/bin/env bash
# Issue #16, acceptance 6: the back office's case list ("Vorgänge") and case page in headless
# Chromium. A server state is seeded with cases in every state by the real ingest, dossier builder,
# confirmations and retention (the Swift seeder CasePagesBrowserSeed), a real sync-server serves
# it over its TLS, and Tests/Integration/case_pages_driver.py logs in, pages, filters, opens a case,
# views a signature, a finger set and a receipt, and checks each page with axe-core (zero
# violations) and each view in the audit trail. Issue #20: then the fleet page's
# "Handlungsbedarf" column and sorting, and the seeded double payment decided on the conflicts
# page (refused without a note, confirmation step, note in the audit trail and on the page).
#
#   Tests/Integration/case-pages.sh BIN_DIR [SCREENSHOT_DIR]
# Prints "case-pages: N passed, M failed". Needs chromium, chromium-driver, selenium and
# selenium-axe-python (scripts/setup), and the test build (swift build --build-tests).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
bin="$(cd "${1:?usage: case-pages.sh BIN_DIR [SCREENSHOT_DIR]}" && pwd)" || exit 2
shots="${2:-$(mktemp -d "${TMPDIR:-/tmp}/case-pages-shots.XXXXXX")}"
cd "$repo" || exit 2
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
use_python_tools
ensure_swift_on_path

passed=0 failed=0 server_pid=""
ok() { passed=$((passed + 1)); echo "case-pages: ok $((passed + failed)): $*"; }
not_ok() { failed=$((failed + 1)); echo "case-pages: FAIL $((passed + failed)): $*"; }
state="$(mktemp -d "${TMPDIR:-/tmp}/case-pages.XXXXXX")"
finish() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi
  echo "case-pages: screenshots in $shots, server log in $state/sync-server.log"
  echo "case-pages: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
trap 'finish; exit $?' EXIT

for tool in chromium chromedriver; do
  command -v "$tool" >/dev/null || { not_ok "$tool is missing (scripts/setup installs it)"; exit 1; }
done
python3 -c "import selenium, selenium_axe_python" 2>/dev/null ||
  { not_ok "selenium or selenium-axe-python is missing (scripts/setup installs them)"; exit 1; }

chmod 700 "$state"
server_state="$state/server"
seed_log="$state/seed.log"
if CASE_PAGES_SEED_STATE="$server_state" swift test --skip-build --disable-xctest \
  --filter CasePagesBrowserSeed >"$seed_log" 2>&1 && grep -qE "Test run with 1 test (in 1 suite )?passed" "$seed_log"; then
  ok "server state seeded: cases in every state, 55 more waiting at the kit"
else
  tail -20 "$seed_log"
  not_ok "seeding the server state (log: $seed_log)"
  exit 1
fi

port="$(free_port)"
"$bin/sync-server" serve --state-dir "$server_state" --port "$port" >"$state/sync-server.log" 2>&1 &
server_pid=$!
url="https://127.0.0.1:$port"
if wait_for "sync-server /healthz" 30 curl -fsS --cacert "$server_state/keys/kit-ca.pem" "$url/healthz"; then
  ok "sync-server serves the seeded state over TLS"
else
  tail -20 "$state/sync-server.log"
  not_ok "sync-server did not come up"
  exit 1
fi

driver_log="$state/driver.log"
python3 "$here/case_pages_driver.py" --url "$url" --token-file "$server_state/keys/admin.token" \
  --ca "$server_state/keys/kit-ca.pem" --shots "$shots" >"$driver_log" 2>&1
while IFS= read -r line; do
  case "$line" in
    "PASS "*) ok "${line#PASS }" ;;
    "FAIL "*) not_ok "${line#FAIL }" ;;
    *) echo "case-pages: $line" ;;
  esac
done <"$driver_log"
grep -qE "^(PASS|FAIL) " "$driver_log" || not_ok "the browser driver reported nothing (log: $driver_log)"

# The opened evidence never reached the disk: nothing in the server's state or log holds a PNG in
# clear (the signature picture exists only sealed in envelopes and dossiers).
if LC_ALL=C grep -rlaF $'\x89PNG\r' "$server_state" "$state/sync-server.log" >/dev/null 2>&1; then
  not_ok "an opened signature picture is in clear in the server's state: $(LC_ALL=C grep -rlaF $'\x89PNG\r' "$server_state")"
else
  ok "no opened evidence in clear in the server's database, files or log"
fi
