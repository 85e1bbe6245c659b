import Crypto
import Foundation
import GRDB
import KitAgent
import KitCore
import KitTestSupport
import Testing

/// An agent state directory with keys, database, outbox and case store, as the daemon sets up.
struct KitFixture {
    let directory: StateDirectory
    let keys: KitKeyStore
    let serverDataKey = P256.KeyAgreement.PrivateKey()
    let database: AgentDatabase
    let outbox: Outbox
    let lock: KitLock
    let cases: CaseStore

    init(path: String = temporaryPath("kit")) throws {
        directory = try StateDirectory.prepare(path)
        keys = try KitKeyStore(stateDirectory: directory)
        database = try AgentDatabase(path: directory.appending("agent.sqlite"))
        outbox = Outbox(
            database: database, kitId: "kit-test",
            sealer: EnvelopeSealer(signingKey: try keys.signingKey(), serverDataKey: serverDataKey.publicKey))
        lock = KitLock(keys: keys, cost: .testing)
        cases = CaseStore(database: database, lock: lock)
    }

    var verifier: EnvelopeVerifier {
        get throws { EnvelopeVerifier(kitSigningKey: try keys.signingKey().publicKey) }
    }
}

@Suite("Outbox: durable, sealed, gap-free")
struct OutboxTests {
    @Test func theAnswersOfOneReplyAreStoredInOneCommitAndUnknownSeqsAreReported() throws {
        let kit = try KitFixture()
        for index in 0..<3 {
            _ = try kit.outbox.enqueue(caseId: "c", kind: "identity.checked", baseVersion: 1, payload: [UInt8(index)])
        }
        let unknown = try kit.outbox.record([
            .init(seq: 1, answer: "applied", state: .acknowledged),
            .init(seq: 99, answer: "applied", state: .acknowledged),
            .init(seq: 2, answer: "conflict", state: .parked, parkReason: "stale_base"),
        ])
        #expect(unknown == [99])
        #expect(try kit.outbox.entry(seq: 1).state == .acknowledged)
        #expect(try kit.outbox.entry(seq: 2).state == .parked)
        #expect(try kit.outbox.entry(seq: 2).parkReason == "stale_base")
        #expect(try kit.outbox.entry(seq: 3).state == .pending)
        #expect(try kit.outbox.record([]).isEmpty)
    }

    @Test func enqueueAssignsGapFreeSeqAndChains() throws {
        let kit = try KitFixture()
        var receipts: [Outbox.Receipt] = []
        for index in 0..<5 {
            receipts.append(
                try kit.outbox.enqueue(
                    caseId: "c-\(index % 2)", kind: "signature.captured", baseVersion: 1, payload: [UInt8(index)]))
        }
        #expect(receipts.map(\.seq) == [1, 2, 3, 4, 5])
        #expect(Set(receipts.map(\.txId)).count == 5)
        #expect(try kit.outbox.verifyChain(with: kit.verifier) == 5)
        let stats = try kit.outbox.stats()
        #expect(stats.lastSeq == 5)
        #expect(stats.queueDepth == 5)
        #expect(stats.byState["pending"] == 5)
        let entry = try kit.outbox.entry(seq: 3)
        #expect(entry.caseId == "c-0")
        #expect(entry.state == .pending)
        #expect(entry.envelopeRetained)
        #expect(try kit.outbox.entries(limit: 2).map(\.seq) == [5, 4])
        #expect(throws: OutboxError.noSuchEntry(seq: 99)) { try kit.outbox.entry(seq: 99) }
        // The server can open what the kit sealed.
        let stored = try kit.outbox.envelopes()
        let envelope = try TransactionEnvelope(decoding: stored[2].bytes)
        #expect(try EnvelopeOpener(dataKey: kit.serverDataKey).open(envelope) == [2])
    }

