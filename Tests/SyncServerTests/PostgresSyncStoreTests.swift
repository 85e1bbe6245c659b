import Crypto
import Foundation
import KitCore
import KitTestSupport
import Logging
import PostgresNIO
import SyncServer
import Testing

/// What only PostgreSQL has to get right: several server processes (here: several stores with
/// their own connection pools) on one database.
@Suite(
    "PostgreSQL store: several server processes",
    .enabled(if: PostgresCluster.shouldRun, Comment(rawValue: PostgresCluster.missingMessage)))
struct PostgresSyncStoreTests {
    @Test func twoServerProcessesIngestingOneBatchApplyEveryTransactionOnce() async throws {
        let location = try await StoreLocation.fresh(.postgresql)
        let first = try await location.open()
        let second = try await location.open()
        let server = ServerFixture()
        for round in 1...3 {
            var kit = TestKit("kit-\(round)", server: server)
            try await kit.enrol(in: first)
            let caseId = "c-\(round)"
            try await first.upsertCase(
                makeCase(
                    caseId, steps: [.identify, .pay, .handOutDocument, .complete], feeCents: 900,
                    documents: ["DOC-\(round)"]),
                assignedKit: kit.kitId)
            var batch = [
                try kit.next(.identityChecked, caseId: caseId),
                try kit.next(
                    .paymentOutcome, caseId: caseId, facts: StepPayload.Payment(approved: true, amountCents: 900)),
                try kit.next(
                    .documentHandedOut, caseId: caseId, facts: StepPayload.DocumentHandOut(documentId: "DOC-\(round)")),
            ]
            for _ in 1...12 { batch.append(try kit.next(.signatureCaptured, caseId: caseId)) }
            batch.append(try kit.next(.caseCompleted, caseId: caseId))

            let kitId = kit.kitId
            let envelopes = batch
            async let replyA = first.ingest(envelopes: envelopes, kitId: kitId, engine: server.engine)
            async let replyB = second.ingest(envelopes: envelopes, kitId: kitId, engine: server.engine)
            let (a, b) = try await (replyA, replyB)

            #expect(a.expectedSeq == UInt64(batch.count) + 1)
            #expect(b.expectedSeq == UInt64(batch.count) + 1)
            #expect(a.results.count == batch.count && b.results.count == batch.count, "no envelope was refused")
            for (x, y) in zip(a.results, b.results) {
                let outcomes = [x.outcome, y.outcome].sorted { $0.rawValue < $1.rawValue }
                #expect(outcomes == [.applied, .duplicate], "seq \(x.seq) applied exactly once")
                #expect([x, y].first { $0.outcome == .duplicate }?.originalOutcome == .applied)
            }
            #expect(try await first.kits().first { $0.kitId == kitId }?.lastSeq == UInt64(batch.count))
        }
        #expect(try await second.conflicts(openOnly: false).isEmpty, "no step was applied twice")
        await first.close()
        await second.close()
    }

    @Test func twoKitsOnTwoServerProcessesRacingForOneAddressGetOneAppliedOneStaleBase() async throws {
        let location = try await StoreLocation.fresh(.postgresql)
        let first = try await location.open()
        let second = try await location.open()
        let server = ServerFixture()
        var kitA = TestKit("kit-a", server: server)
        var kitB = TestKit("kit-b", server: server)
        try await kitA.enrol(in: first)
        try await kitB.enrol(in: first)
        let address = CaseSnapshot.Address(street: "Neumarkt 1", zip: "50667", city: "Köln")
        for round in 1...5 {
            let citizen = "citizen-\(round)"
            try await first.upsertCase(makeCase("a-\(round)", citizenId: citizen), assignedKit: "kit-a")
            try await first.upsertCase(makeCase("b-\(round)", citizenId: citizen), assignedKit: "kit-b")
            let checkA = try kitA.identityCheck(caseId: "a-\(round)")
            let envelopeA = try kitA.addressChange(caseId: "a-\(round)", citizenId: citizen, to: address)
            let checkB = try kitB.identityCheck(caseId: "b-\(round)")
            let envelopeB = try kitB.addressChange(caseId: "b-\(round)", citizenId: citizen, to: address)
            async let replyA = first.ingest(envelopes: [checkA, envelopeA], kitId: "kit-a", engine: server.engine)
            async let replyB = second.ingest(envelopes: [checkB, envelopeB], kitId: "kit-b", engine: server.engine)
            let outcomes = try await (replyA.outcomes + replyB.outcomes).sorted { $0.rawValue < $1.rawValue }
            #expect(outcomes == [.applied, .applied, .applied, .conflict], "round \(round)")
        }
        #expect(try await first.conflicts(openOnly: true).map(\.reason) == Array(repeating: .staleBase, count: 5))
        await first.close()
        await second.close()
    }

