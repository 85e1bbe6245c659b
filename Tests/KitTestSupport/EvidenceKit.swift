import Crypto
import KitAgent
import KitCore

/// A kit runtime with a known server data key, an unlocked lock and one checked-out case: what the
/// daemon has when a clerk starts a device step.
public struct EvidenceKit: Sendable {
    public static let caseId = "2026-0815"
    public let runtime: KitRuntime
    public let serverDataKey = P256.KeyAgreement.PrivateKey()

    public static let defaultCitizen = CaseSnapshot.Citizen(
        citizenId: "c-1", givenNames: "Erika", familyName: "Mustermann", dateOfBirth: "1940-08-12",
        address: .init(street: "Heidestraße 17", zip: "51147", city: "Köln"))

    public init(
        citizen: CaseSnapshot.Citizen = EvidenceKit.defaultCitizen,
        steps: [CaseStep] = [.identify, .sign, .fingerprints, .complete]
    ) async throws {
        let directory = try StateDirectory.prepare(temporaryPath("kit-evidence"))
        let keys = try KitKeyStore(stateDirectory: directory)
        try keys.installServerDataKey(serverDataKey.publicKey)
        runtime = try KitRuntime(
            configuration: AgentConfiguration(
                stateDirectory: directory.path, serverURL: try AgentConfiguration.parseServerURL("http://127.0.0.1:9")),
            directory: directory, lockCost: .testing)
        try await runtime.lock.initialize(secret: "correct horse battery")
        try await runtime.cases.store(
            CaseSnapshot(
                caseId: Self.caseId, version: 4, title: "Personalausweis",
                citizen: citizen,
                steps: steps))
    }

    public var outbox: Outbox {
        get throws {
            guard let outbox = runtime.outbox else { throw EvidenceKitError.noOutbox }
            return outbox
        }
    }

    /// The entries' kinds, oldest first.
    public func kinds() throws -> [String] { try outbox.entries().reversed().map(\.kind) }

    /// Opens the sealed payload of entry `seq` as the server does.
    public func payload(seq: UInt64) throws -> (header: TransactionHeader, payload: [UInt8]) {
        guard let stored = try outbox.envelopes(from: seq, limit: 1).first else { throw EvidenceKitError.noEntry(seq) }
        let envelope = try TransactionEnvelope(decoding: stored.bytes)
        return (envelope.header, try EnvelopeOpener(dataKey: serverDataKey).open(envelope))
    }
}

public enum EvidenceKitError: Error {
    case noOutbox
    case noEntry(UInt64)
}

/// The JSON facts and the binary attachment of a composed payload (`StepPayload.compose`).
public func splitPayload(_ payload: [UInt8]) -> (facts: [UInt8], attachment: [UInt8]) {
    guard payload.count >= 4 else { return (payload, []) }
    let length = min(payload.count - 4, payload.prefix(4).reduce(0) { $0 << 8 | Int($1) })
    return (Array(payload[4..<(4 + length)]), Array(payload[(4 + length)...]))
}
