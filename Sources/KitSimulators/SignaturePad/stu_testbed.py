#!/usr/bin/python3
"""Wacom STU signature pad on a umockdev testbed.

Loads a device description (stu540.umockdev: the pad's USB descriptors and udev data), answers the
usbfs ioctls that libusb sends to /dev/bus/usb/BBB/DDD from a model of the pad (HID GET_REPORT /
SET_REPORT feature reports on endpoint 0, pen reports on interrupt IN endpoint 0x81), and runs the
given command in the testbed environment (LD_PRELOAD=libumockdev-preload, UMOCKDEV_DIR).

    /usr/bin/python3 stu_testbed.py [--model stu540] [--stroke FILE | --generate] -- COMMAND [ARG...]

The command sees one pad on bus 1 address 2 and can drive it through libusb as if it were plugged in.
While it runs, the testbed listens on the Unix socket named in $STU_TESTBED_CONTROL for JSON requests,
one per line, each answered by one JSON line:

    {"cmd": "state"}                               pad model, upload log, counters
    {"cmd": "wait", "inking": true, "timeout_ms": 5000}   wait until the pad's inking mode is on/off
    {"cmd": "play", "points": [[x, y, pressure, sw, rdy], ...]}   queue pen samples (one per 5 ms)
    {"cmd": "generate", "seed": 1}                 queue a generated signature stroke
    {"cmd": "tap", "x": 1000, "y": 6000}           pen down and up at tablet coordinates
    {"cmd": "inject", "hex": "34 00 ..."}          queue raw interrupt-IN bytes as one report
    {"cmd": "drain", "timeout_ms": 5000}           wait until every queued report was read by the host
    {"cmd": "unplug"} / {"cmd": "plug"}            pull / re-insert the cable (udev remove / add events)
    {"cmd": "reset"}                               power-cycle the model (keeps it plugged in)
    {"cmd": "configure", "kernel_driver_query_fails": true}   USBDEVFS_GETDRIVER fails (as under plain
                                                   umockdev, where libusb_kernel_driver_active gives -99)

With --stroke FILE or --generate, the stroke is played by itself as soon as the host switches inking
on, followed by a tap at --tap X,Y (tablet units) if given. A stroke file is JSON:
{"strokes": [[[x, y, pressure], ...], ...]} in tablet units, one point per pen report (5 ms).

Requires Debian's umockdev, gir1.2-umockdev-1.0 and python3-gi (run with /usr/bin/python3).
Exit status: the command's, 125 for a testbed error, 124 when --timeout expired.
"""

import argparse
import collections
import errno
import json
import math
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

try:
    import gi

    gi.require_version("UMockdev", "1.0")
    from gi.repository import UMockdev  # noqa: E402
except (ImportError, ValueError) as error:
    sys.stderr.write(
        "stu_testbed: umockdev's GObject bindings are missing (%s).\n"
        "Install the Debian packages umockdev gir1.2-umockdev-1.0 python3-gi and run this script "
        "with /usr/bin/python3 (not a pyenv/venv python).\n" % error
    )
    sys.exit(125)

HERE = os.path.dirname(os.path.abspath(__file__))

# --- usbfs ABI (linux/usbdevice_fs.h, x86_64/aarch64 layout) -------------------------------------


def _ioc(direction, number, size):
    return (direction << 30) | (size << 16) | (ord("U") << 8) | number


IOC_NONE, IOC_WRITE, IOC_READ = 0, 1, 2
URB_SIZE = 56  # struct usbdevfs_urb without iso descriptors
USBDEVFS_CONTROL = _ioc(IOC_READ | IOC_WRITE, 0, 24)
USBDEVFS_RESETEP = _ioc(IOC_READ, 3, 4)
USBDEVFS_SETINTERFACE = _ioc(IOC_READ, 4, 8)
USBDEVFS_SETCONFIGURATION = _ioc(IOC_READ, 5, 4)
USBDEVFS_GETDRIVER = _ioc(IOC_WRITE, 8, 260)
USBDEVFS_SUBMITURB = _ioc(IOC_READ, 10, URB_SIZE)
USBDEVFS_DISCARDURB = _ioc(IOC_NONE, 11, 0)
USBDEVFS_REAPURB = _ioc(IOC_WRITE, 12, 8)
USBDEVFS_REAPURBNDELAY = _ioc(IOC_WRITE, 13, 8)
USBDEVFS_CLAIMINTERFACE = _ioc(IOC_READ, 15, 4)
USBDEVFS_RELEASEINTERFACE = _ioc(IOC_READ, 16, 4)
USBDEVFS_CONNECTINFO = _ioc(IOC_WRITE, 17, 8)
USBDEVFS_IOCTL = _ioc(IOC_READ | IOC_WRITE, 18, 16)
USBDEVFS_RESET = _ioc(IOC_NONE, 20, 0)
USBDEVFS_CLEAR_HALT = _ioc(IOC_READ, 21, 4)
USBDEVFS_DISCONNECT = _ioc(IOC_NONE, 22, 0)
USBDEVFS_CONNECT = _ioc(IOC_NONE, 23, 0)
USBDEVFS_GET_CAPABILITIES = _ioc(IOC_READ, 26, 4)
USBDEVFS_DISCONNECT_CLAIM = _ioc(IOC_READ, 27, 264)
USBDEVFS_GET_SPEED = _ioc(IOC_NONE, 31, 0)

