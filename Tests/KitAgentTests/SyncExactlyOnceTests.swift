import Crypto
import Foundation
import KitAgent
import KitCore
import KitTestSupport
import Logging
import SyncServer
import Testing

/// Issue #4, acceptance 1 and 2: a server killed mid-batch, and answers lost after the server
/// committed. In both, every transaction takes effect exactly once, on SQLite and on PostgreSQL.
@Suite("Sync: exactly once through server crashes and lost answers", .serialized)
struct SyncExactlyOnceTests {
    static let citizens = ["R-1", "R-2", "R-3"]

    static func snapshot(_ index: Int) -> CaseSnapshot {
        CaseSnapshot(
            caseId: "case-\(index)", version: 1, title: "Ummeldung",
            citizen: .init(
                citizenId: citizens[index], givenNames: "Erika", familyName: "Muster", dateOfBirth: "1940-01-01",
                address: .init(street: "Alte Gasse \(index)", zip: "55116", city: "Mainz"), registerVersion: 1),
            steps: [.identify, .updateAddress])
    }

    /// `count` transactions: identity checks (matching, binding the card), and one address change per
    /// citizen in the middle —
    /// applied twice, an address change would turn into a stale-base conflict.
    static func enqueue(_ count: Int, into outbox: Outbox) throws {
        for index in 0..<count {
            let caseIndex = index % 3
            if index == count / 2 + caseIndex {
                let facts = StepPayload.AddressChange(
                    citizenId: citizens[caseIndex],
                    newAddress: .init(street: "Neue Straße \(caseIndex)", zip: "55118", city: "Mainz"),
                    cardBinding: "card-\(caseIndex)")
                _ = try outbox.enqueue(
                    caseId: "case-\(caseIndex)", kind: TransactionKind.addressChanged.rawValue, baseVersion: 1,
                    payload: try StepPayload.compose(facts: facts))
            } else {
                _ = try outbox.enqueue(
                    caseId: "case-\(caseIndex)", kind: TransactionKind.identityChecked.rawValue, baseVersion: 1,
                    payload: try StepPayload.compose(
                        facts: StepPayload.IdentityCheck(
                            matchesCase: true, mismatches: [], chipAuthenticated: true, terminal: "T\(index)",
                            cardBinding: "card-\(caseIndex)")))
            }
        }
    }

    /// Exactly once, as the store sees it: the kit's last seq is `count`, nothing conflicted, and
    /// offering the whole chain again gives only duplicates whose original answer was "applied".
    static func expectExactlyOnce(
        store: any SyncStore, state: String, kitId: String, outbox: Outbox, count: Int
    ) async throws {
        let kit = try #require(try await store.kits().first { $0.kitId == kitId })
        #expect(kit.lastSeq == UInt64(count))
        #expect(try await store.conflicts(openOnly: false).isEmpty)
        let envelopes = try outbox.envelopes(from: 1, limit: count + 10).map { Data($0.bytes) }
        #expect(envelopes.count == count)
        let keys = try ServerKeys.loadOrCreate(in: try StateDirectory.prepare(state))
        let engine = IngestEngine(opener: EnvelopeOpener(dataKey: keys.dataKey))
        var duplicates = 0
        for start in stride(from: 0, to: envelopes.count, by: 200) {
            let reply = try await store.ingest(
                envelopes: Array(envelopes[start..<min(start + 200, envelopes.count)]), kitId: kitId, engine: engine)
            for result in reply.results {
                #expect(result.outcome == .duplicate, "seq \(result.seq): \(result.outcome)")
                #expect(result.originalOutcome == .applied, "seq \(result.seq)")
                if result.outcome == .duplicate { duplicates += 1 }
            }
        }
        #expect(duplicates == count)
    }

    /// A server configuration on `storage`: SQLite in `state`, or a fresh database of the test cluster.
    static func configuration(_ storage: ServerConfiguration.StorageKind, state: String, port: Int, tls: Bool)
        async throws -> ServerConfiguration
    {
        var configuration = ServerConfiguration(port: port, stateDirectory: state, tlsEnabled: tls)
        if storage == .postgresql {
            let endpoint = try await PostgresCluster.shared.start()
            configuration.storage = .postgresql
            configuration.postgres = .init(
                host: endpoint.host, port: endpoint.port, username: endpoint.username,
                database: try await PostgresCluster.shared.createDatabase(prefix: "once"), tls: .disable,
                maximumConnections: 4)
        }
        return configuration
    }

    /// Prepares the store (enrollment token, cases) and returns the token.
    static func prepare(_ configuration: ServerConfiguration, kitId: String) async throws -> String {
        let store = try await SyncServerApplication(configuration: configuration, logger: quietLogger()).openStore()
        let token = BearerToken.generate()
        try await store.createEnrollment(
            kitId: kitId, tokenHash: BearerToken.hash(token), expiresAt: Date().addingTimeInterval(600))
        for index in 0..<3 { try await store.upsertCase(snapshot(index), assignedKit: kitId) }
        await store.close()
        return token
    }

    /// An enrolled kit runtime.
    static func kit(url: URL, kitId: String, token: String, caPEM: String?) async throws -> KitRuntime {
        let directory = try StateDirectory.prepare(temporaryPath("kit-once"))
        _ = try await Enrollment.enroll(
            stateDirectory: directory, serverURL: url, kitId: kitId, token: token, caCertificatePEM: caPEM)
        let runtime = try KitRuntime(
            configuration: AgentConfiguration(stateDirectory: directory.path, serverURL: url), directory: directory,
            lockCost: .testing)
        try await runtime.lock.initialize(secret: "Exactly-Once-2026")
        return runtime
    }

