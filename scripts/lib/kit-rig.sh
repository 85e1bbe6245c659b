# shellcheck shell=bash
# kit-rig.sh — a Bürgeramtskoffer kit with SIMULATED DEVICES behind the REAL drivers, for demos and
# end-to-end tests (scripts/demo; a browser test of the clerk UI). Source it; it only defines
# functions and prints nothing unless a function fails (messages go to stderr, prefixed "rig:").
#
#   ID card      pcscd with vsmartcard's vpcd reader "Virtual PCD 00 01" + `kit-sim card --type npa`
#   signature    `kit-sim signature-pad --generate -- kit-agent run …`: a Wacom STU-540 on USB
#                (umockdev) that signs and taps OK every time the agent switches inking on
#   fingerprints libfprint's virtual image device (FP_VIRTUAL_IMAGE) fed by `kit-sim fingerprint`
#   EC terminal  `kit-sim zvt` over TCP on a free loopback port, with a journal
#
# Typical use:
#   source scripts/lib/kit-rig.sh
#   rig_init                      # or: rig_init /tmp/my-state
#   trap rig_stop_all EXIT
#   rig_start_server && rig_import_cases demo/cases.json
#   rig_start_devices
#   rig_enroll_kit kit-demo-01 && rig_start_agent && rig_unlock && rig_kit sync
#   rig_insert_card --given-names ERIKA --family-names MUSTERMANN --date-of-birth 1964-08-12
#   rig_kit identity --case 2026-MZ-0101 --can "$RIG_CARD_CAN"
#
# Functions (all return non-zero on failure):
#   rig_init [STATE_DIR]        State folder (default: a new mktemp -d) and binaries. Sets RIG_STATE,
#                               RIG_BIN (KIT_BIN_DIR, else `swift build --show-bin-path`; not built here).
#   rig_start_server            sync-server (SQLite, TLS) on 127.0.0.1; a second call after
#                               rig_stop_server restarts it on the same port with the same state.
#                               Sets RIG_SERVER_PORT, RIG_SERVER_URL, RIG_SERVER_STATE, RIG_SERVER_CA,
#                               RIG_SERVER_PID. Log: $RIG_STATE/sync-server.log
#   rig_stop_server             SIGTERM, wait, check exit code 0 (the "VPN link drops").
#   rig_import_cases FILE       `sync-server cases import` (works with the server up or down).
#   rig_server ARGS...          sync-server ARGS --state-dir $RIG_SERVER_STATE (e.g. `conflicts list`).
#   rig_start_devices           pcscd with vpcd (reused if one already offers the vpcd readers), the
#                               terminal PKI folder, the ZVT simulator, the fingerprint socket path,
#                               the camera simulator (`kit-sim camera` with the public-domain portrait).
#                               Sets RIG_CARD_READER, RIG_CARD_PORT, RIG_TERMINAL_PKI, RIG_ZVT_PORT,
#                               RIG_ZVT_JOURNAL, RIG_FP_SOCKET, RIG_CARD_CAN (the CAN cards get), and
#                               KIT_AGENT_CAMERA_SOURCE for agents started afterwards.
#   rig_insert_card [OPTS...]   Puts a simulated German ID card on the reader (stops the previous one):
#                               `kit-sim card --type npa` with the rig's port, CAN and terminal PKI plus
#                               OPTS (--given-names, --family-names, --date-of-birth, --address). Waits
#                               until pcscd sees it. Sets RIG_CARD_PID. Log: $RIG_STATE/card.log
#   rig_replace_terminal [OPTS...]
#                               A new EC terminal on the same port with an empty journal (the old
#                               one is killed); OPTS go to `kit-sim zvt`. Sets RIG_ZVT_PID, RIG_ZVT_JOURNAL.
#   rig_insert_card_of_case FILE CASE
#                               The card of CASE's citizen in cases FILE (names, birth date, address).
#   rig_remove_card             Takes the card off the reader.
#   rig_enroll_kit KIT_ID [AGENT_STATE]
#                               One-time token from the server, `kit-agent enroll` (TLS pinned to the
#                               kit CA). AGENT_STATE defaults to $RIG_STATE/agent-KIT_ID. Sets
#                               RIG_AGENT_STATE (the kit the rig_kit helper talks to).
#   rig_start_agent [--plain] [AGENT_STATE]
#                               `kit-agent run` with the devices configured (card.terminalCredentials,
#                               card.reader, terminal.zvt.address, FP_VIRTUAL_IMAGE) under
#                               `kit-sim signature-pad --generate`; --plain: no devices, no pad (a
#                               second kit). Waits for the local API. Sets RIG_API_PORT, RIG_AGENT_PID
#                               (the agent itself), RIG_AGENT_STATE. Log: $RIG_STATE/<AGENT_STATE name>.log
#   rig_use_kit KIT_ID          Points RIG_AGENT_STATE (rig_kit and the defaults below) at the kit
#                               enrolled by rig_enroll_kit KIT_ID.
#   rig_unlock [AGENT_STATE]    Sets (first time) or enters the unlock secret ($RIG_UNLOCK_SECRET).
#   rig_kit ARGS...             kit-agent ARGS --state-dir $RIG_AGENT_STATE.
#   rig_feed_fingerprints [SEQUENCE] [INTERVAL]
#                               Starts `kit-sim fingerprint` in the background for the NEXT finger set
#                               (default: a short wait, then 12 clean images 1.2 s apart; the BSI set
#                               takes 6, spares cover images dropped while no capture waits). Call it
#                               just before the capture (`rig_kit fingerprints …`). Sets RIG_FP_PID.
#   rig_stop_fingerprints       Stops the feeder (spare images are not sent to a later scanner).
#   rig_wait_link up|down [SECONDS] [AGENT_STATE]   until `kit-agent status` says reachable / not.
#   rig_wait_drained [SECONDS] [AGENT_STATE]        until no transaction waits for the server.
#   rig_queue_count STATE [AGENT_STATE]             transactions in outbox state STATE (pending,
#                               sent, acknowledged, shredded, parked); `last` gives the last seq.
#   rig_stop_agent [AGENT_STATE]  SIGTERM to the agent, waits for it (and its pad wrapper), checks exit
#                               code 0 and that it removed its endpoint file.
#   rig_stop_all                Stops every process the rig started, newest first; each is waited for
#                               (PID 1 here does not reap orphans). Safe to call twice; use it in a trap.
#
# Settings (environment, before sourcing or before the call): RIG_NETNS (a network namespace for the
# kit: agent, CLI, terminal and camera run in it; pcscd, the card and the scanner socket stay outside,
# reached through files and pcscd's socket), KIT_BIN_DIR (binaries), RIG_CARD_CAN
# (default 222222), RIG_CARD_READER / RIG_CARD_PORT ("Virtual PCD 00 01" / 35964; "… 00 00" is 35963,
# the one the Swift test suites use), RIG_UNLOCK_SECRET, KIT_STU_TESTBED (pad script; set by rig_init
# when the binaries have no resource bundle beside them). Other KIT_AGENT_* variables the caller
# exports (e.g. KIT_AGENT_LOG_LEVEL) reach the agent.
#
# A browser test of the clerk UI opens http://127.0.0.1:$RIG_API_PORT/; the bearer token of the
# local API is in $RIG_AGENT_STATE/run/local-api.json (mode 0600), never printed by the rig.
#
# Every background process's output goes to a file under $RIG_STATE, never to the caller's stdout.
# Only processes started by this rig are signalled, always by their pid. pcscd is shared per machine:
# the rig reuses a running one and stops only the one it started.