    /// A racing process (the kit's retry reaching another server process) holds the same envelope
    /// uncommitted; the store's INSERT waits for it, gets a unique violation when it commits,
    /// decides the envelope again and answers `duplicate`.
    @Test func aUniqueViolationFromARacingProcessBecomesADuplicate() async throws {
        let location = try await StoreLocation.fresh(.postgresql)
        let store = try await location.open()
        let server = ServerFixture()
        var kitA = TestKit("kit-a", server: server)
        var kitB = TestKit("kit-b", server: server)
        try await kitA.enrol(in: store)
        try await kitB.enrol(in: store)
        try await store.upsertCase(makeCase("c-b"), assignedKit: "kit-b")
        let txId = UUID()
        _ = try kitA.next(.identityChecked, caseId: "c-a", txId: txId)
        let envelope = try kitB.next(.identityChecked, caseId: "c-b", txId: txId)
        let racer = IngestResult(seq: 1, txId: txId.uuidString.lowercased(), outcome: .applied)
        let answer = String(decoding: try WireCoding.encoder().encode(racer), as: UTF8.self)

        let logger = quietLogger()
        let configuration = location.postgres
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: configuration.host, port: configuration.port, username: configuration.username,
                password: nil, database: configuration.database, tls: .disable),
            id: 1, logger: logger)
        try await connection.query("BEGIN", logger: logger)
        try await connection.query(
            """
            INSERT INTO transactions (kit_id, seq, tx_id, case_id, kind, outcome, answer, envelope, received_at)
            VALUES ('kit-b', 1, \(txId.uuidString.lowercased()), 'c-b', 'identity.checked', 'applied', \(answer),
                \(envelope), now())
            """, logger: logger)

        let ingest = Task { try await store.ingest(envelopes: [envelope], kitId: "kit-b", engine: server.engine) }
        var waiting = 0
        for _ in 0..<250 where waiting == 0 {
            try await Task.sleep(for: .milliseconds(20))
            let rows = try await connection.query(
                """
                SELECT count(*)::bigint FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock'
                """, logger: logger)
            for try await count in rows.decode(Int64.self) { waiting = Int(count) }
        }
        #expect(waiting == 1, "the store's INSERT waits for the racing transaction")
        try await connection.query("COMMIT", logger: logger)

        let reply = try await ingest.value
        #expect(reply.outcomes == [.duplicate])
        #expect(reply.results.first?.originalOutcome == .applied)
        #expect(reply.expectedSeq == 1)
        try await connection.close()
        await store.close()
    }

    @Test func serverProcessesStartingTogetherMigrateOnce() async throws {
        let location = try await StoreLocation.fresh(.postgresql)
        let stores = try await withThrowingTaskGroup(of: (any SyncStore).self) { group in
            for _ in 1...4 { group.addTask { try await location.open() } }
            var opened: [any SyncStore] = []
            for try await store in group { opened.append(store) }
            return opened
        }
        for store in stores {
            #expect(
                try await store.appliedMigrations() == ServerSchema.migrations)
        }
        for store in stores { await store.close() }

        let logger = quietLogger()
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: location.postgres.host, port: location.postgres.port, username: location.postgres.username,
                password: nil, database: location.postgres.database, tls: .disable),
            id: 2, logger: logger)
        var counts: [Int64] = []
        let rows = try await connection.query(
            "SELECT (SELECT count(*) FROM schema_migrations), (SELECT count(*) FROM server_instance)", logger: logger)
        for try await (migrations, instances) in rows.decode((Int64, Int64).self) { counts = [migrations, instances] }
        #expect(counts == [Int64(ServerSchema.migrations.count), 1])
        try await connection.close()
    }

    @Test func runsAsAServiceWithMigrateBeforeUse() async throws {
        let location = try await StoreLocation.fresh(.postgresql)
        let store = PostgresSyncStore(configuration: location.postgres, logger: quietLogger())
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            try await store.migrate()
            try await store.migrate()
            #expect(
                try await store.appliedMigrations() == ServerSchema.migrations)
            try await store.checkHealth()
            group.cancelAll()
        }
        await store.close()
        await #expect(throws: StoreError.unavailable(reason: "the store was closed")) { try await store.checkHealth() }
    }

    @Test func healthReportsALostDatabaseInBoundedTime() async throws {
        var location = try await StoreLocation.fresh(.postgresql)
        location.postgres.connectTimeout = .seconds(1)
        let store = try await location.open()
        try await store.checkHealth()
        let logger = quietLogger()
        let admin = try await PostgresConnection.connect(
            configuration: .init(
                host: location.postgres.host, port: location.postgres.port, username: location.postgres.username,
                password: nil, database: "postgres", tls: .disable),
            id: 3, logger: logger)
        try await admin.query(
            PostgresQuery(unsafeSQL: "DROP DATABASE \(location.postgres.database) WITH (FORCE)"), logger: logger)
        try await admin.close()
        let started = ContinuousClock.now
        await #expect(throws: StoreError.self) { try await store.checkHealth() }
        #expect(ContinuousClock.now - started < .seconds(4))
        await store.close()
    }

    @Test func anUnreachableDatabaseIsOneClearError() async throws {
        let silent = try ListeningSocket()
        let closedPort = try ListeningSocket().port  // released again at once: nothing listens there
        let endpoint = try await PostgresCluster.shared.start()
        let cases: [(port: Int, database: String, reason: String)] = [
            (closedPort, "nothing", "connection refused: no PostgreSQL server listens there"),
            (silent.port, "nothing", "connection to PostgreSQL failed"),
            (
                endpoint.port, "no_such_database",
                "PostgreSQL: database \"no_such_database\" does not exist (SQLSTATE 3D000)"
            ),
        ]
        for (port, database, reason) in cases {
            let configuration = PostgresSyncStore.Configuration(
                host: "127.0.0.1", port: port, username: "postgres", database: database, tls: .disable,
                connectTimeout: .seconds(1))
            let started = ContinuousClock.now
            do {
                _ = try await PostgresSyncStore.open(configuration: configuration, logger: quietLogger())
                Issue.record("a store opened on port \(port) where no PostgreSQL runs")
            } catch {
                guard case .cannotOpen(let location, let text) = error else {
                    Issue.record("expected cannotOpen, got \(error)")
                    continue
                }
                #expect(location == "postgresql://postgres@127.0.0.1:\(port)/\(database)")
                #expect(
                    text.hasPrefix(reason) || (port == silent.port && text.hasPrefix("no answer within")), "\(text)")
                #expect(error.description.hasPrefix("database postgresql://postgres@127.0.0.1:\(port)/\(database)"))
            }
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }
}

