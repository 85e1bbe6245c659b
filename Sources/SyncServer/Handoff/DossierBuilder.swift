import Crypto
import Foundation
import KitCore

/// Builds one hand-off dossier container (docs/handoff.md) from what the store read: opens each
/// applied step's payload with the server's data key — in memory only — and seals it to the
/// consumer's key, puts the envelopes as the kit signed them beside it as proof, and signs the
/// manifest with the server's dossier signing key. Nothing opened is written anywhere.
public struct DossierBuilder: Sendable {
    let opener: EnvelopeOpener
    let signingKey: P256.Signing.PrivateKey

    public init(opener: EnvelopeOpener, signingKey: P256.Signing.PrivateKey) {
        self.opener = opener
        self.signingKey = signingKey
    }

    public func build(_ sources: DossierSources) throws(DossierError) -> [UInt8] {
        let record = sources.record
        guard let consumerKey = try? P256.KeyAgreement.PublicKey(x963Representation: sources.consumerKey) else {
            throw .sealing("the stored public key of consumer \(record.consumer) is damaged")
        }
        let dossierId = record.dossierId
        var members: [DossierArchive.Member] = []
        func add(_ name: String, _ bytes: [UInt8]) -> DossierManifest.FileEntry {
            members.append(DossierArchive.Member(name: name, bytes: bytes))
            return DossierManifest.FileEntry(file: name, sha256: Hex.encode(SHA256.hash(data: bytes)))
        }
        let caseFile = "case.json.hpke"
        let caseEntry = add(
            caseFile,
            try DossierSealing.seal(sources.caseSnapshot, to: consumerKey, dossierId: dossierId, file: caseFile))
        var steps: [DossierManifest.Step] = []
        for (index, stored) in sources.steps.enumerated() {
            let envelope: TransactionEnvelope
            do {
                envelope = try TransactionEnvelope(decoding: stored.envelope)
            } catch {
                throw .content("the stored envelope of \(stored.kitId) seq \(stored.seq) cannot be read: \(error)")
            }
            let payload: [UInt8]
            do {
                payload = try opener.open(envelope)
            } catch {
                throw .sealing("the payload of \(stored.kitId) seq \(stored.seq) cannot be opened with the data key")
            }
            let number = String(index + 1)
            let stem = "steps/" + String(repeating: "0", count: max(0, 4 - number.count)) + number
            let envelopeEntry = add("\(stem).bktx", stored.envelope)
            let payloadFile = "\(stem).payload.hpke"
            let payloadEntry = add(
                payloadFile, try DossierSealing.seal(payload, to: consumerKey, dossierId: dossierId, file: payloadFile))
            let header = envelope.header
            steps.append(
                DossierManifest.Step(
                    kitId: header.kitId, seq: header.seq, txId: header.txId.uuidString.lowercased(), kind: header.kind,
                    baseVersion: header.baseVersion, monotonicNanos: header.monotonicNanos,
                    wallMillis: header.wallMillis, prevHash: Hex.encode(header.prevHash),
                    hash: Hex.encode(envelope.hash), envelope: envelopeEntry,
                    payload: payloadEntry))
        }
        let manifest = DossierManifest(
            format: DossierManifest.formatName, formatVersion: DossierManifest.currentVersion, dossierId: dossierId,
            caseId: record.caseId, caseVersion: sources.caseVersion, procedure: record.procedure.rawValue,
            consumer: record.consumer, recordedAt: Self.timestamp(record.recordedAt),
            sealing: .init(recipientKeySHA256: Hex.encode(SHA256.hash(data: sources.consumerKey))),
            caseSnapshot: caseEntry,
            kits: sources.kitSigningKeys.keys.sorted().map {
                DossierManifest.Kit(kitId: $0, signingKey: Data(sources.kitSigningKeys[$0] ?? []).base64EncodedString())
            },
            steps: steps,
            chain: sources.chain.map {
                DossierManifest.ChainLink(
                    kitId: $0.kitId, seq: $0.seq, prevHash: Hex.encode($0.prevHash), hash: Hex.encode($0.chainHash))
            })
        let manifestBytes = try manifest.canonicalJSON()
        let jws = try DossierSignature.sign(manifest: manifestBytes, with: signingKey)
        return try DossierArchive.write(
            [
                DossierArchive.Member(name: DossierManifest.manifestFile, bytes: manifestBytes),
                DossierArchive.Member(name: DossierManifest.signatureFile, bytes: Array(jws.utf8)),
            ] + members)
    }

    /// RFC 3339 UTC with whole seconds.
    static func timestamp(_ date: Date) -> String {
        var style = Date.ISO8601FormatStyle()
        style.timeZone = TimeZone(identifier: "UTC") ?? .current
        return Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)).formatted(style)
    }
}