    @Test func shreddingDropsPayloadsButKeepsTheChainVerifiable() throws {
        let kit = try KitFixture()
        for index in 0..<3 {
            _ = try kit.outbox.enqueue(caseId: "c", kind: "case.completed", baseVersion: 1, payload: [UInt8(index)])
        }
        let past = Date().addingTimeInterval(-3600)
        try kit.outbox.record(answer: "applied", for: 1, state: .acknowledged, now: past)
        try kit.outbox.record(answer: "applied", for: 2, state: .acknowledged)
        #expect(try kit.outbox.shredAcknowledged(olderThan: 600) == 1)
        let first = try kit.outbox.entry(seq: 1)
        #expect(first.state == .shredded)
        #expect(!first.envelopeRetained)
        #expect(first.answer == "applied")
        #expect(try kit.outbox.entry(seq: 2).envelopeRetained)
        #expect(try kit.outbox.verifyChain(with: kit.verifier) == 3)
    }

    @Test func noPersonalDataReachesTheDatabaseFiles() async throws {
        let kit = try KitFixture()
        try await kit.lock.initialize(secret: "correct horse battery")
        let markers = ["Wilhelmine Zuckerbäcker", "4871 0099 1234 5678", "Kastanienallee 417"]
        let snapshot = CaseSnapshot(
            caseId: "2026-0042", version: 3, title: "Ummeldung",
            citizen: .init(
                givenNames: "Wilhelmine", familyName: "Zuckerbäcker", dateOfBirth: "1931-02-03",
                address: .init(street: "Kastanienallee 417", zip: "55116", city: "Mainz")),
            steps: [.identify, .sign, .pay], textsToSign: ["Ich, Wilhelmine Zuckerbäcker, beantrage …"])
        try await kit.cases.store(snapshot)
        for marker in markers {
            _ = try kit.outbox.enqueue(
                caseId: "2026-0042", kind: "identity.checked", baseVersion: 3,
                payload: Array("{\"name\":\"\(marker)\",\"pan\":\"\(markers[1])\"}".utf8))
        }
        #expect(try await kit.cases.snapshot(caseId: "2026-0042") == snapshot)
        let files = ["agent.sqlite", "agent.sqlite-wal", "agent.sqlite-shm"].map { kit.directory.appending($0) }
        var inspected = 0
        for file in files where FileManager.default.fileExists(atPath: file) {
            let bytes = try #require(FileManager.default.contents(atPath: file))
            inspected += bytes.count
            for marker in markers + ["Zuckerb", "Wilhelmine", "Kastanienallee"] {
                #expect(bytes.range(of: Data(marker.utf8)) == nil, "\(marker) found in \(file)")
                #expect(bytes.range(of: Data(marker.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })) == nil)
            }
        }
        #expect(inspected > 0)
    }

    @Test func diskFullIsAClearErrorAndLosesNothing() throws {
        let mountPoint = temporaryPath("tmpfs")
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        guard run("/bin/mount", ["-t", "tmpfs", "-o", "size=3m", "tmpfs", mountPoint]) == 0 else {
            // Mounting needs root; scripts/test (CI) runs as root, so there this must work.
            try #require(!TestRigs.required, Comment(rawValue: TestRigs.reason("cannot mount a tmpfs (needs root)")))
            print("note: \(TestRigs.reason("cannot mount a tmpfs (needs root)"))")
            return
        }
        defer { _ = run("/bin/umount", ["-l", mountPoint]) }
        // Ballast that can be removed later to give space back.
        let ballast = mountPoint + "/ballast"
        #expect(FileManager.default.createFile(atPath: ballast, contents: Data(count: 512 * 1024)))
        let kit = try KitFixture(path: mountPoint + "/kit")
        var saved: [UInt64] = []
        var failure: OutboxError?
        for _ in 0..<200 {
            do {
                saved.append(
                    try kit.outbox.enqueue(
                        caseId: "c", kind: "fingerprints.captured", baseVersion: 1, payload: Data(count: 64 * 1024)
                    ).seq)
            } catch {
                failure = error
                break
            }
        }
        let error = try #require(failure, "the tmpfs never filled up")
        #expect(error == .storage(.diskFull(path: kit.database.path)))
        #expect(error.description.hasPrefix("disk full: the transaction was NOT saved"))
        #expect(saved == Array(1...UInt64(saved.count)))
        #expect(try kit.database.integrityCheck() == ["ok"])
        #expect(try kit.outbox.verifyChain(with: kit.verifier) == saved.count)
        // Space comes back: enqueue works again and continues the chain.
        try FileManager.default.removeItem(atPath: ballast)
        let next = try kit.outbox.enqueue(caseId: "c", kind: "case.completed", baseVersion: 1, payload: [1])
        #expect(next.seq == UInt64(saved.count + 1))
        #expect(try kit.outbox.verifyChain(with: kit.verifier) == saved.count + 1)
    }