    static let storages: [ServerConfiguration.StorageKind] = [.sqlite, .postgresql]

    @Test(arguments: storages)
    func answersLostAfterTheServerCommittedComeBackAsDuplicates(storage: ServerConfiguration.StorageKind)
        async throws
    {
        let count = 600
        let state = temporaryPath("server-once")
        let configuration = try await Self.configuration(storage, state: state, port: 0, tls: false)
        let token = try await Self.prepare(configuration, kitId: "kit-cut")
        let server = SyncServerApplication(configuration: configuration, logger: quietLogger())
        try await whileRunning({ ready in try await server.run(onListening: ready) }) { port in
            let proxy = try CuttingProxy(targetPort: port)
            defer { proxy.stop() }
            let url = try AgentConfiguration.parseServerURL("http://127.0.0.1:\(proxy.port)")
            let runtime = try await Self.kit(url: url, kitId: "kit-cut", token: token, caPEM: nil)
            let outbox = try #require(runtime.outbox)
            try Self.enqueue(count, into: outbox)
            let client = SyncClient(runtime: runtime, logger: quietLogger(), batchSize: 100, timeout: 10)

            // The first batch's answer is lost after the server committed it.
            proxy.cutAnswers(1)
            do {
                _ = try await client.syncNow()
                Issue.record("the sync finished although its first answer was lost")
            } catch {
                #expect(proxy.answersCut == 1)
            }
            #expect(try outbox.stats().queueDepth == count, "nothing acknowledged without an answer")

            // The retry: the lost batch comes back as duplicates, the rest is applied.
            let summary = try await client.syncNow()
            #expect(summary.duplicates == 100)
            #expect(summary.acknowledged == count)
            #expect(try outbox.stats().queueDepth == 0)
            #expect(summary.parked == 0)

            let store = try await server.openStore()
            try await Self.expectExactlyOnce(
                store: store, state: state, kitId: "kit-cut", outbox: outbox, count: count)
            await store.close()
        }
    }

    @Test(arguments: storages)
    func aServerKilledMidBatchAppliesEverythingOnceAfterItsRestart(storage: ServerConfiguration.StorageKind)
        async throws
    {
        guard let binary = Self.syncServerBinary() else { return }
        let count = 1000
        let state = temporaryPath("server-kill")
        let port = try ListeningSocket().port  // free again once the socket is gone
        let configuration = try await Self.configuration(storage, state: state, port: port, tls: true)
        let token = try await Self.prepare(configuration, kitId: "kit-kill")
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SYNC_SERVER_") }
        if let postgres = configuration.postgres {
            environment["SYNC_SERVER_STORAGE"] = "postgresql"
            environment["SYNC_SERVER_POSTGRES_URL"] =
                "postgresql://\(postgres.username)@\(postgres.host):\(postgres.port)/\(postgres.database)?sslmode=disable"
        }
        let children = ChildProcesses()
        defer { children.killAll() }
        func startServer() async throws -> Process {
            let process = try children.start(
                binary, ["serve", "--state-dir", state, "--port", "\(port)", "--log-level", "error"],
                environment: environment, log: state + "/server.log")
            try await poll("sync-server listens on \(port)", seconds: 30) {
                ListeningSocket.canConnect(port: port)
            }
            return process
        }
        var server = try await startServer()
        let url = try AgentConfiguration.parseServerURL("https://127.0.0.1:\(port)")
        let caPEM = try String(contentsOfFile: state + "/keys/kit-ca.pem", encoding: .utf8)
        let runtime = try await Self.kit(url: url, kitId: "kit-kill", token: token, caPEM: caPEM)
        let outbox = try #require(runtime.outbox)
        try Self.enqueue(count, into: outbox)
        let client = SyncClient(runtime: runtime, logger: quietLogger(), batchSize: 50, timeout: 10)

        // Kill the server while batches are in flight: right after the first answers arrived.
        let sync = Task { () -> SyncSummary? in try? await client.syncNow() }
        try await poll("the first batch is acknowledged", seconds: 30) {
            ((try? outbox.stats().byState["acknowledged"]) ?? 0) > 0
        }
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
        #expect(server.terminationReason == .uncaughtSignal)
        #expect(await sync.value == nil, "a sync cannot finish when its server died")
        let acknowledgedBeforeRestart = (try outbox.stats().byState["acknowledged"]) ?? 0
        #expect(acknowledgedBeforeRestart < count)

        server = try await startServer()
        var rounds = 0
        while try outbox.stats().queueDepth > 0, rounds < 10 {
            rounds += 1
            _ = try? await client.syncNow()
        }
        #expect(try outbox.stats().queueDepth == 0)
        server.terminate()
        server.waitUntilExit()

        let store = try await SyncServerApplication(configuration: configuration, logger: quietLogger()).openStore()
        try await Self.expectExactlyOnce(
            store: store, state: state, kitId: "kit-kill", outbox: outbox, count: count)
        await store.close()
    }

    static func syncServerBinary() -> URL? {
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [folder, folder.deletingLastPathComponent()] {
            let binary = candidate.appendingPathComponent("sync-server")
            if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
        }
        Issue.record("sync-server not found next to the tests; build it with swift build --build-tests")
        return nil
    }
}
