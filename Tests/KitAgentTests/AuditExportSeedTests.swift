import Crypto
import Foundation
import KitAgent
import KitCore
import KitTestSupport
import SyncServer
import Testing

/// Issue #17, acceptance 3: a real server state for the audit export. Two clerks record steps on
/// one kit through the real sync path, a conflict is resolved, the kit is marked lost and wipes
/// itself. Tests/Integration/audit-verify.sh runs this with AUDIT_SEED_STATE set, exports with the
/// real CLI and checks the export with the independent Python verifier; here the export document
/// is checked for what the verifier relies on.
@Suite("Audit export seed: a kit's real chain and the audit trail")
struct AuditExportSeedTests {
    @Test func aRealKitChainAndAuditTrailAreExported() async throws {
        let serverState = ProcessInfo.processInfo.environment["AUDIT_SEED_STATE"] ?? temporaryPath("audit-seed")
        let configuration = try await SyncExactlyOnceTests.configuration(
            .sqlite, state: serverState, port: 0, tls: true)
        let server = SyncServerApplication(configuration: configuration, logger: quietLogger())
        let store = try await server.openStore()
        let token = BearerToken.generate()
        try await store.createEnrollment(
            kitId: "kit-07", tokenHash: BearerToken.hash(token), expiresAt: Date().addingTimeInterval(600))
        try await store.upsertCase(SyncClientTests.caseSnapshot("2026-0001"), assignedKit: "kit-07")
        try await store.upsertCase(SyncClientTests.caseSnapshot("2026-0002"), assignedKit: "kit-07")
        let anna = Clerk(id: "anna.schmidt", name: "Anna Schmidt")
        let ben = Clerk(id: "ben.yilmaz", name: "Ben Yılmaz")

        try await whileRunning({ ready in try await server.run(onListening: ready) }) { port in
            let url = try AgentConfiguration.parseServerURL("https://127.0.0.1:\(port)")
            let caPEM = try String(contentsOfFile: serverState + "/keys/kit-ca.pem", encoding: .utf8)
            let directory = try StateDirectory.prepare(temporaryPath("audit-kit"))
            try await Enrollment.enroll(
                stateDirectory: directory, serverURL: url, kitId: "kit-07", token: token, caCertificatePEM: caPEM)
            for clerk in [anna, ben] { try await store.addClerk(kitId: "kit-07", clerk: clerk, by: "it", at: Date()) }
            let runtime = try KitRuntime(
                configuration: AgentConfiguration(stateDirectory: directory.path, serverURL: url), directory: directory,
                lockCost: .testing)
            let outbox = try #require(runtime.outbox)
            let client = SyncClient(runtime: runtime, logger: quietLogger())
            try await runtime.initialize(secret: "Annas-Geheimnis-1", clerk: anna)
            try await runtime.lock.addClerk(ben, secret: "Bens-Geheimnis-22")
            _ = try await client.syncNow()
            for (caseId, kind) in [
                ("2026-0001", TransactionKind.identityChecked), ("2026-0001", .signatureCaptured),
                ("2026-0002", .identityChecked),
            ] {
                _ = try outbox.enqueue(caseId: caseId, kind: kind.rawValue, baseVersion: 1, payload: Array("{}".utf8))
            }
            await runtime.lock.lock()
            try await runtime.unlock(secret: "Bens-Geheimnis-22", clerkId: ben.id)
            _ = try outbox.enqueue(
                caseId: "2026-0002", kind: TransactionKind.signatureCaptured.rawValue, baseVersion: 1,
                payload: Array("{}".utf8))
            _ = try outbox.enqueue(
                caseId: "2026-0002", kind: TransactionKind.caseCompleted.rawValue, baseVersion: 1, payload: [])
            // A step after the case was closed: a conflict the back office resolves.
            _ = try outbox.enqueue(
                caseId: "2026-0002", kind: TransactionKind.identityChecked.rawValue, baseVersion: 1,
                payload: Array("{}".utf8))
            let summary = try await client.syncNow()
            #expect(summary.acknowledged == 6)
            #expect(summary.parked == 1)
            if let conflict = try await store.conflicts(openOnly: true).first {
                _ = try await store.resolveConflict(
                    id: conflict.id, resolution: .revisit, by: "sachgebiet-21", at: Date())
            }
            try await store.markKitLost(kitId: "kit-07", orderId: "order-audit", by: "it-leitstelle", at: Date())
            #expect(try await client.syncNow().wiped)
        }

        let rows = try #require(try await store.auditExportRows(kitId: "kit-07", from: nil, to: nil))
        await store.close()
        #expect(rows.transactions.map(\.seq) == [1, 2, 3, 4, 5, 6, 7])
        #expect(rows.transactions.compactMap(\.recordedBy).count == 7)
        let document = AuditExport.document(rows, from: nil, to: nil)
        #expect(document.transactions.allSatisfy { $0.evidence == "proof-v2" })
        #expect(document.kit.wipedLastSeq == 7)
        // The stored audit chain is intact: every entry names the one before.
        var previous = AuditChain.genesis
        for entry in rows.auditLog {
            let prev = try #require(entry.prevHash)
            #expect(prev == previous)
            let hash = AuditChain.entryHash(
                prev: prev, atMillis: try #require(entry.atMillis), actor: entry.actor, action: entry.action,
                detail: entry.detail)
            #expect(entry.entryHash == hash)
            previous = hash
        }
        let actions = Set(rows.auditLog.map(\.action))
        for action in ["enrolled", "clerk-added", "conflict-resolved", "kit-lost", "kit-wiped"] {
            #expect(actions.contains(action), "\(action) missing in \(actions)")
        }
        // The signature covers the exact bytes written.
        let keys = try ServerKeys.loadOrCreate(in: try StateDirectory.prepare(serverState))
        let (json, signature) = try AuditExport.signed(document, key: keys.auditSigningKey)
        let raw = try P256.Signing.ECDSASignature(rawRepresentation: try #require(Data(base64Encoded: signature)))
        #expect(keys.auditSigningKey.publicKey.isValidSignature(raw, for: json))
    }
}