URB_TYPE_INTERRUPT, URB_TYPE_CONTROL = 1, 2
CAP_ZERO_PACKET, CAP_BULK_CONTINUATION, CAP_NO_PACKET_SIZE_LIM = 0x01, 0x02, 0x04
CAP_REAP_AFTER_DISCONNECT = 0x10
USB_SPEED_FULL = 2
PEN_ENDPOINT = 0x81
PEN_MAX_PACKET = 64

# --- STU protocol facts (Wacom STU interface) ----------------------------------------------------

# Feature report sizes including the id byte.
FEATURE_SIZES = {
    0x03: 5, 0x04: 2, 0x08: 17, 0x09: 17, 0x20: 2, 0x21: 2, 0x22: 5, 0x24: 11, 0x25: 2,
    0x26: 256, 0x27: 2, 0x2A: 9, 0x32: 2,
}
READABLE = {0x03, 0x08, 0x09, 0x21, 0x22, 0x2A, 0x32}
WRITABLE = {0x04, 0x20, 0x21, 0x22, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x32}
STATUS_READY, STATUS_IMAGE = 0x00, 0x01
RESULT_OK, RESULT_WRONG_STATE, RESULT_BAD_PARAMETER = 0x00, 0x02, 0x04
RESULT_WRONG_ENCODING, RESULT_IMAGE_TOO_LONG = 0x10, 0x11

MODELS = {
    # name: (pid, model name, tabletMaxX, tabletMaxY, maxPressure, width, height, rate, resolution, encodings)
    "stu540": (0x00A8, "STU-540", 10800, 6480, 1023, 800, 480, 200, 2540, 0x0F),
    "stu530": (0x00A5, "STU-530", 10800, 6480, 1023, 800, 480, 200, 2540, 0x0F),
    "stu430": (0x00A4, "STU-430", 9600, 6000, 1023, 320, 200, 200, 2540, 0x02),
}

# Vendor-defined HID report descriptor listing the STU input and feature reports with their sizes.
INPUT_SIZES = {0x01: 7, 0x34: 11}


def report_descriptor():
    out = [0x06, 0x00, 0xFF, 0x09, 0x01, 0xA1, 0x01, 0x15, 0x00, 0x26, 0xFF, 0x00, 0x75, 0x08]
    reports = sorted([(i, n, 0x81) for i, n in INPUT_SIZES.items()] + [(i, n, 0xB1) for i, n in FEATURE_SIZES.items()])
    for report_id, size, kind in reports:
        count = size - 1
        out += [0x85, report_id, 0x09, report_id]
        out += [0x95, count] if count < 256 else [0x96, count & 0xFF, count >> 8]
        out += [kind, 0x02]
    return bytes(out + [0xC0])


def log(message):
    if os.environ.get("STU_TESTBED_VERBOSE"):
        sys.stderr.write("stu_testbed: %s\n" % message)
        sys.stderr.flush()