# shellcheck source=scripts/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lib.sh"

RIG_UNLOCK_SECRET="${RIG_UNLOCK_SECRET:-Rig-Test-Geheimnis-2026}"
RIG_CARD_CAN="${RIG_CARD_CAN:-222222}"
RIG_CARD_READER="${RIG_CARD_READER:-Virtual PCD 00 01}"
RIG_CARD_PORT="${RIG_CARD_PORT:-35964}"
RIG_SERVER_PID="" RIG_CARD_PID="" RIG_FP_PID="" RIG_ZVT_PID="" RIG_PCSCD_PID="" RIG_CAMERA_PID=""
# Running agents: state folder → pid of the process the rig started (the pad wrapper or the agent).
declare -gA RIG__AGENT_WRAPPERS=()

rig__say() { echo "rig: $*" >&2; }

# rig__in_kit COMMAND...: runs COMMAND in the kit's network namespace when RIG_NETNS names one, else
# directly: the agent, its CLI and the devices it reaches over TCP (terminal, camera) share the kit's
# loopback. Background starts use the prefix array instead (`"${RIG__IN_KIT[@]}" cmd &`: `ip netns
# exec` execs, so $! stays the command's own pid); rig__kit_prefix fills it.
rig__kit_prefix() {
  RIG__IN_KIT=()
  if [ -n "${RIG_NETNS:-}" ]; then RIG__IN_KIT=(ip netns exec "$RIG_NETNS"); fi
}
rig__in_kit() { rig__kit_prefix; "${RIG__IN_KIT[@]}" "$@"; }