    func run(_ tool: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

@Suite("Kit lock: storage key under the clerk's secret")
struct KitLockTests {
    @Test func wrongSecretIsCountedAndDecryptsNothing() async throws {
        let kit = try KitFixture()
        try await kit.lock.initialize(secret: "Rheinufer-2026")
        let snapshot = CaseSnapshot(
            caseId: "c1", version: 1, title: "t",
            citizen: .init(
                givenNames: "A", familyName: "B", dateOfBirth: "1950-01-01",
                address: .init(street: "S 1", zip: "55116", city: "Mainz")),
            steps: [.identify])
        try await kit.cases.store(snapshot)
        await kit.lock.lock()
        await #expect(throws: CaseStoreError.locked(.locked)) { try await kit.cases.snapshot(caseId: "c1") }
        await #expect(throws: UnlockError.wrongSecret(failedAttempts: 1, remainingBeforeWait: 4)) {
            try await kit.lock.unlock(secret: "rheinufer-2026")
        }
        await #expect(throws: UnlockError.wrongSecret(failedAttempts: 2, remainingBeforeWait: 3)) {
            try await kit.lock.unlock(secret: "")
        }
        await #expect(throws: CaseStoreError.locked(.locked)) { try await kit.cases.snapshot(caseId: "c1") }
        #expect(await kit.lock.status.failedAttempts == 2)
        // The count survives a restart of the agent.
        let restarted = KitLock(keys: kit.keys, cost: .testing)
        #expect(await restarted.status.failedAttempts == 2)
        try await restarted.unlock(secret: "Rheinufer-2026")
        #expect(await restarted.status.failedAttempts == 0)
        #expect(try await CaseStore(database: kit.database, lock: restarted).snapshot(caseId: "c1") == snapshot)
    }

    @Test func tooManyAttemptsMakeTheClerkWait() async throws {
        let kit = try KitFixture()
        try await kit.lock.initialize(secret: "Rheinufer-2026")
        await kit.lock.lock()
        let now = Date()
        for _ in 0..<5 { _ = try? await kit.lock.unlock(secret: "nope-nope", now: now) }
        do {
            try await kit.lock.unlock(secret: "Rheinufer-2026", now: now.addingTimeInterval(1))
            Issue.record("unlocked during the wait")
        } catch {
            guard case .tooManyAttempts(let retry) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(retry > now)
        }
        try await kit.lock.unlock(secret: "Rheinufer-2026", now: now.addingTimeInterval(31))
    }

    @Test func idleKitLocksItself() async throws {
        let kit = try KitFixture()
        let lock = KitLock(keys: kit.keys, cost: .testing, idleTimeout: 60)
        try await lock.initialize(secret: "Rheinufer-2026")
        _ = try await lock.currentStorageKey(now: Date())
        await #expect(throws: UnlockError.locked) {
            try await lock.currentStorageKey(now: Date().addingTimeInterval(120))
        }
    }

    @Test func keyFilesArePrivate() throws {
        let kit = try KitFixture()
        let attributes = try FileManager.default.attributesOfItem(atPath: kit.keys.directory + "/signing.key")
        #expect(try #require(attributes[.posixPermissions] as? NSNumber).intValue & 0o777 == 0o600)
        chmod(kit.keys.directory + "/signing.key", 0o644)
        #expect(throws: KeyStoreError.tooOpen(path: kit.keys.directory + "/signing.key")) { try kit.keys.signingKey() }
    }
}
