#!/usr/bin/env bash
# The sync server under a connection flood and out of descriptors. Usage: connection-flood.sh BIN_DIR
#
# 1. 5,000 connections that never start TLS and 5,000 that send their header one byte per second
#    (connection_flood.py): all are closed by the configured timeouts (8 s here), an authenticated
#    request succeeds meanwhile, and the server's VmRSS returns to within 20 % of its idle value.
#    TLS 1.3 with openssl s_client: ChaCha20 alone or preferred is refused, AES-GCM is negotiated.
# 2. The server with `ulimit -n 256` and 600 connections held open: it keeps running (refusing
#    what exceeds its connection ceiling) and answers again once the connections close; and a
#    server whose limit is lowered to 150 while it runs (prlimit), so that accept really fails
#    with EMFILE: it keeps running and answers again once the connections close.
# Prints "connection-flood: N passed, M failed"; about a minute on two busy cores with a debug build.
set -uo pipefail
bin=$1
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/connection-flood.XXXXXX")"
passed=0 failed=0
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
result() {  # result NAME OK [DETAIL]
  if [ "$2" = 0 ]; then passed=$((passed + 1)); echo "connection-flood: ok $1${3:+: $3}"
  else failed=$((failed + 1)); echo "connection-flood: FAIL $1${3:+: $3}"; fi
}
wait_healthy() {  # wait_healthy PORT STATE_DIR
  for _ in $(seq 100); do
    if [ -s "$2/keys/kit-ca.pem" ] && curl -sf --cacert "$2/keys/kit-ca.pem" "https://localhost:$1/healthz" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# 1. The flood.
port=$(free_port)
MALLOC_ARENA_MAX=2 SYNC_SERVER_HTTP_HEADER_TIMEOUT=8 SYNC_SERVER_TLS_HANDSHAKE_TIMEOUT=8 \
  SYNC_SERVER_HTTP_IDLE_TIMEOUT=5 SYNC_SERVER_HTTP_MAX_CONNECTIONS=15000 \
  SYNC_SERVER_HTTP_MAX_CONNECTIONS_PER_ADDRESS=15000 SYNC_SERVER_MEMORY_TRIM_INTERVAL=2 \
  "$bin/sync-server" serve --state-dir "$work/s1" --port "$port" --log-level error >"$work/s1.log" 2>&1 &
server=$!
if wait_healthy "$port" "$work/s1"; then
  python3 "$here/connection_flood.py" "$port" "$server" "$work/s1/keys/kit-ca.pem" \
    "$(cat "$work/s1/keys/admin.token")" 5000 5000 8 >"$work/flood.out" 2>&1
  cat "$work/flood.out"
  passed=$((passed + $(grep -c "^connection-flood: ok" "$work/flood.out")))
  failed=$((failed + $(grep -c "^connection-flood: FAIL" "$work/flood.out")))
  grep -q "^connection-flood: ok resident" "$work/flood.out" || grep -q "FAIL" "$work/flood.out" ||
    { failed=$((failed + 1)); echo "connection-flood: FAIL flood script ended early:"; tail -5 "$work/flood.out"; }
  kill -0 "$server" 2>/dev/null; result "server alive after the flood" $?
  # TLS 1.3 suites (BSI TR-02102-2): ChaCha20 alone or preferred is refused; AES-GCM is used.
  tls13() { timeout 10 openssl s_client -connect "127.0.0.1:$port" -tls1_3 -ciphersuites "$1" \
    -CAfile "$work/s1/keys/kit-ca.pem" </dev/null 2>&1; }
  # (openssl fails when refused: its output is kept before grep looks at it, because of pipefail.)
  out="$(tls13 TLS_CHACHA20_POLY1305_SHA256)"
  grep -q "alert handshake failure" <<<"$out"; result "TLS 1.3 client offering only ChaCha20 refused" $?
  out="$(tls13 TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256)"
  grep -q "alert handshake failure" <<<"$out"; result "TLS 1.3 client preferring ChaCha20 refused" $?
  out="$(tls13 TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256)"
  grep -q "Cipher is TLS_AES_256_GCM_SHA384" <<<"$out"
  result "TLS 1.3 client offering AES-GCM first gets AES-GCM" $?
else
  result "server starts" 1 "$(tail -3 "$work/s1.log")"
fi
kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; server=""

# 2. Out of descriptors: `hold PORT COUNT SECONDS` opens COUNT connections and holds them.
hold() {
  python3 - "$@" <<'PY'
import socket, sys, time
held = []
for _ in range(int(sys.argv[2])):
    try:
        held.append(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2))
    except OSError:
        pass
time.sleep(float(sys.argv[3]))
PY
}
healthy() { curl -sf --max-time 5 --cacert "$2/keys/kit-ca.pem" "https://localhost:$1/healthz" >/dev/null; }
# 2a. Started with `ulimit -n 256`: the connection limit is lowered below it, what exceeds is refused.
port=$(free_port)
(ulimit -n 256 && exec "$bin/sync-server" serve --state-dir "$work/s2" --port "$port" --log-level warning) \
  >"$work/s2.log" 2>&1 &
server=$!
if wait_healthy "$port" "$work/s2"; then
  hold "$port" 600 3 & holder=$!
  sleep 2
  kill -0 "$server" 2>/dev/null; result "server alive with 600 connections against ulimit -n 256" $?
  wait "$holder"; sleep 1
  healthy "$port" "$work/s2"
  result "server answers again once the connections are closed" $? "$(grep -m1 "lowered" "$work/s2.log" | cut -c1-160)"
else
  result "server starts with ulimit -n 256" 1 "$(tail -3 "$work/s2.log")"
fi
kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; server=""
# 2b. The open-file limit lowered under the running server (prlimit) to 150: accept fails with
#     EMFILE for real; the server keeps running and answers once descriptors are free again.
port=$(free_port)
"$bin/sync-server" serve --state-dir "$work/s3" --port "$port" --log-level warning >"$work/s3.log" 2>&1 &
server=$!
if wait_healthy "$port" "$work/s3" && prlimit --pid "$server" --nofile=150:150; then
  hold "$port" 400 3 & holder=$!
  sleep 2
  descriptors=$(find "/proc/$server/fd" -mindepth 1 2>/dev/null | wc -l)
  kill -0 "$server" 2>/dev/null; result "server alive with every descriptor in use (accept: EMFILE)" $? "$descriptors of 150"
  wait "$holder"; sleep 1
  healthy "$port" "$work/s3"; result "server answers again once descriptors are free" $?
else
  result "server starts and its open-file limit can be lowered" 1 "$(tail -3 "$work/s3.log")"
fi
echo "connection-flood: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
