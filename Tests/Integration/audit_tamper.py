#!/usr/bin/env python3
"""Makes tampered copies of an audit export for Tests/Integration/audit-verify.sh.

    audit_tamper.py EXPORT.json SERVER-AUDIT-KEY.pem OUT_DIR

Writes OUT_DIR/<case>.json with <case>.json.sig for: removed (one transaction taken out),
swapped (two transactions exchanged), byte (one byte of one envelope changed), forged-audit (one
audit entry's text changed), each signed again with the server's audit key (so only the chain
checks can catch it), and unsigned-byte (one byte changed, signature left as it was).
"""
import base64
import json
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def sign(key, raw):
    r, s = decode_dss_signature(key.sign(raw, ec.ECDSA(hashes.SHA256())))
    return base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")) + b"\n"


def main(export_path, key_path, out):
    raw = open(export_path, "rb").read()
    key = serialization.load_pem_private_key(open(key_path, "rb").read(), password=None)
    original = json.loads(raw)

    def write(name, document, resign=True):
        data = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False).encode()
        open("%s/%s.json" % (out, name), "wb").write(data)
        signature = sign(key, data) if resign else open(export_path + ".sig", "rb").read()
        open("%s/%s.json.sig" % (out, name), "wb").write(signature)

    removed = json.loads(raw)
    del removed["transactions"][2]
    write("removed", removed)

    swapped = json.loads(raw)
    t = swapped["transactions"]
    t[1], t[2] = t[2], t[1]
    write("swapped", swapped)

    byte = json.loads(raw)
    proof = bytearray(base64.b64decode(byte["transactions"][3]["proof"]))
    proof[len(proof) - 80] ^= 0x01  # inside the ciphertext
    byte["transactions"][3]["proof"] = base64.b64encode(bytes(proof)).decode()
    write("byte", byte)

    forged = json.loads(raw)
    entry = next(e for e in forged["auditLog"] if e["action"] == "conflict-resolved")
    entry["detail"] = entry["detail"].replace("revisit", "accept")
    write("forged-audit", forged)

    truncated = json.loads(raw)
    for index, tx in enumerate(truncated["transactions"]):
        proof = base64.b64decode(tx["proof"])
        # Hostile evidence: cut, extended, emptied, a huge length field.
        variants = [proof[: len(proof) // 2], proof + b"\x00", b"", proof[:4] + b"\xff" * 40]
        tx["proof"] = base64.b64encode(variants[index % len(variants)]).decode()
    write("truncated", truncated)

    unsigned = bytearray(raw)
    position = raw.index(b'"outcome" : "applied"') if b'"outcome" : "applied"' in raw else raw.index(b'"applied"')
    unsigned[position + 1:position + 2] = b"O"
    open("%s/unsigned-byte.json" % out, "wb").write(bytes(unsigned))
    open("%s/unsigned-byte.json.sig" % out, "wb").write(open(export_path + ".sig", "rb").read())
    assert original["transactions"], "the export has no transactions"


if __name__ == "__main__":
    main(*sys.argv[1:4])
