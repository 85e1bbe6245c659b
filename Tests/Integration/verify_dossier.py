#!/usr/bin/env python3
"""Independent verifier for Bürgeramtskoffer hand-off dossiers (docs/handoff.md), written from
the documentation with Python's `cryptography` package only — no project code.

    verify_dossier.py DOSSIER.tar SERVER-DOSSIER-KEY.pub.pem          exit 0: valid, 1: invalid
    verify_dossier.py --flip-every-byte DOSSIER.tar KEY.pub.pem       exit 0 when the dossier is
        valid and every single-byte change anywhere in it is refused
    verify_dossier.py --schema docs/handoff-manifest.schema.json DOSSIER.tar KEY.pub.pem
        also validates manifest.json against the JSON schema (needs the `jsonschema` package)

Checks: canonical ustar container, the server's JWS (ES256) over manifest.json, the SHA-256 of
every file, and for every step the kit's ECDSA P-256 signature over its envelope, its header
against the manifest, its chain hash, and the gap-free chain links.
"""
import base64
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


class Invalid(Exception):
    pass


def ustar_header(name, size):
    raw = name.encode()
    if not raw or len(raw) > 99:
        raise Invalid("bad member name")
    h = bytearray(512)
    h[0:len(raw)] = raw
    h[100:107] = b"0000644"
    h[108:115] = b"0000000"
    h[116:123] = b"0000000"
    h[124:135] = ("%011o" % size).encode()
    h[136:147] = b"00000000000"
    h[148:156] = b" " * 8
    h[156:157] = b"0"
    h[257:265] = b"ustar\x0000"
    h[148:156] = ("%06o" % sum(h)).encode() + b"\x00 "
    return bytes(h)


def read_archive(data):
    members, offset = [], 0
    while True:
        if offset + 512 > len(data):
            raise Invalid("archive ends inside a header")
        header = data[offset:offset + 512]
        if header == bytes(512):
            if len(data) != offset + 1024 or data[offset + 512:] != bytes(512):
                raise Invalid("archive must end with exactly two zero blocks")
            return members
        name = header[0:100].split(b"\x00")[0].decode()
        size_text = header[124:136].split(b"\x00")[0]
        if len(size_text) != 11:
            raise Invalid("bad size field")
        size = int(size_text, 8)
        if ustar_header(name, size) != header:
            raise Invalid("member header not canonical: " + name)
        start, end = offset + 512, offset + 512 + size
        pad = (512 - size % 512) % 512
        if end + pad > len(data) or data[end:end + pad] != bytes(pad):
            raise Invalid("member cut short or padding not zero: " + name)
        members.append((name, data[start:end]))
        offset = end + pad


def b64url(text):
    if any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" for c in text):
        raise Invalid("not base64url")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if base64.urlsafe_b64encode(raw).decode().rstrip("=") != text:
        raise Invalid("not canonical base64url")
    return raw


