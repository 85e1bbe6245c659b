import Crypto
import Foundation

/// What a receiving procedure checks before it accepts a dossier (docs/handoff.md,
/// "Verification"): the canonical container, the server's JWS over the manifest, every file's
/// SHA-256, and for every step the kit's ECDSA signature over its envelope and the chain links
/// (`prevHash` of each link = hash of the one before, gap-free). Needs only public keys; opening
/// the sealed files needs the consumer's private key (``VerifiedDossier/open(_:with:)``).
public struct DossierVerifier: Sendable {
    public let serverKey: P256.Signing.PublicKey

    public init(serverKey: P256.Signing.PublicKey) {
        self.serverKey = serverKey
    }

    public func verify(_ container: [UInt8]) throws(DossierError) -> VerifiedDossier {
        let members = try DossierArchive.read(container)
        guard members.count >= 2, members[0].name == DossierManifest.manifestFile,
            members[1].name == DossierManifest.signatureFile
        else {
            throw .content("the container must start with manifest.json and manifest.jws")
        }
        let manifestBytes = members[0].bytes
        guard let jws = String(validating: members[1].bytes, as: UTF8.self) else {
            throw .signature("manifest.jws is not text")
        }
        try DossierSignature.verify(jws, manifest: manifestBytes, key: serverKey)
        let manifest: DossierManifest
        do {
            manifest = try JSONDecoder().decode(DossierManifest.self, from: Data(manifestBytes))
        } catch {
            throw .content("manifest.json cannot be read: \(error)")
        }
        guard manifest.format == DossierManifest.formatName, manifest.formatVersion == DossierManifest.currentVersion
        else {
            throw .content("format \(manifest.format) v\(manifest.formatVersion) is not supported (expected v1)")
        }
        let named = manifest.files
        guard members.count == named.count + 2 else {
            throw .content("the container holds \(members.count - 2) files, the manifest names \(named.count)")
        }
        var files: [String: [UInt8]] = [:]
        for (entry, member) in zip(named, members.dropFirst(2)) {
            guard entry.file == member.name else {
                throw .content("expected \(entry.file) in the container, found \(member.name)")
            }
            guard Hex.encode(SHA256.hash(data: member.bytes)) == entry.sha256 else {
                throw .content("\(entry.file) does not match its SHA-256 in the signed manifest")
            }
            files[entry.file] = member.bytes
        }
        try Self.verifyProof(manifest, files: files)
        return VerifiedDossier(manifest: manifest, files: files)
    }

    static func verifyProof(_ manifest: DossierManifest, files: [String: [UInt8]]) throws(DossierError) {
        var keys: [String: P256.Signing.PublicKey] = [:]
        for kit in manifest.kits {
            guard let raw = Data(base64Encoded: kit.signingKey),
                let key = try? P256.Signing.PublicKey(x963Representation: raw)
            else { throw .proof("the signing key of kit \(kit.kitId) is not a P-256 public key") }
            keys[kit.kitId] = key
        }
        var links: [String: [UInt64: DossierManifest.ChainLink]] = [:]
        for kitId in Set(manifest.chain.map(\.kitId)) {
            let chain = manifest.chain.filter { $0.kitId == kitId }
            for (previous, next) in zip(chain, chain.dropFirst()) {
                guard next.seq == previous.seq + 1 else {
                    throw .proof("the chain of kit \(kitId) has a gap after seq \(previous.seq)")
                }
                guard next.prevHash == previous.hash else {
                    throw .proof("the chain of kit \(kitId) is broken between seq \(previous.seq) and \(next.seq)")
                }
            }
            links[kitId] = Dictionary(chain.map { ($0.seq, $0) }, uniquingKeysWith: { first, _ in first })
        }
        for step in manifest.steps {
            guard let key = keys[step.kitId] else { throw .proof("no signing key for kit \(step.kitId)") }
            guard let bytes = files[step.envelope.file] else { throw .content("\(step.envelope.file) is missing") }
            let envelope: TransactionEnvelope
            do {
                envelope = try TransactionEnvelope(decoding: bytes)
            } catch {
                throw .proof("\(step.envelope.file) is not a transaction envelope: \(error)")
            }
            let header = envelope.header
            guard header.kitId == step.kitId, header.seq == step.seq,
                header.txId.uuidString.lowercased() == step.txId, header.kind == step.kind,
                header.baseVersion == step.baseVersion, header.monotonicNanos == step.monotonicNanos,
                header.wallMillis == step.wallMillis, Hex.encode(header.prevHash) == step.prevHash,
                header.caseId == manifest.caseId
            else {
                throw .proof("the header of \(step.envelope.file) does not match the manifest")
            }
            guard Hex.encode(envelope.hash) == step.hash else {
                throw .proof("\(step.envelope.file) does not hash to its chain hash")
            }
            do {
                try EnvelopeVerifier(kitSigningKey: key).verifySignature(envelope)
            } catch {
                throw .proof("the kit signature of \(step.kitId) seq \(step.seq) does not verify")
            }
            guard let link = links[step.kitId]?[step.seq], link.hash == step.hash, link.prevHash == step.prevHash
            else {
                throw .proof("\(step.kitId) seq \(step.seq) is not in the chain the manifest gives")
            }
        }
    }
}

/// A dossier whose server signature, hashes, kit signatures and chain were checked.
public struct VerifiedDossier: Sendable {
    public let manifest: DossierManifest
    /// The files by name (sealed files still sealed).
    public let files: [String: [UInt8]]

    /// Opens a sealed file with the consumer's private key.
    public func open(_ entry: DossierManifest.FileEntry, with key: P256.KeyAgreement.PrivateKey)
        throws(DossierError) -> [UInt8]
    {
        guard let sealed = files[entry.file] else { throw .content("\(entry.file) is not in the dossier") }
        return try DossierSealing.open(sealed, with: key, dossierId: manifest.dossierId, file: entry.file)
    }
}
