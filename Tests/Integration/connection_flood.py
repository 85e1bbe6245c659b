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


def open_slow(_):
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn = tls_context().wrap_socket(raw)
    conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
    conn.setblocking(False)
    return conn


# Warm up (first TLS handshakes, store, lazily built parts), then take the idle value.
for _ in range(20):
    request("/v1/version", auth=False)
    request("/v1/admin/fleet")
time.sleep(3)
idle = rss_kib()

opened = {}
selector = selectors.DefaultSelector()
start = time.monotonic()
for _ in range(never_tls):
    sock = socket.socket()
    sock.setblocking(False)
    sock.connect_ex(("127.0.0.1", port))
    opened[sock] = ("never-tls", time.monotonic())
with ThreadPoolExecutor(16) as pool:
    for conn in pool.map(open_slow, range(slow)):
        opened[conn] = ("slow-header", time.monotonic())
opening = time.monotonic() - start
for sock in opened:
    selector.register(sock, selectors.EVENT_READ)

# While the flood holds its connections: an authenticated request and an unauthenticated one.
still_open = len(opened)
peak = rss_kib()
status, body = request("/v1/admin/fleet")
check("authenticated request during the flood", status == 200, f"HTTP {status} with up to {still_open} flood connections")
status, _ = request("/v1/version", auth=False)
check("/v1/version during the flood", status == 200, f"HTTP {status}")

# Keep the slow ones trickling; collect every close by the server.
closed_late = 0
last_trickle = 0.0
deadline = time.monotonic() + timeout + 15
while opened and time.monotonic() < deadline:
    now = time.monotonic()
    if now - last_trickle >= 1:
        last_trickle = now
        for sock, (kind, _) in list(opened.items()):
            if kind == "slow-header":
                try:
                    sock.send(b"a")
                except (ssl.SSLWantWriteError, ssl.SSLWantReadError, BlockingIOError):
                    pass
                except OSError:
                    pass  # closed by the server: the selector reports it
    for key, _ in selector.select(timeout=0.2):
        sock = key.fileobj
        try:
            data = sock.recv(4096)
        except (ssl.SSLWantReadError, BlockingIOError):
            continue
        except OSError:
            data = b""
        if data:
            continue  # an error response before the close is fine
        kind, at = opened.pop(sock)
        if time.monotonic() - at > timeout + 5:
            closed_late += 1
        selector.unregister(sock)
        sock.close()
left = len(opened)
check(
    f"{never_tls} never-TLS and {slow} slow-header connections closed by the server",
    left == 0 and closed_late == 0,
    f"{left} still open, {closed_late} closed later than {timeout + 5:.0f} s; opening took {opening:.1f} s",
)
for sock in opened:
    sock.close()

status, _ = request("/v1/admin/fleet")
check("authenticated request after the flood", status == 200, f"HTTP {status}")
time.sleep(6)  # memory.trimInterval in the test is 2 s
after = rss_kib()
check(
    "resident memory back within 20 % of idle",
    after <= idle * 1.2,
    f"idle {idle} KiB, during the flood {peak} KiB, after {after} KiB ({after / idle:.2f}x)",
)
sys.exit(1 if failures else 0)
