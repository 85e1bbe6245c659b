#!/usr/bin/env python3
"""Decode a WSQ file with NIST's NBIS decoder (PyPI package `wsq`) and compare it with the raw original.

Usage: wsq_check.py RAW WSQ WIDTH HEIGHT [--min-psnr DB]
       wsq_check.py --nbis-roundtrip RAW WIDTH HEIGHT OUT_WSQ OUT_RAW

The second form encodes RAW with NBIS's encoder (bit rate 0.75) into OUT_WSQ and writes NBIS's own
decoding of it to OUT_RAW, so that another decoder can be compared with the reference.

RAW is the original 8-bit grey image, row-major, WIDTH*HEIGHT bytes. Prints one line
"psnr=<dB> bitrate=<bits per pixel> size=<bytes> width=<w> height=<h>" and exits
0 if the PSNR reaches the threshold (default 30 dB), 1 if it does not,
2 on usage errors or if NBIS cannot decode the file, 3 if the `wsq` module is missing.
"""
import io
import math
import sys


def nbis_roundtrip(argv):
    try:
        raw_path, width, height, out_wsq, out_raw = argv[2], int(argv[3]), int(argv[4]), argv[5], argv[6]
    except (IndexError, ValueError):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        import wsq  # noqa: F401
        from PIL import Image
    except ImportError as error:
        print(f"NBIS encoder not available: {error}; install with 'pip install wsq'", file=sys.stderr)
        return 3
    with open(raw_path, "rb") as handle:
        original = handle.read()
    if len(original) != width * height:
        print(f"raw file has {len(original)} bytes, expected {width * height}", file=sys.stderr)
        return 2
    buffer = io.BytesIO()
    Image.frombytes("L", (width, height), original).save(buffer, "WSQ")
    with open(out_wsq, "wb") as handle:
        handle.write(buffer.getvalue())
    decoded = Image.open(io.BytesIO(buffer.getvalue()))
    with open(out_raw, "wb") as handle:
        handle.write(decoded.convert("L").tobytes())
    print(f"size={len(buffer.getvalue())}")
    return 0


def main(argv):
    if len(argv) > 1 and argv[1] == "--nbis-roundtrip":
        return nbis_roundtrip(argv)
    args = [a for a in argv[1:] if not a.startswith("--")]
    threshold = 30.0
    if "--min-psnr" in argv:
        index = argv.index("--min-psnr")
        try:
            threshold = float(argv[index + 1])
            args.remove(argv[index + 1])
        except (IndexError, ValueError):
            print("--min-psnr needs a number", file=sys.stderr)
            return 2
    if len(args) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    raw_path, wsq_path = args[0], args[1]
    try:
        width, height = int(args[2]), int(args[3])
    except ValueError:
        print("WIDTH and HEIGHT must be integers", file=sys.stderr)
        return 2
    try:
        import wsq  # noqa: F401  (registers the WSQ plugin with Pillow)
        from PIL import Image
    except ImportError as error:
        print(f"NBIS decoder not available: {error}; install with 'pip install wsq'", file=sys.stderr)
        return 3

    with open(raw_path, "rb") as handle:
        original = handle.read()
    with open(wsq_path, "rb") as handle:
        compressed = handle.read()
    if len(original) != width * height:
        print(f"raw file has {len(original)} bytes, expected {width * height}", file=sys.stderr)
        return 2
    try:
        image = Image.open(io.BytesIO(compressed))
        image.load()
    except Exception as error:  # NBIS reports failures as generic exceptions
        print(f"NBIS could not decode {wsq_path}: {error}", file=sys.stderr)
        return 2
    if image.size != (width, height):
        print(f"NBIS decoded size {image.size}, expected {(width, height)}", file=sys.stderr)
        return 2
    decoded = image.convert("L").tobytes()
    squared = sum((a - b) * (a - b) for a, b in zip(original, decoded))
    mse = squared / (width * height)
    psnr = float("inf") if mse == 0 else 10 * math.log10(255 * 255 / mse)
    bitrate = 8 * len(compressed) / (width * height)
    print(f"psnr={psnr:.2f} bitrate={bitrate:.3f} size={len(compressed)} width={width} height={height}")
    return 0 if psnr >= threshold else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
