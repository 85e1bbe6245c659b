#!/usr/bin/env python3
"""Unabhängige Prüfung eines Audit-Exports des Bürgeramtskoffers (docs/data-protection.md).

Written from the documentation (docs/envelope.md, docs/data-protection.md) with Python's
`cryptography` package only - no project code - as a second, independent implementation of the
envelope checks.

    verify_audit.py EXPORT.json AUDIT-KEY.pub.pem [--signature EXPORT.json.sig]

EXPORT.json comes from `sync-server audit export --kit KIT --out EXPORT.json`; the signature is
EXPORT.json.sig beside it; AUDIT-KEY.pub.pem is the server's keys/audit-signing-key.pub.pem (get
it from IT on a separate way and compare its fingerprint). Prints a report in German that a
non-programmer can read. Exit code 0: everything checked is correct; 1: something is wrong;
2: the files cannot be read.

Checks:
1. the server's ECDSA P-256 / SHA-256 signature over the exact bytes of EXPORT.json;
2. the kit's chain: seq without gaps, each envelope (format 1: the whole envelope; format 2: its
   proof form) decodes, its header matches the listed fields, the kit's signature is valid, its
   prevHash is the chain hash of the one before (32 zero bytes before seq 1), its own chain hash
   is SHA-256 of the envelope (v1) or of the proof form (v2);
3. the server's audit trail: every entry's hash over its fields and the hash of the one before.
"""
import base64
import hashlib
import json
import struct
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

GENESIS = bytes(32)
LOST_KIND = "transaction.lost"


class Malformed(Exception):
    pass


