# shellcheck shell=bash
# Shared by scripts/demo and scripts/test. Source it; it defines helpers only.

repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

# Python tools installed by scripts/setup (NBIS WSQ decoder) come first on PATH.
use_python_tools() {
  PATH="$(repo_root)/.venv-tools/bin:$PATH"
  export PATH
}

ensure_swift_on_path() {
  if ! command -v swift >/dev/null 2>&1; then
    for candidate in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
      [ -x "$candidate/swift" ] && export PATH="$candidate:$PATH"
    done
  fi
}

# A free TCP port on loopback (the kernel picks it; a short race is acceptable for demos).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_for DESCRIPTION SECONDS COMMAND...: retries COMMAND until it succeeds or time runs out.
wait_for() {
  local what=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      echo "timed out after ${seconds}s waiting for $what" >&2
      return 1
    fi
    sleep 0.2
  done
}

# stop_process PID NAME: SIGTERM, wait (PID 1 here does not reap orphans), report the exit code.
stop_process() {
  local pid=$1 name=$2 code=0
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" || code=$?
  if [ "$code" -ne 0 ]; then
    echo "$name exited with code $code" >&2
    return 1
  fi
}
