import Crypto
import Foundation
import KitCore
import KitTestSupport
import SyncServer
import Testing

/// The dossier checked by code that shares nothing with the server: Tests/Integration/
/// verify_dossier.py (Python `cryptography`, from scripts/setup's tools venv) verifies the JWS,
/// every kit signature and chain link, and refuses every single flipped byte.
@Suite("Hand-off: independent verification")
struct HandoffIndependentVerifierTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static var python: String {
        let venv = repositoryRoot.appendingPathComponent(".venv-tools/bin/python3").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : "/usr/bin/python3"
    }

    @Test("verify_dossier.py accepts the dossier and refuses every one-byte change")
    func independentVerification() async throws {
        var city = HandoffCity()
        try await withFreshStore(.sqlite) { store, _ in
            try await city.prepare(store)
            // Another case's step in between: the chain proof spans it.
            try await store.upsertCase(makeCase("case-other"), assignedKit: city.kit.kitId)
            try await store.upsertCase(HandoffCity.idCardCase("case-py"), assignedKit: city.kit.kitId)
            let envelopes = try city.idCardApplication("case-py", interleaving: "case-other")
            _ = try await store.ingest(envelopes: envelopes, kitId: city.kit.kitId, engine: city.server.engine)
            try await city.assembly(store).buildPending()
            let record = try #require(try await store.dossierFeed(consumer: city.dms.name, after: 0, limit: 1).first)
            let container = try #require(try await store.dossier(id: record.dossierId)?.container)
            let manifest = try DossierVerifier(serverKey: city.dossierKey.publicKey).verify(container).manifest
            #expect(manifest.chain.count == 6)
            #expect(manifest.steps.count == 5)

            let directory = temporaryPath("dossier-py")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let dossierPath = directory + "/dossier.tar"
            let keyPath = directory + "/server-dossier-key.pub.pem"
            try Data(container).write(to: URL(fileURLWithPath: dossierPath))
            try Data(city.dossierKey.publicKey.pemRepresentation.utf8).write(to: URL(fileURLWithPath: keyPath))
            let schema = Self.repositoryRoot.appendingPathComponent("docs/handoff-manifest.schema.json").path
            let good = try Self.run(["--schema", schema, "--flip-every-byte", dossierPath, keyPath])
            #expect(good.status == 0, "\(good.output)")
            #expect(good.output.contains("manifest matches the schema"))
            #expect(good.output.contains("single-byte flips refused"))
            // Another server's key: refused.
            let otherKey = directory + "/other.pub.pem"
            try Data(P256.Signing.PrivateKey().publicKey.pemRepresentation.utf8).write(
                to: URL(fileURLWithPath: otherKey))
            let wrong = try Self.run([dossierPath, otherKey])
            #expect(wrong.status == 1, "\(wrong.output)")
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try runToEnd(
            URL(fileURLWithPath: python),
            [repositoryRoot.appendingPathComponent("Tests/Integration/verify_dossier.py").path] + arguments)
    }
}
