"""Connection flood against a running sync server (used by connection-flood.sh).

Opens NEVER_TLS plain TCP connections that never start TLS and SLOW TLS connections that send
their header one byte per second, checks that an authenticated request succeeds while they are
open, that the server closes every one of them within its timeouts, and that its resident memory
returns to within 20 % of the idle value. Prints one "ok"/"FAIL" line per check.
"""
import json
import os
import selectors
import socket
import ssl
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

port, pid, ca, token = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
never_tls, slow = int(sys.argv[5]), int(sys.argv[6])
timeout = float(sys.argv[7])  # configured header and handshake timeout (seconds)
failures = 0


def check(name, passed, detail=""):
    global failures
    print(f"connection-flood: {'ok' if passed else 'FAIL'} {name}{': ' + detail if detail else ''}", flush=True)
    if not passed:
        failures += 1


def rss_kib():
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def tls_context():
    context = ssl.create_default_context(cafile=ca)
    context.check_hostname = False
    return context


def request(path, auth=True):
    """One HTTPS request on a new connection; returns (status, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with tls_context().wrap_socket(raw) as conn:
            head = f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
            if auth:
                head += f"Authorization: Bearer {token}\r\n"
            conn.sendall((head + "\r\n").encode())
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data.split(b"\r\n\r\n", 1)[1]


# Warm up (first TLS handshakes, store, lazily built parts), then take the idle value.
for _ in range(10):
    request("/v1/version", auth=False)
    request("/v1/admin/fleet")
time.sleep(2)
idle = rss_kib()

# One thread watches every flood connection (and trickles the slow ones), so a close by the server
# is seen when it happens, while other threads are still opening connections.
opened = {}
closed_after = {"never-tls": [], "slow-header": []}
lock = threading.Lock()
selector = selectors.DefaultSelector()
opening_done = threading.Event()


def watch():
    last_trickle = 0.0
    deadline = None
    while True:
        # epoll may be waited on while other threads register sockets.
        events = selector.select(timeout=0.05) if opened else []
        now = time.monotonic()
        if now - last_trickle >= 1:
            last_trickle = now
            with lock:
                trickling = [sock for sock, (kind, _) in opened.items() if kind == "slow-header"]
            for sock in trickling:  # only this thread reads or writes a registered socket
                try:
                    sock.send(b"a")
                except (OSError, ValueError):
                    pass  # closed by the server: the selector reports it
        with lock:
            if opening_done.is_set():
                deadline = deadline or now + timeout + 15
                if not opened or now > deadline:
                    return
            for key, _ in events:
                sock = key.fileobj
                if sock not in opened:
                    continue
                try:
                    data = sock.recv(4096)
                except (ssl.SSLWantReadError, BlockingIOError):
                    continue
                except OSError:
                    data = b""
                if data:
                    continue  # an alert or error response before the close is fine
                kind, at = opened.pop(sock)
                closed_after[kind].append(time.monotonic() - at)
                selector.unregister(sock)
                sock.close()
        if not events:
            time.sleep(0.01)


def register(sock, kind):
    with lock:
        opened[sock] = (kind, time.monotonic())
        selector.register(sock, selectors.EVENT_READ)


# Slow clients resume one TLS session (as a real attacker would, to spare their own CPU), which
# keeps 5,000 handshakes against a debug build within the test's time.
slow_context = tls_context()
first = slow_context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10))
first.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
while first.recv(65536):
    pass
session = first.session
first.close()


def open_slow(_):
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn = slow_context.wrap_socket(raw, session=session)
    conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
    conn.setblocking(False)
    register(conn, "slow-header")


watcher = threading.Thread(target=watch)
watcher.start()
# The slow ones first (TLS handshakes take a while), then the never-TLS ones, so that nearly all
# are open at once when the requests below are made.
start = time.monotonic()
with ThreadPoolExecutor(16) as pool:
    list(pool.map(open_slow, range(slow)))
for batch in range(0, never_tls, 200):
    for _ in range(min(200, never_tls - batch)):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.setblocking(False)
        register(sock, "never-tls")
    time.sleep(0.02)  # within the listen backlog
opening = time.monotonic() - start

# While the flood holds its connections: an authenticated request and an unauthenticated one.
with lock:
    still_open = len(opened)
peak = rss_kib()
status, body = request("/v1/admin/fleet")
check("authenticated request during the flood", status == 200, f"HTTP {status} with {still_open} flood connections open")
status, _ = request("/v1/version", auth=False)
check("/v1/version during the flood", status == 200, f"HTTP {status}")
opening_done.set()
watcher.join()

left = {kind: sum(1 for k, _ in opened.values() if k == kind) for kind in closed_after}
late = {kind: sum(1 for after in times if after > timeout + 5) for kind, times in closed_after.items()}
slowest = {kind: max(times, default=0) for kind, times in closed_after.items()}
check(
    f"{never_tls} never-TLS and {slow} slow-header connections closed by the server within {timeout + 5:.0f} s",
    sum(left.values()) == 0 and sum(late.values()) == 0,
    f"still open {left}, late {late}, slowest close {', '.join(f'{k} {v:.1f} s' for k, v in slowest.items())}; "
    f"opening took {opening:.1f} s",
)
for sock in opened:
    sock.close()

status, _ = request("/v1/admin/fleet")
check("authenticated request after the flood", status == 200, f"HTTP {status}")
# memory.trimInterval in the test is 2 s: give the server up to 10 s to return the memory.
after = rss_kib()
for _ in range(10):
    if after <= idle * 1.2:
        break
    time.sleep(1)
    after = rss_kib()
check(
    "resident memory back within 20 % of idle",
    after <= idle * 1.2,
    f"idle {idle} KiB, during the flood {peak} KiB, after {after} KiB ({after / idle:.2f}x)",
)
sys.exit(1 if failures else 0)
