# shellcheck shell=bash
# Shared by the Chromium checks on the clerk page (Tests/Integration/clerk-ui.sh, counter.sh):
# numbered "NAME: ok N: …" / "NAME: FAIL N: …" lines, the closing count with the screenshot folder,
# the rig stopped on exit, and the browser tools they need. Source scripts/lib/kit-rig.sh first,
# set BROWSER_CHECK (e.g. "counter") and shots (the screenshot folder), then source this file.
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "$BROWSER_CHECK: ok $((passed + failed)): $*"; }
not_ok() { failed=$((failed + 1)); echo "$BROWSER_CHECK: FAIL $((passed + failed)): $*"; }
finish() {
  rig_stop_all >/dev/null 2>&1 || true
  echo "$BROWSER_CHECK: screenshots in $shots"
  echo "$BROWSER_CHECK: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
trap 'finish; exit $?' EXIT

for tool in chromium chromedriver; do
  command -v "$tool" >/dev/null || { not_ok "$tool is missing (scripts/setup installs it)"; exit 1; }
done
python3 -c "import selenium, selenium_axe_python" 2>/dev/null ||
  { not_ok "selenium or selenium-axe-python is missing (scripts/setup installs them)"; exit 1; }
