#!/usr/bin/env bash
# Issue #16, acceptance 1: SIGKILL of the real sync-server process in the hand-off's two windows, on
# both stores (embedded SQLite and a PostgreSQL 15 cluster of the test's own).
#
# 1. Between the applied case.completed and its dossier: the kit's completions are ingested, the
#    server is killed before any builder ran (maintenance every hour, no consumer asked yet) — the
#    hand-off records are in the database, unbuilt. After the restart every dossier is built once.
# 2. Between a delivery and its acknowledgement: the procedure fetches and verifies every dossier
#    without confirming (kit-sim consumer --dry-run), the server is killed, restarted: the same ids
#    with the same bytes are delivered again, then confirmed.
# 3. Kills at random moments while a kit replays 20 completions: afterwards exactly one dossier per
#    case and consumer, none lost, all confirmed.
#
# Usage: handoff-crash.sh BIN_DIR [sqlite] [postgresql]   Prints "handoff-crash: N passed, M failed".
set -uo pipefail
bin=$(cd "$1" && pwd)
shift
backends=("$@")
[ ${#backends[@]} -gt 0 ] || backends=(sqlite postgresql)
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"
CHECK_PREFIX=handoff-crash
# shellcheck source=scripts/lib/checks.sh
source "$root/scripts/lib/checks.sh"

work="$(mktemp -d "${TMPDIR:-/tmp}/kit-handoff-crash.XXXXXX")"
chmod 755 "$work"
server_pid="" agent_pid="" pg_pid=""
cleanup() {
  for pid in $agent_pid $server_pid; do kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  if [ -n "$pg_pid" ]; then kill -INT "$pg_pid" 2>/dev/null; wait "$pg_pid" 2>/dev/null; fi
}
trap cleanup EXIT

port=$((18000 + $$ % 1000)) api_port=$((19000 + $$ % 1000)) pg_port=$((20000 + $$ % 1000))
url="https://127.0.0.1:$port"
pg_bin=/usr/lib/postgresql/15/bin

start_postgres() {  # a cluster of this test's own, trust authentication on loopback
  local data="$work/pg/data"
  mkdir -p "$work/pg" && chown postgres "$work/pg"
  local as_postgres=()
  [ "$(id -u)" -ne 0 ] || as_postgres=(setpriv --reuid postgres --regid postgres --init-groups)
  "${as_postgres[@]}" "$pg_bin/initdb" -D "$data" -A trust -U postgres --no-sync >"$work/pg/initdb.log" 2>&1 ||
    return 1
  # Started directly (setpriv execs postgres), so that SIGINT at the end reaches the postmaster.
  "${as_postgres[@]}" "$pg_bin/postgres" -D "$data" -p "$pg_port" -k "$work/pg" -c listen_addresses=127.0.0.1 \
    -c fsync=off >"$work/pg/postgres.log" 2>&1 &
  pg_pid=$!
  wait_for "PostgreSQL" 30 "$pg_bin/pg_isready" -h 127.0.0.1 -p "$pg_port"
}

sql() {  # sql QUERY: one value per line from the server's store
  if [ "$backend" = sqlite ]; then
    python3 - "$state/sync-server.sqlite" "$1" <<'PY'
import sqlite3, sys
for row in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]):
    print("|".join("" if v is None else str(v) for v in row))
PY
  else
    psql -h 127.0.0.1 -p "$pg_port" -U postgres -d "$database" -At -c "$1"
  fi
}

