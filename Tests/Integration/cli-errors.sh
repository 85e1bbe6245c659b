#!/usr/bin/env bash
# A wrong configuration gives one clear line naming the problem and an exit code other than 0,
# never a stack trace. Usage: cli-errors.sh BIN_DIR. Prints "cli-errors: N passed, M failed".
set -uo pipefail
bin=$1
work="$(mktemp -d "${TMPDIR:-/tmp}/cli-errors.XXXXXX")"
passed=0 failed=0

# expect_error NAME EXPECTED_TEXT COMMAND...
expect_error() {
  local name=$1 expected=$2; shift 2
  local output code
  output="$(timeout 30 "$@" 2>&1)"; code=$?
  local lines
  lines=$(printf '%s\n' "$output" | grep -c . || true)
  if [ "$code" -ne 0 ] && [ "$code" -ne 124 ] && [ "$lines" -eq 1 ] && [[ "$output" == *"$expected"* ]]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL $name: exit $code, $lines line(s): $output" >&2
  fi
}

# expect_usage_error NAME EXPECTED_TEXT COMMAND...: a wrong combination of options: exit 64 and the
# reason on the first line (argument-parser then shows the usage).
expect_usage_error() {
  local name=$1 expected=$2; shift 2
  local output code
  output="$(timeout 30 "$@" 2>&1)"; code=$?
  if [ "$code" -eq 64 ] && [[ "$(head -1 <<<"$output")" == *"$expected"* ]]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL $name: exit $code: $output" >&2
  fi
}

python3 - "$work/port" <<'PY' &
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
time.sleep(60)
PY
holder=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
busy=$(cat "$work/port")
touch "$work/a-file"

expect_error "server: port in use" "port is already in use" \
  "$bin/sync-server" serve --state-dir "$work/s1" --port "$busy" --log-level critical
expect_error "server: state dir is a file" "is not a directory" \
  "$bin/sync-server" serve --state-dir "$work/a-file"
expect_error "server: state dir below a file" "a-file is a file, not a folder" \
  "$bin/sync-server" serve --state-dir "$work/a-file/state"
expect_error "server: bad port in env" 'http.port="eighty"' \
  env SYNC_SERVER_HTTP_PORT=eighty "$bin/sync-server" serve --state-dir "$work/s2"
expect_error "server: missing config file" "configuration file $work/none.json does not exist" \
  "$bin/sync-server" serve --config "$work/none.json"
# A TLS sync server, and the CA of another server that the kit wrongly pins.
tls_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin/sync-server" serve --state-dir "$work/s4" --port "$tls_port" --log-level critical 2>/dev/null &
tls_server=$!
"$bin/sync-server" kits enroll --state-dir "$work/s5" --kit-id kit-other >/dev/null 2>&1
cp "$work/s5/keys/kit-ca.pem" "$work/other-ca.pem"
for _ in $(seq 100); do
  curl -fsS --cacert "$work/s4/keys/kit-ca.pem" "https://127.0.0.1:$tls_port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
expect_error "server: bad tls.enabled" 'tls.enabled="maybe"' \
  env SYNC_SERVER_TLS_ENABLED=maybe "$bin/sync-server" serve --state-dir "$work/s3"
expect_error "agent: enroll over https without the CA" "needs the server's kit CA certificate" \
  "$bin/kit-agent" enroll --state-dir "$work/a6" --server https://127.0.0.1:9 --kit-id kit-x --token t
expect_error "agent: enroll against a server whose CA is not pinned" "TLS handshake failed" \
  "$bin/kit-agent" enroll --state-dir "$work/a7" --server "https://127.0.0.1:$tls_port" --kit-id kit-x --token t \
  --ca-file "$work/other-ca.pem"
kill -TERM "$tls_server"; wait "$tls_server"
expect_error "agent: port in use" "already in use" \
  "$bin/kit-agent" run --state-dir "$work/a1" --server http://127.0.0.1:9 --api-port "$busy" --log-level critical
expect_error "agent: no server configured" "server.url is missing" \
  "$bin/kit-agent" run --state-dir "$work/a2"
expect_error "agent: bad server url" "expected an http:// or https:// URL" \
  "$bin/kit-agent" run --state-dir "$work/a3" --server "ftp://example"