class PadModel:
    """The pad's firmware state as seen through its feature reports."""

    def __init__(self, model):
        (self.pid, self.name, self.max_x, self.max_y, self.max_pressure, self.width, self.height,
         self.rate, self.resolution, self.encodings) = MODELS[model]
        self.power_on()

    def power_on(self):
        self.status = STATUS_READY
        self.last_result = RESULT_OK
        self.inking = False
        self.ink_threshold = (0x15, 0x10)
        self.handwriting_area = (0, 0, self.width - 1, self.height - 1)
        self.pen_option_mode = 0
        self.image = None  # upload in progress: dict(encoding, area, data, blocks)
        self.uploads = []  # committed or abandoned uploads
        self.set_reports = []
        self.get_reports = []
        self.clear_count = 0
        self.boot = time.monotonic()
        self.sequence = 0

    def information(self):
        name = self.name.encode("ascii")[:9].ljust(9, b"\0")
        return bytes([0x08]) + name + bytes([1, 10, 0, 2, 0, 0, 0])

    def capability(self):
        return struct.pack(
            ">BHHHHHBHB2x", 0x09, self.max_x, self.max_y, self.max_pressure, self.width, self.height,
            self.rate, self.resolution, self.encodings)

    def get_feature(self, report_id, length):
        """Returns the report bytes, or None to stall the pipe."""
        self.get_reports.append(report_id)
        if report_id not in READABLE or FEATURE_SIZES[report_id] != length:
            return None
        if report_id == 0x03:
            return struct.pack("<BBBH", 0x03, self.status, self.last_result, 0)
        if report_id == 0x08:
            return self.information()
        if report_id == 0x09:
            return self.capability()
        if report_id == 0x21:
            return bytes([0x21, 1 if self.inking else 0])
        if report_id == 0x22:
            return struct.pack("<BHH", 0x22, *self.ink_threshold)
        if report_id == 0x2A:
            return struct.pack("<BHHHH", 0x2A, *self.handwriting_area)
        if report_id == 0x32:
            return bytes([0x32, self.pen_option_mode])
        return None

    def image_size(self, encoding, area):
        width = area[2] - area[0] + 1
        height = area[3] - area[1] + 1
        if encoding == 0x00:
            return (width + 7) // 8 * height
        if encoding == 0x02:
            return width * height * 2
        if encoding == 0x04:
            return width * height * 3
        return None  # zlib: size unknown until inflated

    def set_feature(self, data):
        """Applies a SET_REPORT; returns False to stall the pipe (wrong id or length)."""
        if not data:
            return False
        report_id = data[0]
        self.set_reports.append(report_id)
        if report_id not in WRITABLE or FEATURE_SIZES[report_id] != len(data):
            return False
        self.last_result = RESULT_OK
        if report_id == 0x04:
            self.power_on()
        elif report_id == 0x20:
            self.clear_count += 1
        elif report_id == 0x21:
            self.inking = data[1] != 0
        elif report_id == 0x22:
            self.ink_threshold = struct.unpack_from("<HH", data, 1)
        elif report_id == 0x2A:
            self.handwriting_area = struct.unpack_from("<HHHH", data, 1)
        elif report_id == 0x32:
            if data[1] > 3:
                self.last_result = RESULT_BAD_PARAMETER
            else:
                self.pen_option_mode = data[1]
        elif report_id in (0x24, 0x25):
            encoding = data[1]
            if encoding not in (0x00, 0x01, 0x02, 0x04) or (encoding != 0x00 and not self.encodings & 0x04):
                self.last_result = RESULT_WRONG_ENCODING
                return True
            area = struct.unpack_from("<HHHH", data, 3) if report_id == 0x24 else (0, 0, self.width - 1, self.height - 1)
            self.status = STATUS_IMAGE
            self.image = {"encoding": encoding, "area": list(area), "blocks": [], "bytes": 0, "data": bytearray()}
        elif report_id == 0x26:
            length = struct.unpack_from("<H", data, 1)[0]
            if self.status != STATUS_IMAGE or self.image is None:
                self.last_result = RESULT_WRONG_STATE
            elif length > 253:
                self.last_result = RESULT_BAD_PARAMETER
            else:
                self.image["blocks"].append(length)
                self.image["data"] += data[3:3 + length]
                self.image["bytes"] += length
                expected = self.image_size(self.image["encoding"], self.image["area"])
                if expected is not None and self.image["bytes"] > expected:
                    self.last_result = RESULT_IMAGE_TOO_LONG
        elif report_id == 0x27:
            if self.status != STATUS_IMAGE or self.image is None:
                self.last_result = RESULT_WRONG_STATE
            else:
                image = self.image
                expected = self.image_size(image["encoding"], image["area"])
                image["committed"] = data[1] == 0 and (expected is None or image["bytes"] == expected)
                image["expectedBytes"] = expected
                if data[1] == 0 and not image["committed"]:
                    self.last_result = RESULT_BAD_PARAMETER
                self.uploads.append(image)
                self.image = None
                self.status = STATUS_READY
        return True

    def pen_report(self, x, y, pressure, sw, rdy):
        """Encodes one pen sample the way the firmware does for the current pen data option mode."""
        status = (0x80 if rdy else 0) | (0x10 if sw else 0) | ((pressure >> 8) & 0x0F)
        body = struct.pack(">BBHH", status, pressure & 0xFF, x, y)
        if self.pen_option_mode == 3:
            time_count = int((time.monotonic() - self.boot) * 1000) & 0xFFFF
            self.sequence = (self.sequence + 1) & 0xFFFF
            return bytes([0x34]) + body + struct.pack(">HH", time_count, self.sequence)
        return bytes([0x01]) + body

    def summary(self):
        def upload(image):
            return {key: value for key, value in image.items() if key != "data"}

        return {
            "model": self.name,
            "status": self.status,
            "lastResult": self.last_result,
            "inking": self.inking,
            "inkThreshold": list(self.ink_threshold),
            "handwritingArea": list(self.handwriting_area),
            "penDataOptionMode": self.pen_option_mode,
            "clearCount": self.clear_count,
            "uploads": [upload(image) for image in self.uploads],
            "uploadInProgress": upload(self.image) if self.image else None,
            "setReports": self.set_reports,
            "getReports": self.get_reports,
        }