start_server() {
  "$bin/sync-server" serve --state-dir "$state" --host 127.0.0.1 --port "$port" --log-level info \
    2>>"$work/$backend-sync-server.log" &
  server_pid=$!
  wait_for "sync-server" 30 curl -fsS --cacert "$state/keys/kit-ca.pem" "$url/healthz"
}
kill_server() {  # SIGKILL: no graceful shutdown, no flush
  kill -KILL "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; server_pid=""
}
kit() { "$bin/kit-agent" "$@" --state-dir "$work/$backend-agent"; }
depth() {
  kit queue stats --json | python3 -c 'import json,sys; s=json.load(sys.stdin)["byState"]; print(s.get("pending",0)+s.get("sent",0))'
}
queue_empty() { [ "$(depth)" = 0 ]; }
nothing_parked() {
  kit queue stats --json | python3 -c 'import json,sys; s=json.load(sys.stdin)["byState"]; sys.exit(0 if s.get("parked",0)==0 else 1)'
}
all_built() { [ "$(sql "SELECT COUNT(*) FROM handoff_dossiers WHERE built_at IS NULL")" = 0 ]; }
feed_hashes() {  # id sha256-of-the-bytes-delivered, for every dossier in the consumer's feed
  local token=$1 id
  curl -fsS --cacert "$state/keys/kit-ca.pem" -H "Authorization: Bearer $token" \
    "$url/v1/handoff/dossiers?after=0&limit=200" |
    python3 -c 'import json,sys; [print(d["dossierId"]) for d in json.load(sys.stdin)["dossiers"]]' |
    while read -r id; do
      echo "$id $(curl -fsS --cacert "$state/keys/kit-ca.pem" -H "Authorization: Bearer $token" \
        "$url/v1/handoff/dossiers/$id" | sha256sum | cut -d' ' -f1)"
    done | sort
}
consumer() {  # consumer [--dry-run]: the reference procedure (dms) pulls, verifies, opens, confirms
  "$bin/kit-sim" consumer --server "$url" --token "$dms_token" --key "$work/$backend-dms.pem" \
    --server-key "$state/keys/dossier-signing-key.pub.pem" --procedure dms --ca-file "$state/keys/kit-ca.pem" "$@"
}
cases_json() {  # cases_json COUNT FILE: COUNT simple cases for kit-crash-01 (the demo's third case as pattern)
  python3 - "$root/demo/cases.json" "$1" "$2" <<'PY'
import copy, json, sys
pattern = json.load(open(sys.argv[1]))[2]
cases = []
for index in range(int(sys.argv[2])):
    case = copy.deepcopy(pattern)
    case["assignedKit"] = "kit-crash-01"
    case["snapshot"]["caseId"] = f"2026-KC-{index:04d}"
    case["snapshot"]["steps"] = ["complete"]
    cases.append(case)
json.dump(cases, open(sys.argv[3], "w"))
PY
}

