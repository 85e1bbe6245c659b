#!/usr/bin/env bash
# Issue #4, acceptance 5: a real WireGuard VPN between a kit and a server network namespace.
#
#   kit namespace  [kit-agent] -- wg (wireguard-go) ==== veth ==== wg (wireguard-go) -- [sync-server]  server namespace
#
# The kit is enrolled and checks its cases out through the tunnel. Then the VPN interface goes
# down, the clerk completes 1,000 transactions (local API), and the interface comes back: the
# agent notices the interface (link.vpnInterface), drains the queue without any new local write,
# and the server has applied all of them. Prints the time from link-up to the first
# acknowledgement and to the empty queue. Needs root (namespaces) and wireguard-go.
# Issue #20, acceptance 5: `kit-agent doctor` fails a WireGuard interface whose peer never answered
# and passes the real one after its handshake; run as `nobody` against the root-owned state
# directory (mode 0700) it names the missing access and the sudo command, not "not running".
# Usage: vpn.sh BIN_DIR [COUNT]   Prints "vpn: N passed, M failed".
set -uo pipefail
bin=$(cd "$1" && pwd)
count=${2:-1000}
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"
CHECK_PREFIX=vpn
# shellcheck source=scripts/lib/checks.sh
source "$root/scripts/lib/checks.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v wireguard-go >/dev/null || ! command -v wg >/dev/null; then
  echo "vpn: needs root, wireguard-go and wireguard-tools (scripts/setup installs them)"
  failed=1; finish
fi

tag=$$
kitns="bk-kit-$tag" srvns="bk-srv-$tag"
wgkit="bkk$((tag % 100000))" wgsrv="bks$((tag % 100000))"   # UAPI sockets are global: unique names
wgdead="bkd$((tag % 100000))"   # a second kit interface whose peer never answers
work="$(mktemp -d "${TMPDIR:-/tmp}/kit-vpn.XXXXXX")"
chmod 700 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  ip netns del "$kitns" 2>/dev/null
  ip netns del "$srvns" 2>/dev/null
  rm -f "/var/run/wireguard/$wgkit.sock" "/var/run/wireguard/$wgsrv.sock" "/var/run/wireguard/$wgdead.sock"
}
trap cleanup EXIT

# Two namespaces joined by a veth pair (the "mobile network"), WireGuard on top (the VPN).
netns_pair "$kitns" "$srvns" "bkv$tag" "bkw$tag" 192.168.203 || { failed=1; finish; }
(umask 077; wg genkey >"$work/kit.key"; wg genkey >"$work/srv.key")
wg pubkey <"$work/kit.key" >"$work/kit.pub"; wg pubkey <"$work/srv.key" >"$work/srv.pub"
ip netns exec "$kitns" wireguard-go -f "$wgkit" >"$work/wg-kit.log" 2>&1 &
pids+=($!)
ip netns exec "$srvns" wireguard-go -f "$wgsrv" >"$work/wg-srv.log" 2>&1 &
pids+=($!)
wait_for "wireguard-go interfaces" 10 test -S "/var/run/wireguard/$wgkit.sock" -a -S "/var/run/wireguard/$wgsrv.sock"
ip netns exec "$kitns" wg set "$wgkit" private-key "$work/kit.key" \
  peer "$(cat "$work/srv.pub")" endpoint 192.168.203.2:51820 allowed-ips 10.203.0.2/32 persistent-keepalive 5
ip netns exec "$srvns" wg set "$wgsrv" private-key "$work/srv.key" listen-port 51820 \
  peer "$(cat "$work/kit.pub")" allowed-ips 10.203.0.1/32
ip -n "$kitns" addr add 10.203.0.1/24 dev "$wgkit"; ip -n "$srvns" addr add 10.203.0.2/24 dev "$wgsrv"
ip -n "$kitns" link set "$wgkit" up; ip -n "$srvns" link set "$wgsrv" up

# The city's server, reachable only through the tunnel.
server=(--state-dir "$work/server")
# Mutual TLS: the server's certificate names its tunnel address; the kit pins the kit CA.
SYNC_SERVER_TLS_HOSTNAMES="10.203.0.2" ip netns exec "$srvns" "$bin/sync-server" serve "${server[@]}" \
  --host 10.203.0.2 --port 8480 --log-level notice 2>"$work/sync-server.log" &