# rig__alive PID: the process exists and is not a zombie.
rig__alive() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [ "${stat%% *}" != "Z" ]
}

# rig__stop PID NAME [SIGNAL] [GRACE]: signal (NONE: just wait), wait up to GRACE s (default 10),
# SIGKILL, reap. Returns the process's exit code (143 = ended by SIGTERM before it could handle it).
rig__stop() {
  local pid=$1 name=$2 signal=${3:-TERM} grace=${4:-10} code=0
  [ -n "$pid" ] || return 0
  [ "$signal" = NONE ] || kill -"$signal" "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + grace))
  while rig__alive "$pid" && [ $SECONDS -lt "$deadline" ]; do sleep 0.1; done
  if rig__alive "$pid"; then
    rig__say "$name (pid $pid) did not stop within ${grace}s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  { wait "$pid"; } 2>/dev/null || code=$?   # braces: also silences bash's "Killed" notice
  return "$code"
}

rig_init() {
  if [ -n "${1:-}" ]; then
    RIG_STATE="$1"
    mkdir -p "$RIG_STATE"
  else
    RIG_STATE="$(mktemp -d "${TMPDIR:-/tmp}/kit-rig.XXXXXX")"
  fi
  chmod 700 "$RIG_STATE"
  RIG_STATE="$(cd "$RIG_STATE" && pwd)"
  if [ -n "${KIT_BIN_DIR:-}" ]; then
    RIG_BIN="$(cd "$KIT_BIN_DIR" && pwd)"
  else
    ensure_swift_on_path
    RIG_BIN="$(cd "$(repo_root)" && swift build --show-bin-path)"
  fi
  local tool
  for tool in kit-agent kit-sim sync-server; do
    [ -x "$RIG_BIN/$tool" ] || { rig__say "$RIG_BIN/$tool is missing: build first (swift build)"; return 1; }
  done
  # The pad's testbed script ships as a resource beside the binaries; a binary folder without it
  # (copied binaries) uses the one in this checkout.
  if [ -z "${KIT_STU_TESTBED:-}" ] && [ ! -e "$RIG_BIN/Buergeramtskoffer_KitSimulators.resources/stu_testbed.py" ]; then
    export KIT_STU_TESTBED
    KIT_STU_TESTBED="$(repo_root)/Sources/KitSimulators/SignaturePad/stu_testbed.py"
  fi
  RIG_SERVER_STATE="$RIG_STATE/server"
  RIG_SERVER_CA="$RIG_SERVER_STATE/keys/kit-ca.pem"
  export RIG_STATE RIG_BIN RIG_SERVER_STATE RIG_SERVER_CA
}

# ---------------------------------------------------------------- sync server

rig_server() { "$RIG_BIN/sync-server" "$@" --state-dir "$RIG_SERVER_STATE"; }

rig_start_server() {
  RIG_SERVER_PORT="${RIG_SERVER_PORT:-$(free_port)}"
  RIG_SERVER_URL="https://127.0.0.1:$RIG_SERVER_PORT"
  "$RIG_BIN/sync-server" serve --state-dir "$RIG_SERVER_STATE" --port "$RIG_SERVER_PORT" \
    >>"$RIG_STATE/sync-server.log" 2>&1 &
  RIG_SERVER_PID=$!
  export RIG_SERVER_PORT RIG_SERVER_URL RIG_SERVER_PID
  # TLS from the first start: the server's certificate is issued by its own kit CA.
  if ! wait_for "sync-server /healthz" 30 curl -fsS --cacert "$RIG_SERVER_CA" "$RIG_SERVER_URL/healthz"; then
    rig__say "sync-server did not come up; see $RIG_STATE/sync-server.log"
    return 1
  fi
}