class Urb:
    def __init__(self, data, buffer, urb_type, endpoint, length):
        self.data = data
        self.buffer = buffer
        self.type = urb_type
        self.endpoint = endpoint
        self.length = length
        self.address = data.client_addr

    def finish(self, status, payload=b"", offset=0, actual=None):
        """Completes the URB: IN data copied into its buffer, status and actual_length set."""
        if payload and self.buffer is not None:
            self.buffer.update(offset, list(payload))
        self.data.update(4, list(struct.pack("<i", status)))
        self.data.update(28, list(struct.pack("<i", len(payload) if actual is None else actual)))


class STUDevice(UMockdev.IoctlBase):
    """usbfs ioctls of one STU pad, answered from a PadModel."""

    def __init__(self, model_name, on_inking):
        super().__init__()
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.model = PadModel(model_name)
        self.on_inking = on_inking
        self.plugged = True
        self.kernel_driver = "usbhid"
        self.driver_query_fails = False
        self.claimed = False
        self.pending_in = []  # interrupt IN URBs waiting for pen data
        self.reapable = collections.deque()
        self.parked = None  # (client, deadline) of a REAPURBNDELAY answered later
        self.queue = collections.deque()  # pen samples or raw reports to send
        self.delivered = 0
        self.opens = 0
        self.next_report = time.monotonic()
        self.connect("handle-ioctl", STUDevice.on_ioctl)
        self.connect("client-connected", lambda _base, _client: self._count_open())

    def _count_open(self):
        with self.lock:
            self.opens += 1

    # -- ioctl dispatch (runs on umockdev's worker thread) --

    def on_ioctl(self, client):
        request = client.get_request()
        arg = client.get_arg()
        try:
            with self.lock:
                return self.dispatch(client, request, arg)
        except Exception as error:  # a bug in the model must not hang the client
            sys.stderr.write("stu_testbed: ioctl %#x failed in the model: %r\n" % (request, error))
            client.complete(-1, errno.EIO)
            return True

    def dispatch(self, client, request, arg):
        if request in (USBDEVFS_REAPURB, USBDEVFS_REAPURBNDELAY):
            return self.reap(client, arg)
        if not self.plugged:
            client.complete(-1, errno.ENODEV)
            return True
        if request == USBDEVFS_SUBMITURB:
            return self.submit(client, arg)
        if request == USBDEVFS_DISCARDURB:
            address = struct.unpack("<Q", bytes(arg.retrieve()))[0]
            for urb in self.pending_in:
                if urb.address == address:
                    self.pending_in.remove(urb)
                    urb.finish(-errno.ENOENT)
                    self.reapable.append(urb)
                    self.wake_parked()
                    client.complete(0, 0)
                    return True
            client.complete(-1, errno.EINVAL)
            return True
        if request == USBDEVFS_GET_CAPABILITIES:
            data = arg.resolve(0, 4)
            caps = CAP_ZERO_PACKET | CAP_BULK_CONTINUATION | CAP_NO_PACKET_SIZE_LIM | CAP_REAP_AFTER_DISCONNECT
            data.update(0, list(struct.pack("<I", caps)))
            client.complete(0, 0)
            return True
        if request == USBDEVFS_GET_SPEED:
            client.complete(USB_SPEED_FULL, 0)
            return True
        if request == USBDEVFS_CONNECTINFO:
            data = arg.resolve(0, 8)
            data.update(0, list(struct.pack("<IB3x", 2, 0)))
            client.complete(0, 0)
            return True
        if request == USBDEVFS_GETDRIVER:
            if self.driver_query_fails:
                client.complete(-1, errno.EIO)  # what a usbfs without driver information looks like to libusb
                return True
            data = arg.resolve(0, 260)
            interface = struct.unpack_from("<I", bytes(data.retrieve()))[0]
            if interface != 0:
                client.complete(-1, errno.EINVAL)
            elif self.kernel_driver is None:
                client.complete(-1, errno.ENODATA)
            else:
                data.update(4, list(self.kernel_driver.encode() + b"\0"))
                client.complete(0, 0)
            return True
        if request == USBDEVFS_IOCTL:
            data = arg.resolve(0, 16)
            interface, code = struct.unpack_from("<iI", bytes(data.retrieve()))
            if interface != 0:
                client.complete(-1, errno.EINVAL)
            elif code == USBDEVFS_DISCONNECT:
                if self.kernel_driver is None:
                    client.complete(-1, errno.ENODATA)
                else:
                    self.kernel_driver = None
                    client.complete(0, 0)
            elif code == USBDEVFS_CONNECT:
                if self.claimed:
                    client.complete(-1, errno.EBUSY)
                else:
                    self.kernel_driver = "usbhid"
                    client.complete(0, 0)
            else:
                client.complete(-1, errno.ENOTTY)
            return True
        if request == USBDEVFS_DISCONNECT_CLAIM:
            data = arg.resolve(0, 264)
            interface = struct.unpack_from("<I", bytes(data.retrieve()))[0]
            if interface != 0:
                client.complete(-1, errno.EINVAL)
            else:
                self.kernel_driver = None
                self.claimed = True
                client.complete(0, 0)
            return True
        if request in (USBDEVFS_CLAIMINTERFACE, USBDEVFS_RELEASEINTERFACE):
            data = arg.resolve(0, 4)
            interface = struct.unpack_from("<I", bytes(data.retrieve()))[0]
            if interface != 0:
                client.complete(-1, errno.ENOENT)
            elif request == USBDEVFS_CLAIMINTERFACE and self.kernel_driver is not None:
                client.complete(-1, errno.EBUSY)  # the kernel's answer while usbhid is bound
            else:
                self.claimed = request == USBDEVFS_CLAIMINTERFACE
                client.complete(0, 0)
            return True
        if request in (USBDEVFS_SETCONFIGURATION, USBDEVFS_SETINTERFACE, USBDEVFS_CLEAR_HALT,
                       USBDEVFS_RESET, USBDEVFS_RESETEP):
            client.complete(0, 0)
            return True
        log("unhandled ioctl %#x" % request)
        client.complete(-1, errno.ENOTTY)
        return True

    def submit(self, client, arg):
        data = arg.resolve(0, URB_SIZE)
        header = bytes(data.retrieve())
        urb_type, endpoint = header[0], header[1]
        length = struct.unpack_from("<i", header, 24)[0]
        buffer = data.resolve(16, length) if length > 0 else None
        urb = Urb(data, buffer, urb_type, endpoint, length)
        if urb_type == URB_TYPE_CONTROL and endpoint in (0x00, 0x80) and length >= 8 and buffer is not None:
            self.control(urb, bytes(buffer.retrieve()))
            client.complete(0, 0)
            return True
        if urb_type == URB_TYPE_INTERRUPT and endpoint == PEN_ENDPOINT:
            if not self.claimed:
                client.complete(-1, errno.EINVAL)
                return True
            self.pending_in.append(urb)
            client.complete(0, 0)
            return True
        client.complete(-1, errno.ENOENT)
        return True

    def control(self, urb, buffer):
        request_type, request, value, index, length = struct.unpack_from("<BBHHH", buffer, 0)
        payload = buffer[8:8 + length]
        answer, status = b"", 0
        report_type, report_id = value >> 8, value & 0xFF
        if request_type == 0xA1 and request == 0x01 and report_type == 0x03 and index == 0:
            report = self.model.get_feature(report_id, length)
            if report is None:
                status = -errno.EPIPE
            else:
                answer = report
        elif request_type == 0x21 and request == 0x09 and report_type == 0x03 and index == 0:
            was_inking = self.model.inking
            if not self.model.set_feature(payload):
                status = -errno.EPIPE
            elif self.model.inking and not was_inking:
                self.on_inking()
            self.changed.notify_all()
        elif request_type == 0x81 and request == 0x06 and value == 0x2200 and index == 0:
            answer = report_descriptor()[:length]
        elif request_type == 0x21 and request == 0x0A:  # SET_IDLE
            pass
        else:
            status = -errno.EPIPE
        log("control %02x %02x %04x len %d -> status %d, %d bytes" % (request_type, request, value, length, status, len(answer)))
        # actual_length counts the data stage only: the answer for IN, the payload taken for OUT.
        actual = len(answer) if request_type & 0x80 else (len(payload) if status == 0 else 0)
        urb.finish(status, answer, 8, actual)
        self.reapable.append(urb)
        self.wake_parked()

    def reap(self, client, arg):
        if self.reapable:
            self.answer_reap(client, arg, self.reapable.popleft())
            return True
        # libusb polls the usbfs fd, which umockdev makes a socket that is always writable: it would
        # spin on REAPURBNDELAY. Answer "nothing yet" (EAGAIN, or ENODEV once unplugged) after a
        # millisecond, or at once when a URB completes.
        self.parked = (client, arg, time.monotonic() + 0.001)
        return True

    def answer_reap(self, client, arg, urb):
        pointer = arg.resolve(0, 8)
        pointer.set_ptr(0, urb.data)
        client.complete(0, 0)

    def wake_parked(self):
        if self.parked and self.reapable:
            client, arg, _ = self.parked
            self.parked = None
            self.answer_reap(client, arg, self.reapable.popleft())

    # -- the pad's own clock: pen reports at the report rate, parked reaps --

    def tick(self):
        with self.lock:
            now = time.monotonic()
            if self.parked and now >= self.parked[2]:
                client, _, _ = self.parked
                self.parked = None
                client.complete(-1, errno.EAGAIN if self.plugged else errno.ENODEV)
            if not self.plugged or now < self.next_report:
                return
            if self.queue and self.pending_in:
                self.next_report = now + 1.0 / self.model.rate
                item = self.queue.popleft()
                report = item if isinstance(item, bytes) else self.model.pen_report(*item)
                urb = self.pending_in.pop(0)
                urb.finish(0, report[:max(0, urb.length)])
                self.reapable.append(urb)
                self.delivered += 1
                self.wake_parked()
                self.changed.notify_all()

    def unplug(self):
        with self.lock:
            self.plugged = False
            for urb in self.pending_in:
                urb.finish(-errno.ENODEV)  # the kernel's status for URBs of a vanished device
                self.reapable.append(urb)
            self.pending_in = []
            self.queue.clear()
            self.claimed = False
            self.wake_parked()
            self.changed.notify_all()

    def plug(self):
        with self.lock:
            self.model.power_on()
            self.plugged = True
            self.kernel_driver = "usbhid"
            self.driver_query_fails = False
            self.claimed = False
            self.delivered = 0
            self.changed.notify_all()

    def summary(self):
        with self.lock:
            result = self.model.summary()
            result.update({
                "plugged": self.plugged,
                "claimed": self.claimed,
                "kernelDriver": self.kernel_driver,
                "queuedReports": len(self.queue),
                "deliveredReports": self.delivered,
                "pendingReads": len(self.pending_in),
                "opens": self.opens,
            })
            return result