pids+=($!)
url="https://10.203.0.2:8480"
ca="$work/server/keys/kit-ca.pem"
check "server reachable through the tunnel (TLS, certificate for 10.203.0.2)" \
  wait_for "sync-server through WireGuard" 30 ip netns exec "$kitns" curl -fsS --cacert "$ca" "$url/healthz"
token="$("$bin/sync-server" kits enroll "${server[@]}" --kit-id kit-vpn-01 2>/dev/null)"
python3 - "$root/demo/cases.json" "$work/cases.json" <<'PY'
import json, sys
cases = json.load(open(sys.argv[1]))
for case in cases:
    case["assignedKit"] = "kit-vpn-01"
json.dump(cases, open(sys.argv[2], "w"))
PY
"$bin/sync-server" cases import "${server[@]}" "$work/cases.json" >/dev/null

# The kit, in its own namespace: it sees the VPN interface in its /sys/class/net.
agent=(--state-dir "$work/agent")
inkit() { ip netns exec "$kitns" "$@"; }
inkit "$bin/kit-agent" enroll "${agent[@]}" --server "$url" --kit-id kit-vpn-01 --token "$token" --ca-file "$ca" \
  >/dev/null
# (ip netns exec replaces itself with the agent, so $! is the agent's pid.)
KIT_AGENT_LINK_VPN_INTERFACE="$wgkit" KIT_AGENT_LINK_PROBE_INTERVAL=5 ip netns exec "$kitns" \
  "$bin/kit-agent" run "${agent[@]}" --server "$url" --api-port 7420 --log-level notice 2>"$work/kit-agent.log" &
pids+=($!)
wait_for "kit-agent local API" 30 test -s "$work/agent/run/local-api.json"
echo "VPN-Test-Geheimnis" | inkit "$bin/kit-agent" unlock --initialize "${agent[@]}" >/dev/null
inkit "$bin/kit-agent" sync "${agent[@]}" >/dev/null
check "cases checked out through the tunnel" \
  bash -c "ip netns exec $kitns $bin/kit-agent status ${agent[*]} --json | grep -q '\"reachability\" : \"reachable\"'"

# kit-agent doctor's VPN check reads the WireGuard handshake, not only the interface flags.
ip netns exec "$kitns" wireguard-go -f "$wgdead" >"$work/wg-dead.log" 2>&1 &
pids+=($!)
wait_for "wireguard-go interface $wgdead" 10 test -S "/var/run/wireguard/$wgdead.sock"
(umask 077; wg genkey >"$work/dead.key")
ip netns exec "$kitns" wg set "$wgdead" private-key "$work/dead.key" \
  peer "$(cat "$work/srv.pub")" endpoint 192.168.203.9:51820 allowed-ips 10.204.0.2/32 persistent-keepalive 5
ip -n "$kitns" addr add 10.204.0.1/24 dev "$wgdead"; ip -n "$kitns" link set "$wgdead" up
doctor_json() {  # doctor_json VPN_INTERFACE OUTPUT [COMMAND PREFIX...]: exit 1/2 are findings, not errors
  local interface=$1 output=$2; shift 2
  KIT_AGENT_LINK_VPN_INTERFACE="$interface" ip netns exec "$kitns" "$@" "$bin/kit-agent" doctor "${agent[@]}" \
    --server "$url" --deadline 10 --json >"$output" 2>"$output.err"
  [ $? -le 2 ] && [ -s "$output" ]
}
findings() { python3 "$root/Tests/Integration/doctor_findings.py" "$@"; }
doctor_vpn_is() { doctor_json "$1" "$2" && findings "$2" vpn "$3" "$4"; }
doctor_unprivileged() {
  doctor_json "$wgkit" "$1" setpriv --reuid=65534 --regid=65534 --clear-groups && findings "$1" unprivileged
}
sleep 2   # the dead peer's first handshake initiation has gone out (and found nobody)
check "doctor: WireGuard peer without a handshake is a failure" \
  doctor_vpn_is "$wgdead" "$work/doctor-dead.json" failure "never answered"