run_backend() {
  backend=$1
  state="$work/$backend-server"
  database=""
  if [ "$backend" = postgresql ]; then
    if [ ! -x "$pg_bin/initdb" ]; then check "PostgreSQL 15 installed ($pg_bin)" false; return; fi
    [ -n "$pg_pid" ] || start_postgres || { check "PostgreSQL cluster started" false; return; }
    database="handoff_crash"
    psql -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -qc "CREATE DATABASE $database" >/dev/null
    export SYNC_SERVER_STORAGE=postgresql
    export SYNC_SERVER_POSTGRES_URL="postgresql://postgres@127.0.0.1:$pg_port/$database"
  else
    export SYNC_SERVER_STORAGE=sqlite
    unset SYNC_SERVER_POSTGRES_URL
  fi
  # No builder runs between the restarts but the one at start: the first window stays open.
  export SYNC_SERVER_HANDOFF_MAINTENANCE_INTERVAL=3600 SYNC_SERVER_TLS_HOSTNAMES=127.0.0.1
  "$bin/sync-server" kits enroll --state-dir "$state" --kit-id kit-crash-01 >/dev/null 2>&1  # creates the keys
  local token
  token="$("$bin/sync-server" kits enroll --state-dir "$state" --kit-id kit-crash-01 2>/dev/null)"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/$backend-dms.pem" 2>/dev/null
  openssl pkey -in "$work/$backend-dms.pem" -pubout -out "$work/$backend-dms.pub.pem"
  dms_token="$("$bin/sync-server" consumers add crash-dms --procedure dms --state-dir "$state" \
    --public-key "$work/$backend-dms.pub.pem" 2>/dev/null)"
  cases_json 23 "$work/$backend-cases.json"
  "$bin/sync-server" cases import --state-dir "$state" "$work/$backend-cases.json" >/dev/null
  start_server

  kit enroll --server "$url" --kit-id kit-crash-01 --token "$token" --ca-file "$state/keys/kit-ca.pem" >/dev/null
  KIT_AGENT_LINK_PROBE_INTERVAL=1 "$bin/kit-agent" run --state-dir "$work/$backend-agent" --server "$url" \
    --api-port "$api_port" --log-level info 2>"$work/$backend-kit-agent.log" &
  agent_pid=$!
  wait_for "kit-agent local API" 30 test -s "$work/$backend-agent/run/local-api.json"
  echo "Absturz-Probe-2026" | kit unlock --initialize >/dev/null
  kit sync >/dev/null

  # 1. Completions ingested, then SIGKILL before any dossier was built.
  for index in 0 1 2; do kit step --case "2026-KC-000$index" --kind case.completed >/dev/null; done
  wait_for "three completions delivered" 60 queue_empty
  kill_server
  local recorded unbuilt
  recorded=$(sql "SELECT COUNT(*) FROM handoff_dossiers")
  unbuilt=$(sql "SELECT COUNT(*) FROM handoff_dossiers WHERE built_at IS NULL")
  check "$backend: killed between completion and dossier: $recorded records committed, $unbuilt unbuilt" \
    test "$recorded" -eq 3 -a "$unbuilt" -eq 3
  start_server
  wait_for "dossiers built at start" 30 all_built
  check "$backend: after the restart each of the three is built once" \
    test "$(sql "SELECT COUNT(*) FROM handoff_dossiers WHERE built_at IS NOT NULL")" -eq 3

  # 2. Delivered and verified, not confirmed; SIGKILL; the same bytes again.
  local first second
  consumer --dry-run >"$work/$backend-dry-run.txt" 2>&1
  first="$(feed_hashes "$dms_token")"
  check "$backend: the procedure verified the three dossiers without confirming" \
    test "$(grep -c "2026-KC-" "$work/$backend-dry-run.txt")" -eq 3
  kill_server
  start_server
  second="$(feed_hashes "$dms_token")"
  check "$backend: after SIGKILL between delivery and ack the same ids with the same bytes are delivered" \
    test -n "$first" -a "$first" = "$second"
  consumer >"$work/$backend-consumer-1.txt" 2>&1
  check "$backend: then confirmed: 3 accepted" \
    test "$(sql "SELECT COUNT(*) FROM handoff_dossiers WHERE outcome = 'accepted'")" -eq 3

  # 3. Twenty completions recorded offline, replayed while the server is killed at random moments.
  kill_server
  for index in $(seq 3 22); do kit step --case "$(printf '2026-KC-%04d' "$index")" --kind case.completed >/dev/null; done
  local round kills=0 depths=" (before: $(depth))"
  # Small requests (the least the server allows: two or three envelopes each) make the replay a
  # row of requests; each round starts the server and kills it at a random moment, without waiting
  # for it to answer: before it listens, between requests or inside one.
  export SYNC_SERVER_INGEST_MAX_REQUEST_BYTES=17408
  for round in $(seq 1 40); do
    [ "$(depth)" -gt 0 ] || break
    "$bin/sync-server" serve --state-dir "$state" --host 127.0.0.1 --port "$port" --log-level info \
      2>>"$work/$backend-sync-server.log" &
    server_pid=$!
    sleep "0.$(printf '%03d' $((200 + RANDOM % 500)))"
    kill_server
    kills=$((kills + 1))
    depths+=" $(depth)"
  done
  echo "handoff-crash: $backend: queue depth after each kill:$depths"
  unset SYNC_SERVER_INGEST_MAX_REQUEST_BYTES
  start_server
  wait_for "queue drained" 120 queue_empty
  consumer >"$work/$backend-consumer-2.txt" 2>&1
  check "$backend: after $kills kills during the replay: 23 cases, 23 dossiers, one per case" \
    test "$(sql "SELECT COUNT(DISTINCT case_id) || ' ' || COUNT(*) FROM handoff_dossiers")" = "23 23"
  check "$backend: none lost, every one confirmed by the procedure" \
    test "$(sql "SELECT COUNT(*) FROM handoff_dossiers WHERE outcome = 'accepted' AND built_at IS NOT NULL")" -eq 23
  kit_idle() { queue_empty && nothing_parked; }
  check "$backend: the kit's queue is empty and nothing parked" kit_idle
  kill -TERM "$agent_pid" 2>/dev/null; wait "$agent_pid" 2>/dev/null; agent_pid=""
  kill_server
  if [ "$failed" -gt 0 ]; then
    echo "--- $backend kit-agent.log"; tail -15 "$work/$backend-kit-agent.log"
    echo "--- $backend sync-server.log"; tail -15 "$work/$backend-sync-server.log"
  fi
}

for backend in "${backends[@]}"; do run_backend "$backend"; done
finish