def generated_signature(seed, max_x, max_y, area=None):
    """A handwriting-like stroke set: loops along a baseline, in tablet units, one point per 5 ms."""
    rng = random.Random(seed)
    left, top, right, bottom = area or (int(max_x * 0.12), int(max_y * 0.42), int(max_x * 0.85), int(max_y * 0.68))
    strokes = []
    x = left
    height = bottom - top
    while x < right - height // 2 and len(strokes) < 4:
        points = []
        loops = rng.randint(2, 4)
        steps = 40 * loops
        for step in range(steps):
            t = step / steps
            angle = t * loops * 2 * math.pi
            px = x + t * height * 1.5 + math.cos(angle) * height * 0.18
            py = top + height * 0.55 - math.sin(angle) * height * 0.35 * (0.7 + 0.3 * rng.random())
            pressure = int(300 + 500 * math.sin(math.pi * t))
            points.append([int(px), int(py), pressure])
        strokes.append(points)
        x += int(height * 1.5 + height * 0.4)
    return strokes


def stroke_points(strokes):
    """Pen samples [x, y, pressure, sw, rdy] for strokes: hover, ink, hover after each stroke."""
    samples = []
    for stroke in strokes:
        if not stroke:
            continue
        first, last = stroke[0], stroke[-1]
        samples.append([first[0], first[1], 0, 0, 1])
        for x, y, pressure in stroke:
            samples.append([x, y, pressure, 1 if pressure > 0 else 0, 1])
        samples.append([last[0], last[1], 0, 0, 1])
    return samples