def ecdsa_ok(public_key, raw_signature, message):
    if len(raw_signature) != 64:
        return False
    der = encode_dss_signature(int.from_bytes(raw_signature[:32], "big"), int.from_bytes(raw_signature[32:], "big"))
    try:
        public_key.verify(der, message, ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False


class Reader:
    def __init__(self, data):
        self.data, self.offset = data, 0

    def take(self, count):
        if count < 0 or self.offset + count > len(self.data):
            raise Malformed("endet vorzeitig bei Byte %d" % self.offset)
        part = self.data[self.offset:self.offset + count]
        self.offset += count
        return part

    def uint(self, size):
        return int.from_bytes(self.take(size), "big")

    def field(self, length_size, limit):
        length = self.uint(length_size)
        if length > limit:
            raise Malformed("Feldlänge %d über der Grenze %d" % (length, limit))
        return self.take(length)

    def text(self, limit):
        raw = self.field(2, limit)
        if not raw:
            raise Malformed("leeres Textfeld")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Malformed("Textfeld ist kein UTF-8")


def parse_header(reader):
    start = reader.offset
    if reader.take(4) != b"BKTX":
        raise Malformed("keine Transaktion (Kennung BKTX fehlt)")
    version = reader.uint(1)
    if version not in (1, 2):
        raise Malformed("unbekannte Formatversion %d" % version)
    header = {"version": version}
    header["kitId"] = reader.text(64)
    header["seq"] = reader.uint(8)
    tx = reader.take(16).hex()
    header["txId"] = "%s-%s-%s-%s-%s" % (tx[0:8], tx[8:12], tx[12:16], tx[16:20], tx[20:32])
    header["caseId"] = reader.text(128)
    header["baseVersion"] = reader.uint(8)
    header["kind"] = reader.text(64)
    reader.take(8)  # monotonic clock
    header["wallMillis"] = struct.unpack(">q", reader.take(8))[0]
    header["prevHash"] = reader.take(32)
    header["bytes"] = reader.data[start:reader.offset]
    return header


def parse_envelope(data):
    """A whole envelope (v1 or v2): header, signed bytes, signature, chain hash."""
    reader = Reader(data)
    header = parse_header(reader)
    reader.field(2, 133)
    ciphertext_start = reader.offset
    ciphertext = reader.field(4, 64 << 20)
    signed = data[:reader.offset]
    signature = reader.field(2, 64)
    if reader.offset != len(data):
        raise Malformed("%d Bytes nach der Signatur" % (len(data) - reader.offset))
    if header["version"] == 1:
        chain_hash = hashlib.sha256(data).digest()
    else:
        # Format 2: the proof form replaces the ciphertext by its SHA-256.
        proof_signed = data[:ciphertext_start + 4] + hashlib.sha256(ciphertext).digest()
        signed = proof_signed
        chain_hash = hashlib.sha256(proof_signed + struct.pack(">H", len(signature)) + signature).digest()
    return header, signed, signature, chain_hash


def parse_proof(data):
    """The proof form of a v2 envelope: header, enc, ciphertext length and digest, signature."""
    reader = Reader(data)
    header = parse_header(reader)
    if header["version"] != 2:
        raise Malformed("Beweisform gibt es erst ab Formatversion 2")
    reader.field(2, 133)
    reader.uint(4)
    reader.take(32)
    signed = data[:reader.offset]
    signature = reader.field(2, 64)
    if reader.offset != len(data):
        raise Malformed("%d Bytes nach der Signatur" % (len(data) - reader.offset))
    return header, signed, signature, hashlib.sha256(data).digest()


def audit_entry_hash(prev, at_millis, actor, action, detail):
    data = bytearray(prev)
    data += struct.pack(">Q", at_millis & 0xFFFFFFFFFFFFFFFF)
    for text in (actor, action, detail):
        raw = text.encode("utf-8")
        data += struct.pack(">I", len(raw)) + raw
    return hashlib.sha256(bytes(data)).digest()


class Report:
    def __init__(self):
        self.problems, self.notes, self.lines = [], [], []

    def problem(self, text):
        self.problems.append(text)

    def note(self, text):
        self.notes.append(text)


def check_transactions(document, report):
    try:
        kit_key = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), base64.b64decode(document["kitSigningKey"]))
    except Exception:
        report.problem("Der Signaturschlüssel des Koffers im Export ist unlesbar.")
        return 0
    transactions = document["transactions"]
    filtered = document.get("from") is not None or document.get("to") is not None
    previous_seq, previous_hash, checked = None, None, 0
    for index, tx in enumerate(transactions):
        label = "Transaktion %s (Vorgang %s, %s)" % (tx.get("seq"), tx.get("caseId"), tx.get("kind"))
        seq = tx["seq"]
        if previous_seq is None:
            if seq != 1 and not filtered:
                report.problem("Die Kette beginnt bei Nummer %d statt bei 1: frühere Transaktionen fehlen." % seq)
            elif seq != 1:
                report.note("Der Export beginnt (Zeitraum) bei Transaktion %d." % seq)
        elif seq != previous_seq + 1:
            if seq <= previous_seq:
                report.problem("%s steht an falscher Stelle: nach Nummer %d (vertauscht oder doppelt)."
                               % (label, previous_seq))
            else:
                report.problem("Zwischen Transaktion %d und %d fehlen %d Transaktion(en)."
                               % (previous_seq, seq, seq - previous_seq - 1))
        listed_prev = bytes.fromhex(tx["prevHash"])
        listed_chain = bytes.fromhex(tx["chainHash"])
        try:
            proof = base64.b64decode(tx["proof"])
            evidence = tx["evidence"]
            if evidence == "envelope-v1":
                header, signed, signature, chain_hash = parse_envelope(proof)
            elif evidence == "proof-v2":
                header, signed, signature, chain_hash = parse_proof(proof)
            elif evidence == "header-v1":
                header = parse_header(Reader(proof))
                signed, signature, chain_hash = None, None, None
            else:
                raise Malformed("unbekannte Nachweisart %r" % evidence)
        except (Malformed, ValueError, KeyError) as error:
            report.problem("%s: der Nachweis ist beschädigt (%s)." % (label, error))
            previous_seq, previous_hash = seq, listed_chain
            continue
        mismatches = [name for name in ("seq", "txId", "caseId", "kind") if header[name] != tx[name]]
        if header["kitId"] != document["kitId"]:
            mismatches.append("kitId")
        if mismatches:
            report.problem("%s: die Angaben im Export weichen vom signierten Kopf ab (%s)."
                           % (label, ", ".join(mismatches)))
        if header["prevHash"] != listed_prev:
            report.problem("%s: der Verweis auf die vorige Transaktion im Export weicht vom signierten Kopf ab." % label)
        if signed is not None and not ecdsa_ok(kit_key, signature, signed):
            report.problem("%s: die Signatur des Koffers ist ungültig (Inhalt verändert)." % label)
        if signed is None:
            report.note("%s: nur Kopf erhalten (Nutzdaten nach Frist gelöscht, altes Format); Signatur nicht prüfbar."
                        % label)
        expected_prev = GENESIS if (seq == 1 and previous_hash is None) else previous_hash
        if expected_prev is not None and header["prevHash"] != expected_prev:
            report.problem("%s: sie verweist nicht auf die vorige Transaktion (Kette unterbrochen)." % label)
        if chain_hash is not None and header["kind"] != LOST_KIND and chain_hash != listed_chain:
            report.problem("%s: der Kettenwert im Export stimmt nicht mit dem Inhalt überein." % label)
        if header["kind"] == LOST_KIND:
            report.note("%s: Ersatz für eine auf dem Koffer beschädigte Transaktion (Kette läuft mit deren Wert weiter)."
                        % label)
        previous_seq, previous_hash = seq, listed_chain if chain_hash is None or header["kind"] == LOST_KIND \
            else chain_hash
        checked += 1
    return checked


