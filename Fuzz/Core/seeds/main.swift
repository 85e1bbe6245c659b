import Crypto
import Foundation

/// Writes the seed corpus of the KitCore fuzz targets into FOLDER/TARGET/: an envelope sealed and
/// signed the way a kit does (format 2, and format 1), its proof form, and the JSON bodies of a
/// real ingest batch, enrollment request, kit report and checkout page.
///   kit-fuzz-core-seeds FOLDER
let folder = URL(fileURLWithPath: CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "seeds-core")

func write(_ target: String, _ name: String, _ bytes: [UInt8]) throws {
    let directory = folder.appendingPathComponent(target)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    try Data(bytes).write(to: directory.appendingPathComponent(name))
}

let sealer = EnvelopeSealer(
    signingKey: P256.Signing.PrivateKey(), serverDataKey: P256.KeyAgreement.PrivateKey().publicKey)
var envelopes: [TransactionEnvelope] = []
for (index, format) in [UInt8(2), 2, 1].enumerated() {
    let header = TransactionHeader(
        kitId: "kit-mz-07", seq: UInt64(index + 1), txId: UUID(), caseId: "2026-MZ-0101", baseVersion: 3,
        kind: TransactionKind.signatureCaptured.rawValue, monotonicNanos: 1_000_000 * UInt64(index + 1),
        wallMillis: 1_796_700_000_000, prevHash: envelopes.last?.hash ?? [UInt8](repeating: 0, count: 32),
        formatVersion: format)
    let envelope = try sealer.seal(header: header, payload: Array("{\"facts\":{\"n\":\"\(index)\"}}".utf8))
    envelopes.append(envelope)
    try write("envelope", "envelope-\(index)", envelope.encoded())
    try write("envelope-proof", "proof-\(index)", envelope.proof.encoded())
}
let encoder = WireCoding.encoder()
let report = KitReport(
    agentVersion: "1.0.0", queueDepth: 3, oldestWaitingAt: Date(timeIntervalSince1970: 1_796_700_000), lastSeq: 3,
    devices: [DeviceHealthSummary(device: "card-reader", state: "ok", detail: "Virtual PCD 00 01")])
try write(
    "ingest-body", "batch",
    Array(try encoder.encode(IngestBatch(kitId: "kit-mz-07", envelopes: envelopes.map { Data($0.encoded()) }))))
try write(
    "ingest-body", "batch-with-report",
    Array(try encoder.encode(IngestBatch(kitId: "kit-mz-07", envelopes: [], report: report))))
try write(
    "enrollment-body", "request",
    Array(
        try encoder.encode(
            EnrollmentRequest(
                kitId: "kit-mz-07", token: "abcdefghijklmnopqrstuvwxyz012345",
                signingKey: P256.Signing.PrivateKey().publicKey.x963Representation,
                csr: "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n"))))
try write("kit-report", "report", Array(try encoder.encode(report)))
try write(
    "checkout-page", "page", Array(try encoder.encode(CheckoutPage(cases: [], resolutions: [], nextCursor: "42"))))