def tap_points(x, y):
    return [[x, y, 600, 1, 1], [x, y, 600, 1, 1], [x, y, 0, 0, 1]]


class Testbed:
    def __init__(self, options):
        self.options = options
        self.description = open(options.device, encoding="utf-8").read()
        self.syspath = None
        self.devnode = None
        for line in self.description.splitlines():
            if line.startswith("P: "):
                self.syspath = "/sys" + line[3:].strip()
            elif line.startswith("N: "):
                self.devnode = "/dev/" + line[3:].strip().split("=")[0]
        if not self.syspath or not self.devnode:
            raise RuntimeError("%s has no P: or N: line" % options.device)
        self.check_descriptors()
        self.testbed = UMockdev.Testbed.new()
        self.device = STUDevice(options.model, self.on_inking)
        self.autoplay = None
        if options.stroke:
            with open(options.stroke, encoding="utf-8") as handle:
                self.autoplay = json.load(handle)["strokes"]
        elif options.generate:
            model = self.device.model
            self.autoplay = generated_signature(options.seed, model.max_x, model.max_y, options.signing_area)
        self.running = True
        self.attach()
        self.control_path = os.path.join(self.testbed.get_root_dir(), "stu-control.sock")
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.control_path)
        self.server.listen(4)
        threading.Thread(target=self.serve, daemon=True).start()
        threading.Thread(target=self.clock, daemon=True).start()

    def check_descriptors(self):
        for line in self.description.splitlines():
            if line.startswith("H: descriptors="):
                raw = bytes.fromhex(line.split("=", 1)[1].strip())
                # device (18) + configuration (9) + interface (9) + HID (9): wDescriptorLength at 18+9+9+7
                offset = 18 + 9 + 9 + 7
                declared = struct.unpack_from("<H", raw, offset)[0]
                if declared != len(report_descriptor()):
                    raise RuntimeError("HID descriptor declares %d bytes of report descriptor, model has %d"
                                       % (declared, len(report_descriptor())))

    def attach(self):
        # The handler must be attached before the device node appears (umockdev creates the socket).
        self.testbed.attach_ioctl(self.devnode, self.device)
        self.testbed.add_from_string(self.description)

    def on_inking(self):
        if self.autoplay is None:
            return
        # A citizen who does not sign (yet): while the file STU_TESTBED_HOLD_FILE names exists, the
        # pad waits with inking on and plays nothing (the clerk UI's cancel test).
        hold = os.environ.get("STU_TESTBED_HOLD_FILE")
        if hold and os.path.exists(hold):
            return
        points = stroke_points(self.autoplay)
        if self.options.tap:
            points += tap_points(*self.options.tap)
        self.device.queue.extend(points)

    def clock(self):
        while self.running:
            self.device.tick()
            time.sleep(0.0005)

    def serve(self):
        while self.running:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self.session, args=(connection,), daemon=True).start()

    def session(self, connection):
        with connection, connection.makefile("rwb") as stream:
            for line in stream:
                try:
                    answer = self.command(json.loads(line))
                except Exception as error:
                    answer = {"ok": False, "error": "%s: %s" % (type(error).__name__, error)}
                stream.write(json.dumps(answer).encode() + b"\n")
                stream.flush()

    def command(self, request):
        device = self.device
        name = request.get("cmd")
        if name == "state":
            return dict(device.summary(), ok=True)
        if name == "wait":
            deadline = time.monotonic() + request.get("timeout_ms", 5000) / 1000
            want = bool(request.get("inking", True))
            with device.changed:
                while device.model.inking != want:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return {"ok": False, "error": "inking did not become %s" % want}
                    device.changed.wait(left)
            return {"ok": True}
        if name in ("play", "generate", "tap", "inject"):
            with device.lock:
                if name == "play":
                    items = [tuple(int(v) for v in point) for point in request["points"]]
                elif name == "generate":
                    model = device.model
                    items = [tuple(p) for p in stroke_points(generated_signature(request.get("seed", 1), model.max_x, model.max_y))]
                elif name == "tap":
                    items = [tuple(p) for p in tap_points(int(request["x"]), int(request["y"]))]
                else:
                    items = [bytes.fromhex(request["hex"])]
                device.queue.extend(items)
                return {"ok": True, "queued": len(items)}
        if name == "drain":
            deadline = time.monotonic() + request.get("timeout_ms", 5000) / 1000
            with device.changed:
                while device.queue:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return {"ok": False, "error": "%d reports not read by the host" % len(device.queue)}
                    device.changed.wait(left)
            return {"ok": True, "delivered": device.delivered}
        if name == "unplug":
            if not device.plugged:
                return {"ok": True}
            device.unplug()
            self.testbed.uevent(self.syspath, "remove")
            self.testbed.remove_device(self.syspath)
            return {"ok": True}
        if name == "plug":
            if device.plugged:
                return {"ok": True}
            device.plug()
            try:
                self.testbed.detach_ioctl(self.devnode)
            except Exception:
                pass
            self.attach()
            self.testbed.uevent(self.syspath, "add")
            return {"ok": True}
        if name == "reset":
            with device.lock:
                device.queue.clear()
                device.model.power_on()
                device.driver_query_fails = False
                if not device.claimed:
                    device.kernel_driver = "usbhid"
            return {"ok": True}
        if name == "configure":
            with device.lock:
                if "kernel_driver_query_fails" in request:
                    device.driver_query_fails = bool(request["kernel_driver_query_fails"])
                    if device.driver_query_fails and not device.claimed:
                        device.kernel_driver = None
            return {"ok": True}
        return {"ok": False, "error": "unknown command %r" % name}

    def environment(self):
        env = dict(os.environ)
        env["UMOCKDEV_DIR"] = self.testbed.get_root_dir()
        preload = "libumockdev-preload.so.0"
        if preload not in env.get("LD_PRELOAD", ""):
            env["LD_PRELOAD"] = preload + (":" + env["LD_PRELOAD"] if env.get("LD_PRELOAD") else "")
        env["STU_TESTBED_CONTROL"] = self.control_path
        env["STU_TESTBED_MODEL"] = self.options.model
        return env

    def close(self):
        self.running = False
        try:
            self.server.close()
        except OSError:
            pass
        # The testbed's finaliser does not run reliably at interpreter exit: remove its folder here.
        shutil.rmtree(self.testbed.get_root_dir(), ignore_errors=True)


