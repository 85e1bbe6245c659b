#!/usr/bin/env python3
"""Independent reader for the camera test: parses an ISO/IEC 19794-5:2005 face image record with
the struct module (not our Swift codec) and decodes its image with Pillow.

Prints: format= version= images= width= height= image_type= data_type= points=CODE:X:Y,...
decoded=WxH mode=M
Exits non-zero with a message when anything does not add up.
"""
import io
import struct
import sys

from PIL import Image


def main(path):
    data = open(path, "rb").read()
    if data[0:4] != b"FAC\x00":
        sys.exit("bad format identifier")
    if data[4:8] != b"010\x00":
        sys.exit("bad version")
    (length, count) = struct.unpack(">IH", data[8:14])
    if length != len(data):
        sys.exit("record length %d != file size %d" % (length, len(data)))
    if count != 1:
        sys.exit("expected one facial image, got %d" % count)
    (block, points) = struct.unpack(">IH", data[14:20])
    if 14 + block != len(data):
        sys.exit("block length does not reach the end of the record")
    offset = 14 + 20
    found = []
    for _ in range(points):
        (kind, code, x, y, _reserved) = struct.unpack(">BBHHH", data[offset:offset + 8])
        if kind != 1:
            sys.exit("feature point type %d" % kind)
        found.append("%02X:%d:%d" % (code, x, y))
        offset += 8
    (image_type, data_type, width, height, colour, source, _device, _quality) = struct.unpack(
        ">BBHHBBHH", data[offset:offset + 12])
    offset += 12
    image = Image.open(io.BytesIO(data[offset:]))
    image.load()
    print(
        "format=FAC version=010 images=%d width=%d height=%d image_type=%d data_type=%d colour=%d source=%d "
        "points=%s decoded=%dx%d mode=%s codec=%s image_bytes=%d"
        % (count, width, height, image_type, data_type, colour, source, ",".join(found), image.size[0],
           image.size[1], image.mode, image.format, len(data) - offset))


if __name__ == "__main__":
    main(sys.argv[1])
