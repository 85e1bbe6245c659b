#!/usr/bin/env bash
# Checks the systemd units in packaging/systemd: they parse (`systemd-analyze verify`, with
# ExecStart pointed at the built binaries) and their hardening keeps systemd's exposure score at
# or below 2.5 of 10 (`systemd-analyze security --offline`). Usage: packaging.sh BIN_DIR
set -uo pipefail
bin="$1"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "packaging: systemd-analyze not installed; units not checked"
  echo "packaging: 0 passed"
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
for unit in "$root"/packaging/systemd/*.service; do
  name="$(basename "$unit")"
  sed "s#/usr/local/bin/#$bin/#" "$unit" >"$work/$name"
  if out="$(SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "$work/$name" 2>&1)" && [ -z "$out" ]; then
    passed=$((passed + 1))
  else
    echo "packaging: $name does not verify:"; echo "$out"
    failed=$((failed + 1))
  fi
  score="$(systemd-analyze security --offline=yes "$work/$name" 2>/dev/null | sed -nE 's/.*Overall exposure level for .*: ([0-9.]+).*/\1/p')"
  if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.5) }'; then
    echo "packaging: $name verifies; exposure $score"
    passed=$((passed + 1))
  else
    echo "packaging: $name exposure ${score:-unknown} is above 2.5"
    failed=$((failed + 1))
  fi
done
echo "packaging: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
