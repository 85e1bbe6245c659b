#!/usr/bin/env bash
# Issue #9, acceptance 4: the local API refuses requests without the token and from a foreign
# Origin, and is not reachable on any address but loopback.
#
#   kit namespace  [kit-agent, API on 127.0.0.1] 10.77.0.1 ==== veth ==== 10.77.0.2  office namespace
#
# A real `kit-agent run` in the kit namespace (not enrolled; the sync server URL points at nothing).
# From the office namespace (a neighbour on the kit's network) and from the kit's own non-loopback
# addresses, the API port refuses connections; `ss` shows it bound on 127.0.0.1 only; a second agent
# asked for 0.0.0.0 (every configuration layer, and the command line) still binds loopback only.
# On loopback, the token and the Origin check decide (401 / 403 / 200).
# Needs root (network namespaces): without it the script says so and skips, unless KIT_REQUIRE_RIGS=1
# (set by scripts/test: then it fails).
# Usage: local-api-exposure.sh BIN_DIR   Prints "local-api-exposure: N passed, M failed".
set -uo pipefail
bin=$(cd "$1" && pwd)
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"
me=local-api-exposure
passed=0 failed=0 number=0
check() {  # check NAME COMMAND...
  local name=$1; shift
  number=$((number + 1))
  if "$@"; then
    passed=$((passed + 1)); echo "$me: ok $number: $name"
  else
    failed=$((failed + 1)); echo "$me: FAIL $number: $name"
  fi
}
finish() { echo "$me: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

tag=$$
kitns="bk-apik-$tag" officens="bk-apio-$tag"
vkit="bkak$((tag % 1000000))" voffice="bkao$((tag % 1000000))"   # interface names: at most 15 bytes
kit_ip=10.77.0.1 office_ip=10.77.0.2 kit_ip6=fd77::1 office_ip6=fd77::2
port=7420 port_wide=7421 control_port=7499   # fixed: the namespace is private
work=""
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  # Anything still running in the namespaces was started here: stop it before they go.
  local ns left
  for ns in "$kitns" "$officens"; do
    left="$(ip netns pids "$ns" 2>/dev/null)"
    # shellcheck disable=SC2086  # one pid a line
    [ -n "$left" ] && kill -TERM $left 2>/dev/null
    for _ in $(seq 50); do [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break; sleep 0.1; done
  done
  ip netns del "$kitns" 2>/dev/null
  ip netns del "$officens" 2>/dev/null   # also removes the veth pair
  if [ -n "$work" ] && [ "$failed" -eq 0 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Without permission for network namespaces the exposure cannot be shown: skip, but not in CI.
missing=""
for tool in ip ss curl python3; do command -v "$tool" >/dev/null || missing="$missing $tool"; done
if [ -n "$missing" ]; then
  reason="missing tools:$missing"
elif [ "$(id -u)" -ne 0 ]; then
  reason="needs root for ip netns (running as uid $(id -u))"
elif ! out="$(ip netns add "$kitns" 2>&1)"; then
  reason="ip netns add is not permitted here: $out"
else
  reason=""
fi
if [ -n "$reason" ]; then
  if [ "${KIT_REQUIRE_RIGS:-}" = 1 ]; then
    echo "$me: FAIL: $reason (KIT_REQUIRE_RIGS=1, as under scripts/test: this check must run)"
    failed=1; finish
  fi
  echo "$me: skipped: $reason"
  echo "$me: 0 passed, 0 failed (skipped)"
  exit 0
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/kit-api-exposure.XXXXXX")"
chmod 700 "$work"

# Two namespaces joined by a veth pair: the kit and a neighbour on its network.
ip netns add "$officens" || { echo "$me: cannot create namespace $officens"; failed=1; finish; }
setup_network() {
  ip link add "$vkit" type veth peer name "$voffice" &&
    ip link set "$vkit" netns "$kitns" && ip link set "$voffice" netns "$officens" &&
    ip -n "$kitns" addr add "$kit_ip/24" dev "$vkit" && ip -n "$officens" addr add "$office_ip/24" dev "$voffice" &&
    ip -n "$kitns" addr add "$kit_ip6/64" dev "$vkit" nodad &&
    ip -n "$officens" addr add "$office_ip6/64" dev "$voffice" nodad &&
    ip -n "$kitns" link set lo up && ip -n "$officens" link set lo up &&
    ip -n "$kitns" link set "$vkit" up && ip -n "$officens" link set "$voffice" up
}
setup_network || { echo "$me: cannot set up the veth pair"; failed=1; finish; }
inkit() { ip netns exec "$kitns" "$@"; }

# tcp_refused NAMESPACE HOST PORT: from NAMESPACE, a TCP connect is answered with a reset
# (nothing listens there).
tcp_refused() {
  ip netns exec "$1" python3 - "$2" "$3" <<'PY'
import socket, sys
host, port = sys.argv[1], int(sys.argv[2])
try:
    socket.create_connection((host, port), timeout=3).close()
except ConnectionRefusedError:
    sys.exit(0)
except OSError as error:
    sys.exit(f"{host}:{port}: {error} (expected: connection refused)")
sys.exit(f"{host}:{port}: connected (expected: connection refused)")
PY
}
# tcp_unreachable NAMESPACE HOST PORT: from NAMESPACE, a TCP connect does not succeed (refused,
# dropped or no route).
tcp_unreachable() {
  ip netns exec "$1" python3 - "$2" "$3" <<'PY'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3).close()
except OSError:
    sys.exit(0)
sys.exit(f"{sys.argv[1]}:{sys.argv[2]}: connected (expected: no connection)")
PY
}
# only_loopback PORT: `ss` in the kit namespace lists PORT as listening on 127.0.0.1 and nothing else.
only_loopback() {
  local listeners
  listeners="$(inkit ss -Hltn "sport = :$1" | awk '{print $4}' | sort -u)"
  echo "$me:   listening on port $1: ${listeners:-nothing}" >&2
  [ "$listeners" = "127.0.0.1:$1" ]
}

# A control listener on the kit's veth address: the office reaches it, so a refusal on the API
# port below is the agent's binding, not a broken network.
ip netns exec "$kitns" python3 -m http.server "$control_port" --bind "$kit_ip" >"$work/control.log" 2>&1 &
pids+=($!)
ip netns exec "$kitns" python3 -m http.server "$control_port" --bind "$kit_ip6" >"$work/control6.log" 2>&1 &
pids+=($!)
check "control: the office reaches a listener on the kit's addresses $kit_ip and [$kit_ip6]" \
  wait_for "control listener" 10 bash -c "ip netns exec $officens curl -fsS --connect-timeout 2 -m 5 -o /dev/null \
    http://$kit_ip:$control_port/ && ip netns exec $officens curl -fsS --connect-timeout 2 -m 5 -o /dev/null \
    http://[$kit_ip6]:$control_port/"

# The agent as scripts/demo starts it. (ip netns exec replaces itself with the agent: $! is its pid.)
agent=(--state-dir "$work/agent")
ip netns exec "$kitns" "$bin/kit-agent" run "${agent[@]}" --server "https://$office_ip:8443" --api-port "$port" \
  --log-level notice >"$work/kit-agent.log" 2>&1 &
pids+=($!)
if ! wait_for "kit-agent local API" 30 test -s "$work/agent/run/local-api.json"; then
  echo "$me: FAIL: kit-agent run did not write run/local-api.json"; tail -20 "$work/kit-agent.log"
  failed=1; finish
fi
token="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["token"])' "$work/agent/run/local-api.json")"

check "ss: port $port is bound on 127.0.0.1 only" only_loopback "$port"
check "office -> $kit_ip:$port: connection refused" tcp_refused "$officens" "$kit_ip" "$port"
check "office -> [$kit_ip6]:$port: connection refused" tcp_refused "$officens" "$kit_ip6" "$port"
check "kit -> its own $kit_ip:$port: connection refused" tcp_refused "$kitns" "$kit_ip" "$port"
check "kit -> [::1]:$port: connection refused (IPv4 loopback only)" tcp_refused "$kitns" "::1" "$port"
# A neighbour that routes 127.0.0.1 to the kit's veth (the "localhost bypass" of CVE-2020-8558):
# the kit's kernel must not deliver those packets to its loopback listener.
localhost_via_kit() {
  ip netns exec "$officens" sysctl -qw net.ipv4.conf.all.route_localnet=1 "net.ipv4.conf.$voffice.route_localnet=1" &&
    ip -n "$officens" route del local 127.0.0.1 dev lo table local &&
    ip -n "$officens" route del local 127.0.0.0/8 dev lo table local &&
    ip -n "$officens" route add 127.0.0.1/32 via "$kit_ip" dev "$voffice" &&
    ip -n "$officens" route get 127.0.0.1 | grep -q "via $kit_ip dev $voffice" &&
    tcp_unreachable "$officens" 127.0.0.1 "$port"
}
check "office -> 127.0.0.1:$port routed via the kit's veth: no connection (kit route_localnet=$(inkit sysctl -n \
  net.ipv4.conf.all.route_localnet))" localhost_via_kit
check "run/local-api.json (the token) is mode 600" test "$(stat -c %a "$work/agent/run/local-api.json")" = 600

# On loopback: the token and the Origin decide.
status_of() {  # status_of CURL_ARGS...: the HTTP status of GET /v1/status from the kit's loopback
  inkit curl -sS -o /dev/null -w '%{http_code}' --connect-timeout 2 -m 5 "$@" "http://127.0.0.1:$port/v1/status"
}
expect() {  # expect STATUS CURL_ARGS...
  local want=$1 got; shift
  got="$(status_of "$@")"
  [ "$got" = "$want" ] || { echo "$me:   HTTP $got, expected $want" >&2; return 1; }
}
bearer=(-H "Authorization: Bearer $token")
check "no token -> 401" expect 401
check "wrong token -> 401" expect 401 -H "Authorization: Bearer ${token//?/0}"
check "token, Origin: http://evil.example -> 403" expect 403 "${bearer[@]}" -H "Origin: http://evil.example"
check "token, Origin: null (file:// page, sandboxed frame) -> 403" expect 403 "${bearer[@]}" -H "Origin: null"
check "token, Origin: http://127.0.0.1:$((port + 1)) (another local port) -> 403" \
  expect 403 "${bearer[@]}" -H "Origin: http://127.0.0.1:$((port + 1))"
check "token, no Origin -> 200" expect 200 "${bearer[@]}"
check "token, Origin: http://127.0.0.1:$port -> 200" expect 200 "${bearer[@]}" -H "Origin: http://127.0.0.1:$port"
check "token, Origin: http://localhost:$port -> 200" expect 200 "${bearer[@]}" -H "Origin: http://localhost:$port"
# DNS rebinding: evil.example resolves to 127.0.0.1, the browser sends Host: evil.example.
# The agent answers only to 127.0.0.1 and localhost: 421 Misdirected Request for any other name.
check "rebinding: Host: evil.example, token, Origin: http://evil.example:$port -> 421" \
  expect 421 "${bearer[@]}" -H "Host: evil.example:$port" -H "Origin: http://evil.example:$port"
check "rebinding: Host: evil.example, same-origin GET (no Origin), no token -> 421" \
  expect 421 -H "Host: evil.example:$port"
check "rebinding: Host: evil.example, even with the token -> 421" \
  expect 421 "${bearer[@]}" -H "Host: evil.example:$port"

# Asking for a wide bind: there is no such option. The command line refuses one; configuration
# keys for it (environment, file) are not read, and the agent still binds 127.0.0.1 only.
check "kit-agent run --api-host 0.0.0.0 is refused by the command line" bash -c \
  "! timeout 10 ip netns exec $kitns $bin/kit-agent run --state-dir $work/refused --server https://$office_ip:8443 \
    --api-port $port_wide --api-host 0.0.0.0 >$work/api-host.log 2>&1 && ! test -e $work/refused/run/local-api.json"
cat >"$work/wide.json" <<EOF
{"api": {"port": $port_wide, "host": "0.0.0.0", "address": "0.0.0.0", "bind": "::", "listen": "0.0.0.0:$port_wide"},
 "server": {"url": "https://$office_ip:8443"}}
EOF
KIT_AGENT_API_HOST=0.0.0.0 KIT_AGENT_API_ADDRESS=0.0.0.0 KIT_AGENT_API_BIND=0.0.0.0 KIT_AGENT_API_LISTEN="[::]:$port_wide" \
  ip netns exec "$kitns" "$bin/kit-agent" run --state-dir "$work/wide" --config "$work/wide.json" --log-level notice \
  >"$work/kit-agent-wide.log" 2>&1 &
pids+=($!)
if wait_for "kit-agent (asked for 0.0.0.0) local API" 30 test -s "$work/wide/run/local-api.json"; then
  check "asked for 0.0.0.0 / :: (environment and file): ss shows port $port_wide on 127.0.0.1 only" \
    only_loopback "$port_wide"
  check "asked for 0.0.0.0: office -> $kit_ip:$port_wide: connection refused" \
    tcp_refused "$officens" "$kit_ip" "$port_wide"
else
  check "asked for 0.0.0.0: the agent starts (and binds loopback) or refuses with one clear line" \
    bash -c "! kill -0 ${pids[-1]} 2>/dev/null && [ \$(grep -c . $work/kit-agent-wide.log) -eq 1 ]"
fi

if [ "$failed" -gt 0 ]; then
  echo "--- kit-agent.log"; tail -20 "$work/kit-agent.log"
  echo "--- kit-agent-wide.log"; tail -10 "$work/kit-agent-wide.log"
  echo "--- logs in $work"
fi
finish