def check_audit_log(document, report):
    entries = document["auditLog"]
    filtered = document.get("from") is not None
    previous, chained = None, 0
    for entry in entries:
        label = "Protokolleintrag %s (%s, %s)" % (entry.get("id"), entry.get("action"), entry.get("actor"))
        if entry.get("entryHash") is None:
            if previous is not None:
                report.problem("%s: ohne Kettenwert nach verketteten Einträgen (eingefügt)." % label)
            else:
                report.note("%s: aus der Zeit vor der Verkettung." % label)
            continue
        prev = bytes.fromhex(entry["prevHash"])
        expected = audit_entry_hash(prev, entry["atMillis"], entry["actor"], entry["action"], entry["detail"])
        if expected != bytes.fromhex(entry["entryHash"]):
            report.problem("%s: Inhalt passt nicht zu seinem Kettenwert (verändert)." % label)
        if previous is None:
            if prev != GENESIS and not filtered and chained == 0 and entries.index(entry) == 0:
                report.problem("%s: das Protokoll beginnt nicht am Anfang der Kette (Einträge fehlen)." % label)
        elif prev != previous:
            report.problem("%s: verweist nicht auf den vorigen Eintrag (entfernt, eingefügt oder vertauscht)." % label)
        previous = bytes.fromhex(entry["entryHash"])
        chained += 1
    return chained


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    signature_path = None
    if "--signature" in argv:
        signature_path = argv[argv.index("--signature") + 1]
        args = [a for a in args if a != signature_path]
    if len(args) != 2:
        print(__doc__)
        return 2
    export_path, key_path = args
    signature_path = signature_path or export_path + ".sig"
    try:
        raw = open(export_path, "rb").read()
        signature = base64.b64decode(open(signature_path, "rb").read().strip())
        server_key = serialization.load_pem_public_key(open(key_path, "rb").read())
    except Exception as error:  # noqa: BLE001 - a report for people, not a traceback
        print("Die Dateien können nicht gelesen werden: %s" % error)
        return 2
    report = Report()
    fingerprint = hashlib.sha256(server_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).hexdigest()
    signature_valid = isinstance(server_key, ec.EllipticCurvePublicKey) and ecdsa_ok(server_key, signature, raw)
    if not signature_valid:
        report.problem("Die Signatur des Servers über den Export ist ungültig: "
                       "die Datei wurde nach dem Export verändert oder stammt nicht von diesem Server.")
    try:
        document = json.loads(raw.decode("utf-8"))
        if document.get("format") != "buergeramtskoffer audit export v1":
            raise Malformed("unbekanntes Exportformat")
        transactions = check_transactions(document, report)
        entries = check_audit_log(document, report)
    except (Malformed, ValueError, KeyError, TypeError, AttributeError) as error:
        report.problem("Der Export ist nicht lesbar oder unvollständig (%s)." % error)
        document, transactions, entries = {}, 0, 0

    print("Prüfbericht Audit-Export Bürgeramtskoffer")
    print("=" * 42)
    print("Datei:              %s" % export_path)
    print("Koffer:             %s" % document.get("kitId", "?"))
    print("Erstellt:           %s" % document.get("createdAt", "?"))
    if document.get("from") or document.get("to"):
        print("Zeitraum:           %s bis %s" % (document.get("from") or "Anfang", document.get("to") or "Ende"))
    print("Server-Schlüssel:   SHA-256 %s" % fingerprint)
    print("                    (mit dem Wert der IT vergleichen)")
    kit = document.get("kit") or {}
    if kit.get("wipedAt"):
        print("Koffer gelöscht:    %s, letzte Transaktion %s" % (kit["wipedAt"], kit.get("wipedLastSeq")))
    elif kit.get("lostAt"):
        print("Als verloren gemeldet: %s (Löschung steht aus)" % kit["lostAt"])
    print()
    print("Signatur des Servers über den Export: %s" % ("gültig" if signature_valid else "UNGÜLTIG"))
    print("Transaktionen des Koffers geprüft:    %d" % transactions)
    print("Einträge im Serverprotokoll geprüft:  %d" % entries)
    clerks = sorted({(tx["recordedBy"]["name"], tx["recordedBy"]["id"]) for tx in document.get("transactions", [])
                     if tx.get("recordedBy")})
    if clerks:
        print("Erfasst von:          %s" % ", ".join("%s (%s)" % clerk for clerk in clerks))
    if report.notes:
        print()
        print("Hinweise:")
        for note in report.notes:
            print("  - %s" % note)
    print()
    if report.problems:
        print("ERGEBNIS: NICHT IN ORDNUNG - %d Befund(e):" % len(report.problems))
        for problem in report.problems:
            print("  - %s" % problem)
        return 1
    print("ERGEBNIS: IN ORDNUNG - die Kette ist lückenlos, jede Transaktion trägt die gültige Signatur")
    print("des Koffers, und das Serverprotokoll ist unverändert.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