def parse_point(text):
    parts = [int(part) for part in text.split(",")]
    if len(parts) != 2:
        raise argparse.ArgumentTypeError("expected X,Y in tablet units")
    return parts


def parse_rect(text):
    parts = [int(part) for part in text.split(",")]
    if len(parts) != 4:
        raise argparse.ArgumentTypeError("expected LEFT,TOP,RIGHT,BOTTOM in tablet units")
    return parts


def ensure_preloaded(argv):
    """umockdev sends its udev events through the preload library's netlink emulation, which only works
    when the testbed process itself runs under the preload (as umockdev-wrapper does): re-exec once."""
    if "libumockdev-preload" in os.environ.get("LD_PRELOAD", ""):
        return
    env = dict(os.environ)
    env["LD_PRELOAD"] = "libumockdev-preload.so.0" + (":" + env["LD_PRELOAD"] if env.get("LD_PRELOAD") else "")
    os.execve(sys.executable, [sys.executable, os.path.abspath(__file__)] + argv, env)


def main(argv):
    ensure_preloaded(argv)
    parser = argparse.ArgumentParser(description="Run a command with a simulated Wacom STU pad (umockdev).")
    parser.add_argument("--model", choices=sorted(MODELS), default="stu540")
    parser.add_argument("--device", help="umockdev device description (default: stu540.umockdev beside this script)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--stroke", help="JSON stroke file played when the host switches inking on")
    source.add_argument("--generate", action="store_true", help="play a generated signature when inking goes on")
    parser.add_argument("--seed", type=int, default=1, help="seed for --generate")
    parser.add_argument("--signing-area", type=parse_rect, help="where --generate writes, tablet units")
    parser.add_argument("--tap", type=parse_point, help="tap X,Y (tablet units) after the stroke, e.g. the OK button")
    parser.add_argument("--timeout", type=float, default=900, help="kill the command after this many seconds")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARG...]")
    options = parser.parse_args(argv)
    command = options.command[1:] if options.command[:1] == ["--"] else options.command
    if not command:
        parser.error("no command given (put it after --)")
    if options.device is None:
        options.device = os.path.join(HERE, "stu540.umockdev")
    if options.model != "stu540" and options.device.endswith("stu540.umockdev"):
        parser.error("only stu540.umockdev ships with the testbed; pass --device for %s" % options.model)

    try:
        testbed = Testbed(options)
    except Exception as error:
        sys.stderr.write("stu_testbed: cannot set up the testbed: %s\n" % error)
        return 125

    child = subprocess.Popen(command, env=testbed.environment())

    def forward(signum, _frame):
        if child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    try:
        code = child.wait(timeout=options.timeout)
    except subprocess.TimeoutExpired:
        sys.stderr.write("stu_testbed: %s still running after %.0f s, killing it\n" % (command[0], options.timeout))
        child.kill()
        child.wait()
        code = 124
    testbed.close()
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