expect_error "agent: bad VPN interface name" "a network interface name such as wg0" \
  env KIT_AGENT_LINK_VPN_INTERFACE="wg0/../eth0" "$bin/kit-agent" run --state-dir "$work/a4" --server http://127.0.0.1:9
expect_error "agent: state dir is a file" "is not a directory" \
  "$bin/kit-agent" run --state-dir "$work/a-file" --server http://127.0.0.1:9
expect_error "status: no agent running" "no kit-agent is running" \
  "$bin/kit-agent" status --state-dir "$work/a4"
expect_usage_error "pay --resolve without a note" "give --note" \
  "$bin/kit-agent" pay --resolve 3 --paid --state-dir "$work/a4"
expect_usage_error "pay --resolve paid and not paid" "exactly one of --paid, --not-paid" \
  "$bin/kit-agent" pay --resolve 3 --paid --not-paid --note x --state-dir "$work/a4"
expect_error "ui: no agent running" "no kit-agent is running" \
  "$bin/kit-agent" ui --state-dir "$work/a4"
expect_error "agent: bad terminal address" "terminal.zvt.address" \
  "$bin/kit-agent" run --state-dir "$work/a6" --server http://127.0.0.1:9 --terminal "terminal:99999"
expect_error "agent: bad terminal password" "six digits" \
  env KIT_AGENT_TERMINAL_ZVT_PASSWORD=12ab "$bin/kit-agent" run --state-dir "$work/a6" --server http://127.0.0.1:9
expect_error "pay: no agent running" "no kit-agent is running" \
  "$bin/kit-agent" pay --case 2026-0042 --state-dir "$work/a4"
# Enrolled with one server, started with another: refused (the queue would still go to the first).
mkdir -p -m 700 "$work/a8/keys"
(umask 077 && printf '{"kitId":"kit-x","apiToken":"t","serverURL":"https://sync.example:8443"}' \
  >"$work/a8/keys/server-api.json")
expect_error "agent: --server is not the enrolled server" "is not the server this kit is enrolled with" \
  "$bin/kit-agent" run --state-dir "$work/a8" --server https://other.example:8443

# Server unreachable: the agent runs (offline work is the point), status says why and exits 3.
api=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin/kit-agent" run --state-dir "$work/a5" --server "http://127.0.0.1:$busy" --api-port "$api" \
  --log-level critical 2>/dev/null &
agent=$!
for _ in $(seq 100); do [ -s "$work/a5/run/local-api.json" ] && break; sleep 0.1; done
output="$("$bin/kit-agent" status --state-dir "$work/a5" 2>&1)"; code=$?
if [ "$code" -eq 3 ] && grep -q "^link .*unreachable" <<<"$output"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1)); echo "FAIL status with unreachable server: exit $code: $output" >&2
fi
# Unlock: a wrong secret is one clear line, counted; the right one works.
echo "Richtiges-Geheimnis" | "$bin/kit-agent" unlock --initialize --state-dir "$work/a5" >/dev/null 2>&1
"$bin/kit-agent" lock --state-dir "$work/a5" >/dev/null 2>&1
expect_error "unlock: wrong secret" "wrong unlock secret (1 failed attempt(s)" \
  sh -c "echo falsches-geheimnis | '$bin/kit-agent' unlock --state-dir '$work/a5'"
expect_error "unlock: initialize twice" "already has an unlock secret" \
  sh -c "echo noch-ein-geheimnis | '$bin/kit-agent' unlock --initialize --state-dir '$work/a5'"
if echo "Richtiges-Geheimnis" | "$bin/kit-agent" unlock --state-dir "$work/a5" >/dev/null 2>&1; then
  passed=$((passed + 1))
else
  failed=$((failed + 1)); echo "FAIL unlock with the right secret" >&2
fi
kill -TERM "$agent"; wait "$agent"
expect_error "queue: no database" "cannot be opened: no such file" \
  "$bin/kit-agent" queue list --state-dir "$work/never-ran"
