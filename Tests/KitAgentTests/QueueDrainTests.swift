import Crypto
import Foundation
import GRDB
import KitCore
import KitTestSupport
import Logging
import Testing

@testable import KitAgent
@testable import SyncServer

/// The queue always drains (issue #14): batches by bytes within the server's announced limit,
/// large transactions alone, a jam reported everywhere, damaged entries sent as tombstones.
@Suite("Queue drains after a real offline day")
struct QueueDrainTests {
    static var storages: [ServerConfiguration.StorageKind] {
        PostgresCluster.shouldRun ? [.sqlite, .postgresql] : [.sqlite]
    }

    /// A kit enrolled with a running server of `configuration` (port and state filled in).
    struct Rig {
        var runtime: KitRuntime
        var outbox: Outbox
        var store: any SyncStore
        var port: Int
    }

    static func withEnrolledKit(
        storage: ServerConfiguration.StorageKind = .sqlite, limits: IngestLimits = .default,
        cases: [String] = ["case-1", "case-2"], admission: IngestAdmission? = nil, _ body: (Rig) async throws -> Void
    ) async throws {
        let serverState = temporaryPath("drain-server")
        var configuration = try await SyncExactlyOnceTests.configuration(
            storage, state: serverState, port: 0, tls: true)
        configuration.ingestLimits = limits
        let server = {
            var server = SyncServerApplication(configuration: configuration, logger: quietLogger())
            server.admission = admission
            return server
        }()
        let store = try await server.openStore()
        let token = BearerToken.generate()
        try await store.createEnrollment(
            kitId: "kit-drain", tokenHash: BearerToken.hash(token), expiresAt: Date().addingTimeInterval(600))
        for id in cases {
            try await store.upsertCase(SyncClientTests.caseSnapshot(id), assignedKit: "kit-drain")
        }
        try await whileRunning({ ready in try await server.run(onListening: ready) }) { port in
            let url = try AgentConfiguration.parseServerURL("https://127.0.0.1:\(port)")
            let caPEM = try String(contentsOfFile: serverState + "/keys/kit-ca.pem", encoding: .utf8)
            let directory = try StateDirectory.prepare(temporaryPath("drain-kit"))
            _ = try await Enrollment.enroll(
                stateDirectory: directory, serverURL: url, kitId: "kit-drain", token: token, caCertificatePEM: caPEM)
            let runtime = try KitRuntime(
                configuration: AgentConfiguration(stateDirectory: directory.path, serverURL: url), directory: directory,
                lockCost: .testing)
            try await runtime.lock.initialize(secret: "Ganzer-Tag-offline-2026")
            try await body(Rig(runtime: runtime, outbox: try #require(runtime.outbox), store: store, port: port))
        }
        await store.close()
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// Acceptance 1: 40 signature-sized and 5 large transactions recorded offline are all applied
    /// exactly once with the server's default configuration, on each store.
    @Test(arguments: storages)
    func aDayOfSignaturesAndLargeFingerSetsDrainsExactlyOnce(storage: ServerConfiguration.StorageKind) async throws {
        try await Self.withEnrolledKit(storage: storage) { rig in
            for index in 0..<45 {
                // Random bytes: sealed payloads do not compress, whatever they hold.
                let size = index % 9 == 8 ? 2_000_000 : 150_000
                _ = try rig.outbox.enqueue(
                    caseId: "case-\(index % 2 + 1)", kind: TransactionKind.signatureCaptured.rawValue, baseVersion: 1,
                    payload: Self.randomBytes(size))
            }
            #expect(try rig.outbox.stats().retainedBytes > 15_000_000)
            let client = SyncClient(runtime: rig.runtime, logger: quietLogger())
            let summary = try await client.syncNow()
            #expect(summary.acknowledged == 45)
            #expect(summary.duplicates == 0)
            #expect(summary.parked == 0)
            #expect(try rig.outbox.stats().queueDepth == 0)
            let kit = try #require(try await rig.store.kits().first)
            #expect(kit.lastSeq == 45)
            // The kit learned the server's limit and remembers it for recording offline.
            #expect(rig.outbox.serverLimits() == .default)
            // Nothing is sent twice: a second pass has nothing to do.
            let again = try await client.syncNow()
            #expect(again.acknowledged == 0)
        }
    }

    /// Batches are cut by bytes: with a 1 MiB request limit, 20 transactions of 150 KB go in
    /// several requests that each fit, and all arrive.
    @Test func batchesAreFilledByBytesWithinTheAnnouncedLimit() async throws {
        try await Self.withEnrolledKit(limits: IngestLimits(maxRequestBytes: 1 << 20)) { rig in
            for _ in 0..<20 {
                _ = try rig.outbox.enqueue(
                    caseId: "case-1", kind: TransactionKind.signatureCaptured.rawValue, baseVersion: 1,
                    payload: Self.randomBytes(150_000))
            }
            let batch = try rig.outbox.nextBatch(from: 1, requestBytes: 1 << 20, maxCount: 500)
            let encoded = batch.reduce(IngestLimits.requestOverhead) {
                $0 + IngestLimits.encodedSize(ofEnvelope: $1.bytes.count)
            }
            #expect(batch.count == 5)
            #expect(encoded <= 1 << 20)
            let summary = try await SyncClient(runtime: rig.runtime, logger: quietLogger()).syncNow()
            #expect(summary.acknowledged == 20)
            #expect(try await rig.store.kits().first?.lastSeq == 20)
        }
    }

    /// Acceptance 2: a server limit below one transaction is a jam within one sync attempt: the
    /// kit does not send it, says why in status and doctor (FAIL with the fix), reports it to the
    /// fleet view on its own request, and refuses to record another such step.
    @Test func aTransactionTheServerCannotTakeIsAnAlarmEverywhere() async throws {
        try await Self.withEnrolledKit(limits: IngestLimits(maxRequestBytes: 100_000)) { rig in
            // Recorded while the kit still assumed the default limit (never met this server).
            _ = try rig.outbox.enqueue(
                caseId: "case-1", kind: TransactionKind.signatureCaptured.rawValue, baseVersion: 1,
                payload: Self.randomBytes(150_000))
            let client = SyncClient(runtime: rig.runtime, logger: quietLogger())
            var caught: SyncError?
            do { try await client.syncNow() } catch let error as SyncError { caught = error }
            guard case .tooLarge(let seq, let bytes, let limit) = caught else {
                Issue.record("expected tooLarge, got \(String(describing: caught))")
                return
            }
            #expect(seq == 1)
            #expect(bytes > limit)
            #expect(try rig.outbox.entry(seq: 1).state == .pending)
            #expect(try rig.outbox.entry(seq: 1).attempts == 0)  // never put on the wire

            let link = LinkMonitor(
                serverURL: try #require(URL(string: "https://127.0.0.1:\(rig.port)")), interval: 60, timeout: 2,
                connection: ServerConnection(keys: rig.runtime.keys), logger: quietLogger())
            let service = SyncService(client: client, link: link, logger: quietLogger(), outbox: rig.outbox)
            await service.noteFailure(try #require(caught))
            let problem = try #require(try rig.outbox.syncProblem())
            #expect(problem.kind == .tooLarge)
            #expect(problem.seq == 1)
            #expect(problem.attempts == 1)

            // Doctor, reading beside the running agent: FAIL with the fix.
            let finding = await QueueCheck(stateDirectory: rig.runtime.directory.path).run()
            #expect(finding.status == .failure)
            #expect(finding.fix?.contains("ingest.maxRequestBytes") == true)

            // The fleet view learned it although every ingest request would fail.
            let report = try #require(try await rig.store.kits().first?.report)
            #expect(report.syncProblem?.kind == .tooLarge)
            let page = FleetPage(kits: try await rig.store.kits(), now: Date()).render()
            #expect(page.contains("Handlungsbedarf"))
            #expect(page.contains("Übertragung staut sich"))
            #expect(page.contains(SyncProblem.Kind.tooLarge.clerkMessage.prefix(30)))

            // A second failure counts up; a success clears it.
            await service.noteFailure(try #require(caught))
            #expect(try rig.outbox.syncProblem()?.attempts == 2)

            // The kit now knows the limit: another such step is refused at recording time.
            do {
                _ = try rig.outbox.enqueue(
                    caseId: "case-1", kind: TransactionKind.signatureCaptured.rawValue, baseVersion: 1,
                    payload: Self.randomBytes(150_000))
                Issue.record("a step the server cannot take was recorded")
            } catch let error as OutboxError {
                guard case .tooLargeForServer(let size, let limit) = error else {
                    Issue.record("expected tooLargeForServer, got \(error)")
                    return
                }
                #expect(size > limit)
                #expect(limit == IngestLimits(maxRequestBytes: 100_000).maxEnvelopeBytes)
            }
            #expect(try rig.outbox.stats().lastSeq == 1)
            await service.noteProblem(nil)
            #expect(try rig.outbox.syncProblem() == nil)
        }
    }

    /// Acceptance 3: one flipped byte in a queued envelope is found before sending; a signed
    /// tombstone goes in its place, the rest is applied and the back office sees the gap.
    @Test(arguments: storages)
    func aDamagedEnvelopeIsSentAsATombstoneAndTheRestIsApplied(storage: ServerConfiguration.StorageKind)
        async throws
    {
        try await Self.withEnrolledKit(storage: storage) { rig in
            for _ in 0..<6 {
                _ = try rig.outbox.enqueue(
                    caseId: "case-1", kind: TransactionKind.signatureCaptured.rawValue, baseVersion: 1,
                    payload: Self.randomBytes(2_000))
            }
            try await rig.runtime.database.queue.write { db in
                var bytes = try #require(
                    try Data.fetchOne(db, sql: "SELECT envelope FROM outbox WHERE seq = 3"))
                bytes[bytes.count / 2] ^= 0x01
                try db.execute(sql: "UPDATE outbox SET envelope = ? WHERE seq = 3", arguments: [bytes])
            }
            let summary = try await SyncClient(runtime: rig.runtime, logger: quietLogger()).syncNow()
            #expect(summary.tombstones == 1)
            #expect(summary.acknowledged == 5)
            #expect(summary.parked == 1)
            let lost = try rig.outbox.entry(seq: 3)
            #expect(lost.state == .parked)
            #expect(lost.damage?.contains("does not match its hash") == true)
            #expect(lost.parkReason?.contains("damaged_on_kit") == true)
            #expect(try rig.outbox.entry(seq: 6).state == .acknowledged)
            #expect(try await rig.store.kits().first?.lastSeq == 6)
            let conflicts = try await rig.store.conflicts(openOnly: true)
            #expect(conflicts.count == 1)
            #expect(conflicts.first?.reason == .damagedOnKit)
            #expect(conflicts.first?.seq == 3)
            // The kit's own chain check accepts the tombstone in the lost one's place.
            let verifier = EnvelopeVerifier(kitSigningKey: try rig.runtime.keys.signingKey().publicKey)
            #expect(try rig.outbox.verifyChain(with: verifier) == 6)
        }
    }

    /// A server that answers garbage once (restarting) is no alarm; twice in a row it is. A
    /// missing link neither raises nor clears it.
    @Test func aPassingFailureIsNoAlarmARepeatedOneIs() async throws {
        try await Self.withEnrolledKit { rig in
            let client = SyncClient(runtime: rig.runtime, logger: quietLogger())
            let link = LinkMonitor(
                serverURL: try #require(URL(string: "https://127.0.0.1:\(rig.port)")), interval: 60, timeout: 2,
                connection: ServerConnection(keys: rig.runtime.keys), logger: quietLogger())
            let service = SyncService(client: client, link: link, logger: quietLogger(), outbox: rig.outbox)
            await service.noteFailure(.garbage("HTTP 503 for /v1/ingest"))
            #expect(try rig.outbox.syncProblem() == nil)
            await service.noteFailure(.garbage("HTTP 503 for /v1/ingest"))
            let alarm = try #require(try rig.outbox.syncProblem())
            #expect(alarm.kind == .badAnswer)
            #expect(alarm.attempts == 2)
            #expect(try await rig.store.kits().first?.report?.syncProblem?.kind == .badAnswer)
            await service.noteFailure(.unreachable("no route to host"))
            #expect(try rig.outbox.syncProblem()?.attempts == 2)
            await service.noteProblem(nil)
            #expect(try rig.outbox.syncProblem() == nil)
        }
    }

    /// A damaged stored hash with intact, correctly signed bytes is repaired, not declared lost.
    @Test func aDamagedStoredHashOverIntactBytesIsRepaired() async throws {
        try await Self.withEnrolledKit { rig in
            for _ in 0..<3 {
                _ = try rig.outbox.enqueue(
                    caseId: "case-1", kind: TransactionKind.signatureCaptured.rawValue, baseVersion: 1,
                    payload: Self.randomBytes(500))
            }
            try await rig.runtime.database.queue.write { db in
                try db.execute(
                    sql: "UPDATE outbox SET envelope_hash = ? WHERE seq = 2", arguments: [Data(repeating: 7, count: 32)]
                )
            }
            let summary = try await SyncClient(runtime: rig.runtime, logger: quietLogger()).syncNow()
            #expect(summary.tombstones == 0)
            #expect(summary.acknowledged == 3)
            #expect(try rig.outbox.entry(seq: 2).damage == nil)
            #expect(try await rig.store.conflicts(openOnly: true).isEmpty)
        }
    }
}

/// The sync client's stall watchdog (pure clock arithmetic).
@Suite("Upload progress: stalls, not length, end a request")
struct UploadProgressTests {
    let start = ContinuousClock.now

    @Test func aSlowButMovingUploadNeverStalls() {
        let progress = UploadProgress(expectedBytes: 2_000_000, now: start)
        // 64 KiB at once (the socket buffers), then 16 KiB per half second (256 kbit/s).
        for index in 0..<4 { progress.noteChunk(bytes: 16_384, at: start + .milliseconds(100 + index)) }
        var now = start + .milliseconds(104)
        var sent = 65_536
        while sent < 2_000_000 {
            now += .milliseconds(500)
            let chunk = min(16_384, 2_000_000 - sent)
            progress.noteChunk(bytes: chunk, at: now)
            sent += chunk
            #expect(!progress.hasStalled(at: now + .seconds(30), stall: .seconds(60)))
        }
        // After the last chunk the kit cannot see how much still waits in the kernel's buffers:
        // the whole body's time at 64 kbit/s (2 MB: 250 s) on top of the allowance.
        #expect(!progress.hasStalled(at: now + .seconds(305), stall: .seconds(60)))
        #expect(progress.hasStalled(at: now + .seconds(315), stall: .seconds(60)))
    }

    @Test("a kernel buffer that swallowed most of the batch is waited for (the thin-link re-send)")
    func aGrownSendBufferIsWaitedFor() {
        // 3 MB handed to the connection in 10 s (the kernel's send buffer grew to take it), then
        // the link needs another 85 s at 256 kbit/s before the server can answer.
        let progress = UploadProgress(expectedBytes: 3_000_000, now: start)
        var sent = 0
        var now = start
        while sent < 3_000_000 {
            now += .milliseconds(55)
            progress.noteChunk(bytes: min(16_384, 3_000_000 - sent), at: now)
            sent += 16_384
        }
        #expect(!progress.hasStalled(at: now + .seconds(85), stall: .seconds(60)))
        #expect(!progress.hasStalled(at: now + .seconds(200), stall: .seconds(60)))
        #expect(progress.hasStalled(at: now + .seconds(60 + 375 + 1), stall: .seconds(60)))
    }

    @Test func anUploadThatStopsStallsAfterTheAllowance() {
        let progress = UploadProgress(expectedBytes: 1_000_000, now: start)
        progress.noteChunk(bytes: 16_384, at: start + .seconds(1))
        #expect(!progress.hasStalled(at: start + .seconds(60), stall: .seconds(60)))
        #expect(progress.hasStalled(at: start + .seconds(62), stall: .seconds(60)))
    }

    @Test("while the server answers probes, a send buffer draining for minutes is waited for")
    func aDrainingSendBufferIsWaitedForWhileTheServerAnswers() {
        let progress = UploadProgress(expectedBytes: 3_000_000, now: start)
        for index in 0..<100 { progress.noteChunk(bytes: 16_384, at: start + .milliseconds(index * 50)) }
        let lastChunk = start + .milliseconds(99 * 50)
        // Not beyond what the buffer can hold at 64 kbit/s: 1.6 MB handed over (4 MiB fit), 205 s.
        let held = min(100 * 16_384, UploadProgress.sendBufferLimit)
        let cut = lastChunk + .seconds(60) + UploadProgress.drainTime(held)
        // No chunk for minutes (the kernel holds the bytes), but the link monitor hears the server.
        var now = lastChunk
        while now < cut - .seconds(5) {
            now += .seconds(5)
            progress.noteServerAnswered(at: now)
            #expect(!progress.hasStalled(at: now, stall: .seconds(60)))
        }
        progress.noteServerAnswered(at: cut + .seconds(1))
        #expect(progress.hasStalled(at: cut + .seconds(1), stall: .seconds(60)))
    }

    @Test("without an answer from the server since the last chunk, the allowance is all there is")
    func silenceEverywhereIsAStall() {
        let progress = UploadProgress(expectedBytes: 3_000_000, now: start)
        progress.noteServerAnswered(at: start + .seconds(1))
        progress.noteChunk(bytes: 16_384, at: start + .seconds(2))
        #expect(!progress.hasStalled(at: start + .seconds(61), stall: .seconds(60)))
        #expect(progress.hasStalled(at: start + .seconds(63), stall: .seconds(60)))
        // An answer long ago does not keep it alive either.
        progress.noteServerAnswered(at: start + .seconds(3))
        #expect(progress.hasStalled(at: start + .seconds(64), stall: .seconds(60)))
    }

    @Test("time the agent did not run counts neither way")
    func timeTheWatchdogCouldNotSeeIsExcused() {
        let progress = UploadProgress(expectedBytes: 1_000_000, now: start)
        progress.noteChunk(bytes: 16_384, at: start + .seconds(1))
        progress.excuse(.seconds(45))
        #expect(!progress.hasStalled(at: start + .seconds(100), stall: .seconds(60)))
        #expect(progress.hasStalled(at: start + .seconds(107), stall: .seconds(60)))
    }

    @Test func aBodyThatFitTheBuffersGetsTimeForTheSlowestPlannedLink() {
        let progress = UploadProgress(expectedBytes: 800_000, now: start)
        for index in 0..<50 { progress.noteChunk(bytes: 16_000, at: start + .microseconds(index * 10)) }
        // 800 kB at 8 kB/s: 100 s of draining on top of the stall allowance.
        #expect(!progress.hasStalled(at: start + .seconds(150), stall: .seconds(60)))
        #expect(progress.hasStalled(at: start + .seconds(161), stall: .seconds(60)))
    }

    @Test func aRequestWithoutBodyWaitsOnlyTheAllowance() {
        let progress = UploadProgress(expectedBytes: 0, now: start)
        #expect(!progress.hasStalled(at: start + .seconds(59), stall: .seconds(60)))
        #expect(progress.hasStalled(at: start + .seconds(61), stall: .seconds(60)))
    }
}