def ecdsa_ok(public_key, raw_signature, message):
    if len(raw_signature) != 64:
        return False
    der = encode_dss_signature(int.from_bytes(raw_signature[:32], "big"), int.from_bytes(raw_signature[32:], "big"))
    try:
        public_key.verify(der, message, ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False


def parse_envelope(data):
    """docs/envelope.md, format versions 1 and 2. Returns the header fields, the bytes the kit's
    signature covers, the signature and the chain hash."""
    pos = 0

    def take(n):
        nonlocal pos
        if pos + n > len(data):
            raise Invalid("envelope cut short")
        out = data[pos:pos + n]
        pos += n
        return out

    def text16():
        return take(int.from_bytes(take(2), "big")).decode()

    if take(4) != b"BKTX":
        raise Invalid("not a transaction envelope")
    version = take(1)[0]
    if version not in (1, 2):
        raise Invalid("envelope format version %d unknown" % version)
    h = {"kitId": text16(), "seq": int.from_bytes(take(8), "big")}
    tx = take(16).hex()
    h["txId"] = "%s-%s-%s-%s-%s" % (tx[0:8], tx[8:12], tx[12:16], tx[16:20], tx[20:32])
    h["caseId"] = text16()
    h["baseVersion"] = int.from_bytes(take(8), "big")
    h["kind"] = text16()
    h["monotonicNanos"] = int.from_bytes(take(8), "big")
    h["wallMillis"] = int.from_bytes(take(8), "big", signed=True)
    h["prevHash"] = take(32).hex()
    take(int.from_bytes(take(2), "big"))  # HPKE enc
    ciphertext_start = pos
    ciphertext = take(int.from_bytes(take(4), "big"))
    signed_end = pos
    signature_field = data[pos:]
    signature = take(int.from_bytes(take(2), "big"))
    if pos != len(data):
        raise Invalid("bytes after the envelope signature")
    if version == 1:
        # Format 1 signs the ciphertext itself and chains the hash of the whole envelope.
        return h, data[:signed_end], signature, hashlib.sha256(data).hexdigest()
    # Format 2: the proof form replaces the ciphertext by its length and SHA-256; the signature
    # covers it up to the digest, the chain hash is the SHA-256 of the whole proof form.
    signed = data[:ciphertext_start] + len(ciphertext).to_bytes(4, "big") + hashlib.sha256(ciphertext).digest()
    return h, signed, signature, hashlib.sha256(signed + signature_field).hexdigest()


def verify(data, server_key):
    members = read_archive(data)
    if len(members) < 2 or members[0][0] != "manifest.json" or members[1][0] != "manifest.jws":
        raise Invalid("container must start with manifest.json, manifest.jws")
    manifest_bytes = members[0][1]
    parts = members[1][1].decode("ascii").split(".")
    if len(parts) != 3:
        raise Invalid("manifest.jws is not compact JWS")
    header = json.loads(b64url(parts[0]))
    if header.get("alg") != "ES256":
        raise Invalid("JWS alg is not ES256")
    if b64url(parts[1]) != manifest_bytes:
        raise Invalid("JWS payload is not manifest.json")
    if not ecdsa_ok(server_key, b64url(parts[2]), (parts[0] + "." + parts[1]).encode()):
        raise Invalid("server signature does not verify")
    manifest = json.loads(manifest_bytes)
    if manifest["format"] != "buergeramtskoffer-dossier" or manifest["formatVersion"] != 1:
        raise Invalid("unsupported format")
    named = [manifest["caseSnapshot"]] + [e for s in manifest["steps"] for e in (s["envelope"], s["payload"])]
    if [n["file"] for n in named] != [m[0] for m in members[2:]]:
        raise Invalid("files do not match the manifest")
    files = {}
    for entry, (name, content) in zip(named, members[2:]):
        if hashlib.sha256(content).hexdigest() != entry["sha256"]:
            raise Invalid("SHA-256 mismatch: " + name)
        files[name] = content
    keys = {k["kitId"]: ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), base64.b64decode(k["signingKey"]))
            for k in manifest["kits"]}
    links = {}
    for link in manifest["chain"]:
        links.setdefault(link["kitId"], []).append(link)
    for kit, chain in links.items():
        for a, b in zip(chain, chain[1:]):
            if b["seq"] != a["seq"] + 1 or b["prevHash"] != a["hash"]:
                raise Invalid("chain of %s broken after seq %d" % (kit, a["seq"]))
    for step in manifest["steps"]:
        envelope = files[step["envelope"]["file"]]
        h, signed, signature, chain_hash = parse_envelope(envelope)
        for field in ("kitId", "seq", "txId", "kind", "baseVersion", "monotonicNanos", "wallMillis", "prevHash"):
            if h[field] != step[field]:
                raise Invalid("envelope header %s differs from the manifest" % field)
        if h["caseId"] != manifest["caseId"]:
            raise Invalid("envelope of another case")
        if chain_hash != step["hash"]:
            raise Invalid("chain hash mismatch")
        if not ecdsa_ok(keys[step["kitId"]], signature, signed):
            raise Invalid("kit signature invalid: %s seq %d" % (step["kitId"], step["seq"]))
        if not any(l["seq"] == step["seq"] and l["hash"] == step["hash"] and l["prevHash"] == step["prevHash"]
                   for l in links.get(step["kitId"], [])):
            raise Invalid("step not in the chain")
    return manifest


def refused(data, key):
    try:
        verify(data, key)
        return False
    except Exception:  # any failure to verify counts as refusal
        return True


def main(argv):
    flip = "--flip-every-byte" in argv
    args = [a for a in argv if a != "--flip-every-byte"]
    schema = None
    if "--schema" in args:
        at = args.index("--schema")
        schema = json.load(open(args[at + 1]))
        del args[at:at + 2]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    data = open(args[0], "rb").read()
    key = serialization.load_pem_public_key(open(args[1], "rb").read())
    try:
        manifest = verify(data, key)
    except Exception as error:
        print("INVALID: %s" % error)
        return 1
    if schema is not None:
        import jsonschema
        try:
            jsonschema.validate(manifest, schema)
        except jsonschema.ValidationError as error:
            print("INVALID: manifest does not match the schema: %s" % error.message)
            return 1
        print("manifest matches the schema")
    print("valid: dossier %s, case %s, %d steps, %d chain links" % (
        manifest["dossierId"], manifest["caseId"], len(manifest["steps"]), len(manifest["chain"])))
    if flip:
        buffer = bytearray(data)
        for index in range(len(buffer)):
            buffer[index] ^= 0x01
            if not refused(bytes(buffer), key):
                print("NOT REFUSED: byte %d flipped" % index)
                return 1
            buffer[index] ^= 0x01
        print("every one of %d single-byte flips refused" % len(buffer))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