expect_error "queue: no such seq" "no transaction with seq 7" \
  "$bin/kit-agent" queue show 7 --state-dir "$work/a5"
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
# Hand-off consumers: the key file is checked before anything is stored.
openssl ecparam -name prime256v1 -genkey -noout -out "$work/consumer.pem" 2>/dev/null
printf 'not a key' >"$work/garbage.pem"
expect_usage_error "consumers add: private key given" "holds a PRIVATE key" \
  "$bin/sync-server" consumers add kasse --procedure cash-office --public-key "$work/consumer.pem" --state-dir "$work/h"
expect_usage_error "consumers add: not PEM" "not a PEM public key" \
  "$bin/sync-server" consumers add kasse --procedure cash-office --public-key "$work/garbage.pem" --state-dir "$work/h"
expect_usage_error "consumers add: missing key file" "cannot read the key file" \
  "$bin/sync-server" consumers add kasse --procedure cash-office --public-key "$work/none.pem" --state-dir "$work/h"
expect_usage_error "consumers add: unknown procedure" "invalid for '--procedure" \
  "$bin/sync-server" consumers add kasse --procedure bank --public-key "$work/consumer.pem" --state-dir "$work/h"
expect_error "consumers revoke: unknown" "no active consumer named nobody" \
  "$bin/sync-server" consumers revoke nobody --state-dir "$work/h"
expect_error "consumers backfill: unknown" "no active consumer named nobody" \
  "$bin/sync-server" consumers backfill nobody --state-dir "$work/h"
# Push endpoints: https only (http to loopback), a secret of at least 32 characters.
openssl pkey -in "$work/consumer.pem" -pubout -out "$work/consumer.pub.pem" 2>/dev/null
printf 'short' >"$work/short.secret"
expect_usage_error "consumers add: plain http push URL" "must use https" \
  "$bin/sync-server" consumers add akte --procedure dms --public-key "$work/consumer.pub.pem" \
  --push-url http://dms.example/handoff --state-dir "$work/h"
expect_usage_error "consumers add: push secret too short" "32 to 256 characters" \
  "$bin/sync-server" consumers add akte --procedure dms --public-key "$work/consumer.pub.pem" \
  --push-url https://dms.example/handoff --push-secret-file "$work/short.secret" --state-dir "$work/h"
expect_usage_error "consumers add: push secret without URL" "--push-secret-file needs --push-url" \
  "$bin/sync-server" consumers add akte --procedure dms --public-key "$work/consumer.pub.pem" \
  --push-secret-file "$work/short.secret" --state-dir "$work/h"
expect_error "dossiers redeliver: not dead-lettered" "is not dead-lettered" \
  "$bin/sync-server" dossiers redeliver 0123456789abcdef0123456789abcdef --state-dir "$work/h"
expect_usage_error "kit-sim consumer --listen without secret" "--listen needs --push-secret-file" \
  "$bin/kit-sim" consumer --key "$work/consumer.pem" --server-key "$work/consumer.pub.pem" --procedure dms \
  --listen 127.0.0.1:0
# Dossiers: an unknown id, and a file that is there already, are named.
expect_usage_error "dossiers show: unknown" "no dossier and no case 2026-NONE" \
  "$bin/sync-server" dossiers show 2026-NONE --state-dir "$work/h"
expect_usage_error "dossiers export: unknown" "no dossier 0123456789abcdef" \
  "$bin/sync-server" dossiers export 0123456789abcdef -o "$work/d.tar" --state-dir "$work/h"
expect_usage_error "dossiers export: file exists" "exists already: choose another file name" \
  "$bin/sync-server" dossiers export 0123456789abcdef -o "$work/consumer.pem" --state-dir "$work/h"

# Kit commands name the kit as `kits enroll` does (--kit-id); a missing or doubly named kit is said.
expect_usage_error "kits revoke: no kit" "name the kit: --kit-id KIT" \
  "$bin/sync-server" kits revoke --state-dir "$work/h"
expect_usage_error "kits lost: two kits" "two different kits named: --kit-id kit-a and kit-b" \
  "$bin/sync-server" kits lost --kit-id kit-a kit-b --state-dir "$work/h"
expect_error "kits revoke --kit-id: unknown kit" "kit kit-none is not enrolled" \
  "$bin/sync-server" kits revoke --kit-id kit-none --state-dir "$work/h"

rm -rf "$work"
echo "cli-errors: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