rig_stop_server() {
  local code=0
  rig__stop "$RIG_SERVER_PID" sync-server || code=$?
  RIG_SERVER_PID=""
  [ "$code" -eq 0 ] || { rig__say "sync-server exited with code $code"; return 1; }
}

rig_import_cases() { rig_server cases import "$1" >/dev/null; }

# ---------------------------------------------------------------- devices

rig_start_devices() {
  local readers
  readers="$(opensc-tool -l 2>/dev/null || true)"
  if [[ "$readers" != *"$RIG_CARD_READER"* ]]; then
    if pgrep -x pcscd >/dev/null 2>&1; then
      rig__say "a pcscd is running but offers no reader \"$RIG_CARD_READER\" (vsmartcard-vpcd missing? scripts/setup)"
      return 1
    fi
    rig_start_pcscd || return 1
  fi
  RIG_TERMINAL_PKI="$RIG_STATE/terminal-pki"
  mkdir -p "$RIG_TERMINAL_PKI"
  RIG_FP_SOCKET="$RIG_STATE/fp-virtual-image.sock"
  RIG_ZVT_JOURNAL="$RIG_STATE/zvt-journal.json"
  rig__kit_prefix
  "${RIG__IN_KIT[@]}" "$RIG_BIN/kit-sim" zvt --tcp 0 --journal "$RIG_ZVT_JOURNAL" >"$RIG_STATE/zvt.log" 2>&1 &
  RIG_ZVT_PID=$!
  wait_for "kit-sim zvt" 15 test -s "$RIG_STATE/zvt.log" || { rig__say "kit-sim zvt did not start"; return 1; }
  RIG_ZVT_PORT="$(head -1 "$RIG_STATE/zvt.log" | grep -oE '[0-9]+$')"
  [ -n "$RIG_ZVT_PORT" ] || { rig__say "kit-sim zvt printed no port: $(head -1 "$RIG_STATE/zvt.log")"; return 1; }
  # The camera for the photo step (issue #22): the committed portrait as a live MJPEG stream.
  "${RIG__IN_KIT[@]}" "$RIG_BIN/kit-sim" camera --image "$(repo_root)/Tests/KitDriversTests/Camera/Fixtures/portrait.png" \
    >"$RIG_STATE/camera.log" 2>&1 &
  RIG_CAMERA_PID=$!
  wait_for "kit-sim camera" 15 grep -q "^camera source: " "$RIG_STATE/camera.log" ||
    { rig__say "kit-sim camera did not start; see $RIG_STATE/camera.log"; return 1; }
  KIT_AGENT_CAMERA_SOURCE="$(sed -n 's/^camera source: //p' "$RIG_STATE/camera.log")"
  export RIG_CARD_READER RIG_CARD_PORT RIG_CARD_CAN RIG_TERMINAL_PKI RIG_FP_SOCKET RIG_ZVT_PORT RIG_ZVT_JOURNAL \
    KIT_AGENT_CAMERA_SOURCE RIG_CAMERA_PID
}

# rig_start_pcscd: pcscd of the rig's own (also again after the first was stopped), until it offers
# the rig's reader. Sets RIG_PCSCD_PID.
rig_start_pcscd() {
  /usr/sbin/pcscd --foreground >>"$RIG_STATE/pcscd.log" 2>&1 &
  RIG_PCSCD_PID=$!
  if ! wait_for "pcscd with the vpcd readers" 15 bash -c "opensc-tool -l 2>/dev/null | grep -qF '$RIG_CARD_READER'"; then
    rig__say "pcscd offers no reader \"$RIG_CARD_READER\"; see $RIG_STATE/pcscd.log"
    return 1
  fi
}