check "doctor: the real peer after its handshake is ok" \
  doctor_vpn_is "$wgkit" "$work/doctor-live.json" ok "latest handshake"
check "doctor as root: no access finding, the agent runs" findings "$work/doctor-live.json" privileged
# An IT person's own account: the state directory is root's with mode 0700; its parent may be passed.
chmod 711 "$work"
check "the state directory is root's with mode 0700" test "$(stat -c '%U %a' "$work/agent")" = "root 700"
check "doctor as nobody names the missing access and the sudo command, not 'not running'" \
  doctor_unprivileged "$work/doctor-nobody.json"
chmod 700 "$work"

# The VPN goes down (the kit leaves the mobile network's coverage).
ip -n "$kitns" link set "$wgkit" down
check "agent sees the VPN interface down" \
  wait_for "link unreachable" 5 bash -c \
  "ip netns exec $kitns $bin/kit-agent status ${agent[*]} --json | grep -q '\"vpnInterfaceState\" : \"down\"'"

# The clerk works on: COUNT transactions through the local API (loopback of the kit's namespace),
# each durable before its answer.
ip netns exec "$kitns" python3 - "$work/agent/run/local-api.json" "$count" <<'PY' || failed=$((failed + 1))
import http.client, json, sys
endpoint = json.load(open(sys.argv[1]))
connection = http.client.HTTPConnection("127.0.0.1", endpoint["port"], timeout=30)
cases = ["2026-MZ-0101", "2026-MZ-0102", "2026-MZ-0103"]
for index in range(int(sys.argv[2])):
    body = json.dumps({"caseId": cases[index % 3], "kind": "signature.captured", "facts": {"n": str(index)}})
    connection.request("POST", "/v1/steps", body, {
        "Authorization": "Bearer " + endpoint["token"], "Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    if response.status != 201:
        sys.exit(f"step {index}: HTTP {response.status}")
PY
stats() { inkit "$bin/kit-agent" queue stats "${agent[@]}" --json; }
stats >"$work/before.json"
last_seq() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["lastSeq"])' "$1"; }
depth() { python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["byState"]; print(s.get("pending",0)+s.get("sent",0))' "$1"; }
check "$count transactions queued while the VPN is down" \
  test "$(depth "$work/before.json")" -eq "$count" -a "$(last_seq "$work/before.json")" -ge "$count"

# The VPN comes back. No new local write: only the interface changes.
up_at=$(date +%s.%N)
ip -n "$kitns" link set "$wgkit" up
first_ack=""
deadline=$((SECONDS + 120))
while [ $SECONDS -lt $deadline ]; do
  stats >"$work/now.json" 2>/dev/null || { sleep 0.1; continue; }
  remaining=$(depth "$work/now.json")
  if [ -z "$first_ack" ] && [ "$remaining" -lt "$count" ]; then first_ack=$(date +%s.%N); fi
  [ "$remaining" -eq 0 ] && break
  sleep 0.1
done
drained_at=$(date +%s.%N)
check "queue empty after the VPN is back" test "$(depth "$work/now.json")" -eq 0
check "no new local write while draining" test "$(last_seq "$work/now.json")" -eq "$(last_seq "$work/before.json")"
applied=$("$bin/sync-server" kits list "${server[@]}" | sed -nE 's/.*kit-vpn-01 .*last seq ([0-9]+).*/\1/p')
check "server applied every transaction (last seq $applied)" test "${applied:-0}" -eq "$(last_seq "$work/before.json")"
if [ -n "$first_ack" ]; then
  python3 -c "import sys; u,f,d=map(float,sys.argv[1:4]); print(f'vpn: link-up to first acknowledgement {f-u:.2f} s, to empty queue {d-u:.2f} s ({int(sys.argv[4])/(d-u):.0f} tx/s)')" \
    "$up_at" "$first_ack" "$drained_at" "$count"
fi
if [ "$failed" -gt 0 ]; then
  echo "--- kit-agent.log"; tail -20 "$work/kit-agent.log"; echo "--- sync-server.log"; tail -10 "$work/sync-server.log"
fi
finish