/// The test rig itself: a cluster of its own, started and stopped again.
@Suite(
    "PostgreSQL test cluster",
    .enabled(if: PostgresCluster.shouldRun, Comment(rawValue: PostgresCluster.missingMessage)))
struct PostgresClusterTests {
    @Test func aClusterStopsWithoutLeavingAProcessOrAFolder() async throws {
        let cluster = PostgresCluster()
        let endpoint = try await cluster.start()
        #expect(try await cluster.start() == endpoint, "started once")
        let database = try await cluster.createDatabase(prefix: "Rig-Test")
        #expect(database.hasPrefix("rigtest_"))
        let store = try await PostgresSyncStore.open(
            configuration: .init(
                host: endpoint.host, port: endpoint.port, username: endpoint.username, database: database,
                tls: .disable),
            logger: quietLogger())
        try await store.checkHealth()
        await store.close()
        let pidText = try String(contentsOfFile: endpoint.dataDirectory + "/postmaster.pid", encoding: .utf8)
        let pid = try #require(pidText.split(separator: "\n").first.flatMap { pid_t($0) })

        await cluster.stop()
        #expect(kill(pid, 0) == -1 && errno == ESRCH, "the server is gone and reaped")
        #expect(!FileManager.default.fileExists(atPath: endpoint.dataDirectory))
    }
}

/// Reading the connection settings; no database needed.
@Suite("PostgreSQL store: configuration")
struct PostgresStoreConfigurationTests {
    @Test func aFullURL() throws {
        let configuration = try PostgresSyncStore.Configuration(
            url: "postgresql://sync:s%40cret@db.city.example:6432/sync_prod?sslmode=verify-full")
        #expect(
            configuration
                == PostgresSyncStore.Configuration(
                    host: "db.city.example", port: 6432, username: "sync", password: "s@cret", database: "sync_prod",
                    tls: .require))
        #expect(configuration.location == "postgresql://sync@db.city.example:6432/sync_prod")
    }

    @Test func aSocketDirectoryAndDefaults() throws {
        let configuration = try PostgresSyncStore.Configuration(
            url: "postgres://sync-server@/sync?host=/var/run/postgresql")
        #expect(configuration.host == "/var/run/postgresql")
        #expect(configuration.port == 5432)
        #expect(configuration.password == nil)
        #expect(configuration.tls == .prefer)
        #expect(configuration.location == "postgresql://sync-server@/sync?host=/var/run/postgresql&port=5432")
        #expect(try PostgresSyncStore.Configuration(url: "postgresql://localhost").database == "sync_server")
    }

    @Test func mistakesAreRefusedWithoutShowingThePassword() {
        for url in [
            "mysql://sync:hunter2@db/sync", "postgresql://sync:hunter2@db/sync?sslmode=sometimes",
            "postgresql://sync:hunter2@db/sync?pool=3", "postgresql://sync:hunter2@db/a/b",
            "postgresql://sync:hunter2@db/sync?host=relative",
        ] {
            #expect {
                _ = try PostgresSyncStore.Configuration(url: url)
            } throws: { error in
                let text = String(describing: error)
                return text.hasPrefix("PostgreSQL URL postgresql://sync:***@db")
                    || text.hasPrefix("PostgreSQL URL mysql")
                    ? !text.contains("hunter2") : false
            }
        }
    }
}