# rig_replace_terminal [kit-sim zvt options…]: the EC terminal is swapped for a new one on the same
# port with an empty journal (it knows nothing of earlier payments); a still running old one is
# killed first. The options go to the new `kit-sim zvt` (e.g. --completion-delay-ms 30000).
rig_replace_terminal() {
  if [ -n "$RIG_ZVT_PID" ]; then rig__stop "$RIG_ZVT_PID" "kit-sim zvt" KILL 5 || true; fi
  RIG__ZVT_GENERATION=$((${RIG__ZVT_GENERATION:-1} + 1))
  RIG_ZVT_JOURNAL="$RIG_STATE/zvt-journal-$RIG__ZVT_GENERATION.json"
  rig__kit_prefix
  "${RIG__IN_KIT[@]}" "$RIG_BIN/kit-sim" zvt --tcp "$RIG_ZVT_PORT" --journal "$RIG_ZVT_JOURNAL" "$@" \
    >"$RIG_STATE/zvt-$RIG__ZVT_GENERATION.log" 2>&1 &
  RIG_ZVT_PID=$!
  wait_for "kit-sim zvt on port $RIG_ZVT_PORT" 15 test -s "$RIG_STATE/zvt-$RIG__ZVT_GENERATION.log" ||
    { rig__say "the replacement kit-sim zvt did not start; see $RIG_STATE/zvt-$RIG__ZVT_GENERATION.log"; return 1; }
  export RIG_ZVT_PID RIG_ZVT_JOURNAL
}

# rig__card_present: pcscd shows a card in the rig's reader.
rig__card_present() { opensc-tool -l 2>/dev/null | grep -F "$RIG_CARD_READER" | grep -q " Yes "; }

rig_insert_card() {
  rig_remove_card
  # The first card writes a test terminal PKI into the folder; later cards trust its CVCA.
  "$RIG_BIN/kit-sim" card --type npa --port "$RIG_CARD_PORT" --can "$RIG_CARD_CAN" \
    --terminal-pki "$RIG_TERMINAL_PKI" "$@" >>"$RIG_STATE/card.log" 2>&1 &
  RIG_CARD_PID=$!
  export RIG_CARD_PID
  if ! wait_for "the card on $RIG_CARD_READER" 10 rig__card_present; then
    rig__say "pcscd does not see the simulated card; see $RIG_STATE/card.log"
    return 1
  fi
}

