#!/usr/bin/env bash
# Issue #17, acceptance 3: the independent verifier (tools/verify-audit/verify_audit.py, Python
# `cryptography` only) accepts a real audit export and rejects a removed transaction, two swapped
# transactions, one changed byte and a forged entry in the server's audit trail. The server state
# is made by the real sync path (the Swift seeder AuditExportSeedTests: two clerks, a conflict,
# a lost kit that wiped itself); the export by the real `sync-server audit export`.
#
#   Tests/Integration/audit-verify.sh BIN_DIR
# Prints "audit-verify: N passed, M failed".
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
bin="$(cd "${1:?usage: audit-verify.sh BIN_DIR}" && pwd)" || exit 2
cd "$repo" || exit 2
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
use_python_tools
ensure_swift_on_path

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "audit-verify: ok $((passed + failed)): $*"; }
not_ok() { failed=$((failed + 1)); echo "audit-verify: FAIL $((passed + failed)): $*"; }
work="$(mktemp -d "${TMPDIR:-/tmp}/audit-verify.XXXXXX")"
chmod 700 "$work"
trap 'echo "audit-verify: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?' EXIT
verifier=tools/verify-audit/verify_audit.py

if AUDIT_SEED_STATE="$work/server" swift test --skip-build --disable-xctest --filter AuditExportSeedTests \
  >"$work/seed.log" 2>&1 && grep -qE "Test run with 1 test (in 1 suite )?passed" "$work/seed.log"; then
  ok "server state seeded by the real sync path (two clerks, a conflict, a wiped kit)"
else
  tail -20 "$work/seed.log"
  not_ok "seeding the server state (log: $work/seed.log)"
  exit 1
fi

if "$bin/sync-server" audit export --state-dir "$work/server" --kit kit-07 --out "$work/export.json" \
  >"$work/export.log" 2>&1 && [ -s "$work/export.json.sig" ]; then
  ok "sync-server audit export wrote the export and its signature"
else
  cat "$work/export.log"
  not_ok "sync-server audit export"
  exit 1
fi
key="$work/server/keys/audit-signing-key.pub.pem"

report="$(python3 "$verifier" "$work/export.json" "$key")"
code=$?
if [ "$code" -eq 0 ] && grep -q "ERGEBNIS: IN ORDNUNG" <<<"$report" &&
  grep -q "Transaktionen des Koffers geprüft:    7" <<<"$report" &&
  grep -q "Erfasst von:          Anna Schmidt (anna.schmidt), Ben Yılmaz (ben.yilmaz)" <<<"$report" &&
  grep -q "Koffer gelöscht:" <<<"$report"; then
  ok "the real export is accepted; the report names the clerks and the wipe"
  echo "$report" | sed 's/^/    /'
else
  echo "$report"
  not_ok "the real export was not accepted (exit $code)"
fi

if "$bin/sync-server" audit export --state-dir "$work/server" --kit kit-07 --out "$work/window.json" \
  --from 2000-01-01T00:00:00Z --to 2999-01-01T00:00:00Z >/dev/null 2>&1 &&
  python3 "$verifier" "$work/window.json" "$key" >/dev/null; then
  ok "an export with --from/--to is accepted too"
else
  not_ok "the export with --from/--to"
fi

mkdir -p "$work/tampered"
python3 "$here/audit_tamper.py" "$work/export.json" "$work/server/keys/audit-signing-key.pem" "$work/tampered" ||
  { not_ok "making the tampered copies"; exit 1; }

expect_rejected() {
  local name=$1 finding=$2 what=$3 out code
  out="$(python3 "$verifier" "$work/tampered/$name.json" "$key")"
  code=$?
  if [ "$code" -eq 1 ] && grep -q "ERGEBNIS: NICHT IN ORDNUNG" <<<"$out" && grep -qF -- "$finding" <<<"$out"; then
    ok "$what is rejected: $(grep -F -- "$finding" <<<"$out" | head -1 | sed 's/^ *- //')"
  else
    echo "$out"
    not_ok "$what was not rejected as expected (exit $code, looked for: $finding)"
  fi
}
expect_rejected removed "fehlen 1 Transaktion(en)" "a removed transaction (export signed again)"
expect_rejected swapped "an falscher Stelle" "two swapped transactions (export signed again)"
expect_rejected byte "die Signatur des Koffers ist ungültig" "one changed byte in an envelope (export signed again)"
expect_rejected forged-audit "Inhalt passt nicht zu seinem Kettenwert" "a forged audit-trail entry (export signed again)"
expect_rejected truncated "der Nachweis ist beschädigt" "hostile envelopes (cut, extended, emptied; signed again)"
expect_rejected unsigned-byte "Signatur des Servers über den Export ist ungültig" "one changed byte, signature kept"

out="$(python3 "$verifier" "$work/export.json" "$work/server/keys/dossier-signing-key.pub.pem")"
if [ $? -eq 1 ] && grep -q "Signatur des Servers über den Export ist ungültig" <<<"$out"; then
  ok "another server key is not taken for the audit key"
else
  not_ok "the export was accepted under another key"
fi
