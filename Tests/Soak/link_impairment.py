#!/usr/bin/env python3
"""A bad mobile link in user space, for the soak (issue #19): a UDP relay between the kit's
WireGuard endpoint and the server's. The kernel here has no netem, so loss, delay, reordering and
outages are applied to WireGuard's UDP datagrams by this relay; TCP inside the tunnel sees them as a
real weak cell would.

    link_impairment.py LISTEN_HOST:PORT TARGET_HOST:PORT CONTROL_FILE STATS_FILE

Datagrams from the kit (to LISTEN) go to TARGET; TARGET's answers go back to the kit's last address.
CONTROL_FILE (JSON, re-read when it changes) sets the impairment of both directions:
    {"loss": 0.1, "delayMs": [50, 800], "reorder": 0.05, "down": false}
loss: probability a datagram is dropped; delayMs: each datagram is held a uniformly drawn delay
(so later ones may overtake: reordering comes with jitter); reorder: probability a datagram is held
another full maximum delay; down: every datagram is dropped (the link is gone).
STATS_FILE gets counters (datagrams and bytes forwarded and dropped per direction) every second and
at SIGTERM. Seeded by SOAK_SEED for repeatable runs.
"""
import asyncio
import json
import os
import random
import signal
import sys


def address(text):
    host, _, port = text.rpartition(":")
    return host, int(port)


class Impairment:
    def __init__(self, path, rng):
        self.path = path
        self.rng = rng
        self.mtime = None
        self.loss, self.delay, self.reorder, self.down = 0.0, (0, 0), 0.0, False

    def refresh(self):
        try:
            mtime = os.stat(self.path).st_mtime_ns
        except FileNotFoundError:
            return
        if mtime == self.mtime:
            return
        self.mtime = mtime
        try:
            with open(self.path) as handle:
                settings = json.load(handle)
        except (OSError, ValueError) as error:
            print(f"link-impairment: control file unreadable, keeping the last settings: {error}",
                  file=sys.stderr)
            return
        low, high = settings.get("delayMs", [0, 0])
        self.loss = min(max(float(settings.get("loss", 0)), 0.0), 1.0)
        self.delay = (max(int(low), 0), max(int(high), int(low), 0))
        self.reorder = min(max(float(settings.get("reorder", 0)), 0.0), 1.0)
        self.down = bool(settings.get("down", False))

    def hold(self):
        """Seconds to hold a datagram, or None to drop it."""
        if self.down or self.rng.random() < self.loss:
            return None
        milliseconds = self.rng.uniform(*self.delay)
        if self.rng.random() < self.reorder:
            milliseconds += self.delay[1]
        return milliseconds / 1000


class Relay:
    def __init__(self, listen, target, impairment, stats_path):
        self.listen, self.target = listen, target
        self.impairment = impairment
        self.stats_path = stats_path
        self.kit = None
        self.towards_kit = self.towards_server = None
        self.counters = {f"{d}.{c}": 0 for d in ("up", "down")
                         for c in ("datagrams", "bytes", "dropped", "droppedBytes")}

    def forward(self, direction, data, send):
        hold = self.impairment.hold()
        if hold is None:
            self.counters[f"{direction}.dropped"] += 1
            self.counters[f"{direction}.droppedBytes"] += len(data)
            return
        self.counters[f"{direction}.datagrams"] += 1
        self.counters[f"{direction}.bytes"] += len(data)
        asyncio.get_running_loop().call_later(hold, send, data)

    def write_stats(self):
        temporary = self.stats_path + ".tmp"
        with open(temporary, "w") as handle:
            json.dump(self.counters, handle)
        os.replace(temporary, self.stats_path)

    async def run(self):
        loop = asyncio.get_running_loop()
        relay = self

        class FromKit(asyncio.DatagramProtocol):
            def datagram_received(self, data, source):
                relay.kit = source
                relay.forward("up", data, lambda d: relay.towards_server.sendto(d))

        class FromServer(asyncio.DatagramProtocol):
            def datagram_received(self, data, source):
                if relay.kit is not None:
                    kit = relay.kit
                    relay.forward("down", data, lambda d: relay.towards_kit.sendto(d, kit))

        self.towards_kit, _ = await loop.create_datagram_endpoint(FromKit, local_addr=self.listen)
        self.towards_server, _ = await loop.create_datagram_endpoint(FromServer, remote_addr=self.target)
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        loop.add_signal_handler(signal.SIGINT, stop.set)
        print(f"link-impairment: relaying {self.listen[0]}:{self.listen[1]} -> {self.target[0]}:{self.target[1]}",
              flush=True)
        while not stop.is_set():
            self.impairment.refresh()
            self.write_stats()
            try:
                await asyncio.wait_for(stop.wait(), 0.5)
            except asyncio.TimeoutError:
                pass
        self.write_stats()


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    rng = random.Random(int(os.environ.get("SOAK_SEED", "1")))
    impairment = Impairment(sys.argv[3], rng)
    impairment.refresh()
    asyncio.run(Relay(address(sys.argv[1]), address(sys.argv[2]), impairment, sys.argv[4]).run())


if __name__ == "__main__":
    main()