# rig_insert_card_of_case FILE CASE: the card of CASE's citizen (from a cases file as `sync-server
# cases import` takes it), names and address in the card's spelling (upper case, umlauts spelled out).
rig_insert_card_of_case() {
  local options=()
  mapfile -t options < <(python3 - "$1" "$2" <<'PY'
import json, sys
def card(text):
    text = text.upper()
    for a, b in (("Ä", "AE"), ("Ö", "OE"), ("Ü", "UE"), ("ß", "SS")):
        text = text.replace(a, b)
    return text
for entry in json.load(open(sys.argv[1])):
    c = entry["snapshot"]["citizen"]
    if entry["snapshot"]["caseId"] == sys.argv[2]:
        a = c["address"]
        for option in ("--given-names", card(c["givenNames"]), "--family-names", card(c["familyName"]),
                       "--date-of-birth", c["dateOfBirth"],
                       "--address", "|".join([card(a["street"]), card(a["city"]), a["country"], a["zip"]])):
            print(option)
PY
)
  [ ${#options[@]} -gt 0 ] || { rig__say "no case $2 in $1"; return 1; }
  rig_insert_card "${options[@]}"
}

rig_remove_card() {
  [ -n "$RIG_CARD_PID" ] || return 0
  # SIGINT: kit-sim takes the card off the reader (closes the vpcd link) and exits 0.
  rig__stop "$RIG_CARD_PID" "kit-sim card" INT 5 || true
  RIG_CARD_PID=""
  wait_for "the card to leave $RIG_CARD_READER" 5 bash -c "! opensc-tool -l 2>/dev/null | grep -F '$RIG_CARD_READER' | grep -q ' Yes '"
}

rig_feed_fingerprints() {
  # Spare images: one that arrives while the scanner is not capturing is dropped (as a real scanner
  # ignores a finger placed too early), e.g. when a loaded machine takes longer than INTERVAL.
  local sequence=${1:-wait:1500,clean,clean,clean,clean,clean,clean,clean,clean,clean,clean,clean,clean}
  local interval=${2:-1.2}
  rig_stop_fingerprints
  # Line-buffered, so the log shows each image even when the feeder is stopped mid-script.
  stdbuf -oL "$RIG_BIN/kit-sim" fingerprint --socket "$RIG_FP_SOCKET" --sequence "$sequence" --interval "$interval" \
    --connect-timeout 60 >>"$RIG_STATE/fingerprint.log" 2>&1 &
  RIG_FP_PID=$!
  export RIG_FP_PID
}

rig_stop_fingerprints() {
  [ -n "$RIG_FP_PID" ] || return 0
  rig__stop "$RIG_FP_PID" "kit-sim fingerprint" TERM 5 || true
  RIG_FP_PID=""
}

# ---------------------------------------------------------------- kit agent

rig_kit() { rig__in_kit "$RIG_BIN/kit-agent" "$@" --state-dir "$RIG_AGENT_STATE"; }

rig_use_kit() {
  RIG_AGENT_STATE="$RIG_STATE/agent-$1"
  export RIG_AGENT_STATE
}

rig_enroll_kit() {
  local kit_id=$1 token
  RIG_AGENT_STATE="${2:-$RIG_STATE/agent-$kit_id}"
  export RIG_AGENT_STATE
  # The token goes from one program to the other, never to a log.
  token="$(rig_server kits enroll --kit-id "$kit_id" 2>>"$RIG_STATE/enroll.log")" ||
    { rig__say "sync-server kits enroll failed; see $RIG_STATE/enroll.log"; return 1; }
  rig__in_kit "$RIG_BIN/kit-agent" enroll --state-dir "$RIG_AGENT_STATE" --server "$RIG_SERVER_URL" --kit-id "$kit_id" \
    --token "$token" --ca-file "$RIG_SERVER_CA" >>"$RIG_STATE/enroll.log" 2>&1 ||
    { rig__say "kit-agent enroll failed; see $RIG_STATE/enroll.log"; return 1; }
}

rig_start_agent() {
  local plain=false
  if [ "${1:-}" = "--plain" ]; then plain=true; shift; fi
  RIG_AGENT_STATE="${1:-$RIG_AGENT_STATE}"
  local state=$RIG_AGENT_STATE port log
  port="$(free_port)"
  log="$RIG_STATE/$(basename "$state").log"
  rm -f "$state/run/local-api.json"
  rig__kit_prefix
  local agent=("$RIG_BIN/kit-agent" run --state-dir "$state" --server "$RIG_SERVER_URL" --api-port "$port")
  if $plain; then
    # No pad, scanner or terminal; the card reader (a configuration only) when the devices run.
    KIT_AGENT_LINK_PROBE_INTERVAL=1 \
      KIT_AGENT_CARD_TERMINAL_CREDENTIALS="${RIG_TERMINAL_PKI:-}" KIT_AGENT_CARD_READER="${RIG_CARD_READER:-}" \
      "${RIG__IN_KIT[@]}" "${agent[@]}" >>"$log" 2>&1 &
  else
    KIT_AGENT_LINK_PROBE_INTERVAL=1 \
      KIT_AGENT_CARD_TERMINAL_CREDENTIALS="$RIG_TERMINAL_PKI" KIT_AGENT_CARD_READER="$RIG_CARD_READER" \
      KIT_AGENT_TERMINAL_ZVT_ADDRESS="127.0.0.1:$RIG_ZVT_PORT" FP_VIRTUAL_IMAGE="$RIG_FP_SOCKET" \
      "${RIG__IN_KIT[@]}" "$RIG_BIN/kit-sim" signature-pad --generate --timeout 86400 -- "${agent[@]}" >>"$log" 2>&1 &
  fi
  RIG__AGENT_WRAPPERS[$state]=$!
  if ! wait_for "kit-agent local API" 30 test -s "$state/run/local-api.json"; then
    rig__say "kit-agent did not start; see $log"
    return 1
  fi
  RIG_API_PORT=$port
  RIG_AGENT_PID="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["processID"])' \
    "$state/run/local-api.json")"
  export RIG_API_PORT RIG_AGENT_PID RIG_AGENT_STATE
}

rig_unlock() {
  local state=${1:-$RIG_AGENT_STATE}
  # The secret goes through stdin only (never argv or a log).
  if ! echo "$RIG_UNLOCK_SECRET" | rig__in_kit "$RIG_BIN/kit-agent" unlock --initialize --state-dir "$state" >/dev/null 2>&1; then
    echo "$RIG_UNLOCK_SECRET" | rig__in_kit "$RIG_BIN/kit-agent" unlock --state-dir "$state" >/dev/null
  fi
}

rig_stop_agent() {
  local state=${1:-$RIG_AGENT_STATE} wrapper pid code=0
  wrapper="${RIG__AGENT_WRAPPERS[$state]:-}"
  [ -n "$wrapper" ] || return 0
  pid="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["processID"])' \
    "$state/run/local-api.json" 2>/dev/null || true)"
  # The agent itself gets SIGTERM; the pad wrapper (if any) ends with the agent's exit code.
  if [ -n "$pid" ] && rig__alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    rig__stop "$wrapper" "kit-agent ($(basename "$state"))" NONE 15 || code=$?
  else
    rig__stop "$wrapper" "kit-agent ($(basename "$state"))" TERM 15 || code=$?
  fi
  unset "RIG__AGENT_WRAPPERS[$state]"
  if [ "$code" -ne 0 ]; then
    rig__say "kit-agent ($(basename "$state")) exited with code $code"
    return 1
  fi
  if [ -e "$state/run/local-api.json" ]; then
    rig__say "kit-agent ($(basename "$state")) left its endpoint file behind"
    return 1
  fi
}

# rig__stats_field FIELD [AGENT_STATE]: lastSeq, byState.<state> or queueDepth (pending + sent) from
# `queue stats --json`.
rig__stats_field() {
  local field=$1 state=${2:-$RIG_AGENT_STATE}
  rig__in_kit "$RIG_BIN/kit-agent" queue stats --json --state-dir "$state" 2>/dev/null | python3 -c '
import json, sys
stats = json.load(sys.stdin)
field = sys.argv[1]
if field.startswith("byState."):
    print(stats["byState"].get(field[8:], 0))
elif field == "queueDepth":
    print(stats["byState"].get("pending", 0) + stats["byState"].get("sent", 0))
else:
    print(stats[field])' "$field"
}

rig_queue_count() {
  if [ "$1" = "last" ]; then rig__stats_field lastSeq "${2:-}"; else rig__stats_field "byState.$1" "${2:-}"; fi
}

rig__drained() { [ "$(rig__stats_field queueDepth "$1")" = 0 ]; }

rig_wait_drained() {
  local seconds=${1:-60} state=${2:-$RIG_AGENT_STATE}
  # The check runs anew each time (a "$(…)" argument would be read once, before the wait).
  wait_for "the queue of $(basename "$state") to drain" "$seconds" rig__drained "$state"
}

rig_wait_link() {
  local want=$1 seconds=${2:-15} state=${3:-$RIG_AGENT_STATE}
  # --no-refresh: the agent's own link monitor (a probe every second in the rig) is what counts; a
  # fresh probe from here would also wait for its timeout.
  local check="${RIG_NETNS:+ip netns exec $RIG_NETNS }\"$RIG_BIN/kit-agent\" status --json --no-refresh --state-dir \"$state\" | grep -q '\"reachability\" : \"reachable\"'"
  if [ "$want" = up ]; then
    wait_for "the link to come up" "$seconds" bash -c "$check"
  else
    wait_for "the link to go down" "$seconds" bash -c "! $check"
  fi
}

rig_stop_all() {
  local code=$? state
  rig_stop_fingerprints
  for state in "${!RIG__AGENT_WRAPPERS[@]}"; do rig_stop_agent "$state" || true; done
  rig_remove_card || true
  if [ -n "$RIG_ZVT_PID" ]; then rig__stop "$RIG_ZVT_PID" "kit-sim zvt" || true; RIG_ZVT_PID=""; fi
  if [ -n "$RIG_CAMERA_PID" ]; then rig__stop "$RIG_CAMERA_PID" "kit-sim camera" || true; RIG_CAMERA_PID=""; fi
  if [ -n "$RIG_SERVER_PID" ]; then rig_stop_server || true; fi
  if [ -n "$RIG_PCSCD_PID" ]; then rig__stop "$RIG_PCSCD_PID" pcscd || true; RIG_PCSCD_PID=""; fi
  return "$code"
}
