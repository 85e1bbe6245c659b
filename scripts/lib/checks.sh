# shellcheck shell=bash
# Shared by the integration scripts in Tests/Integration that count named checks.
# Set CHECK_PREFIX (e.g. "vpn") before sourcing; then:
#   check NAME COMMAND...   runs COMMAND, counts and prints "PREFIX: ok: NAME" or "PREFIX: FAIL: NAME"
#   finish                  prints "PREFIX: N passed, M failed" and exits non-zero on a failure
#   netns_pair KITNS SRVNS KITIF SRVIF NET
#                           two network namespaces joined by a veth pair, NET.1 on the kit side and
#                           NET.2 on the server side (NET e.g. 192.168.203), loopback up in both
passed=0 failed=0
check() {
  local name=$1; shift
  if "$@"; then
    passed=$((passed + 1)); echo "$CHECK_PREFIX: ok: $name"
  else
    failed=$((failed + 1)); echo "$CHECK_PREFIX: FAIL: $name"
  fi
}
finish() { echo "$CHECK_PREFIX: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

netns_pair() {
  local kitns=$1 srvns=$2 kitif=$3 srvif=$4 net=$5 ns
  ip netns add "$kitns" && ip netns add "$srvns" || return 1
  ip link add "$kitif" type veth peer name "$srvif" || return 1
  ip link set "$kitif" netns "$kitns"; ip link set "$srvif" netns "$srvns"
  ip -n "$kitns" addr add "$net.1/24" dev "$kitif"; ip -n "$srvns" addr add "$net.2/24" dev "$srvif"
  for ns in "$kitns" "$srvns"; do ip -n "$ns" link set lo up; done
  ip -n "$kitns" link set "$kitif" up; ip -n "$srvns" link set "$srvif" up
}
