import Crypto
import Foundation
import KitCore
import KitTestSupport
import Testing

@testable import SyncServer

/// The same behaviour from every ``SyncStore``: SQLite in a temporary folder and PostgreSQL in a
/// fresh database of a throwaway cluster (skipped with a message when PostgreSQL is not
/// installed, failing when CI is set).
@Suite("Store conformance (SQLite, PostgreSQL)")
struct StoreConformanceTests {
    static let backends = StoreBackend.available

    // MARK: Schema

    @Test(arguments: backends)
    func migrationsAreAppliedOnceAndReopeningKeepsData(backend: StoreBackend) async throws {
        let location = try await StoreLocation.fresh(backend)
        defer { location.remove() }
        let first = try await location.open()
        #expect(first.backendName == backend.rawValue)
        #expect(
            try await first.appliedMigrations() == ServerSchema.migrations)
        try await first.checkHealth()
        try await first.upsertCase(makeCase("2026-0001"), assignedKit: "kit-a")
        await first.close()

        let second = try await location.open()
        #expect(
            try await second.appliedMigrations() == ServerSchema.migrations)
        #expect(try await second.checkout(kitId: "kit-a", after: nil, limit: 10).cases.map(\.caseId) == ["2026-0001"])
        await second.close()
    }

    // MARK: Operator sessions

    @Test(arguments: backends)
    func operatorSessionsSurviveARestartAreSharedAndExpire(backend: StoreBackend) async throws {
        let location = try await StoreLocation.fresh(backend)
        defer { location.remove() }
        let now = Date()
        let first = try await location.open()
        let sessions = OperatorSessions(store: first, lifetime: 60, maximumSessions: 2, logger: quietLogger())
        let id = try await sessions.start(now: now)
        #expect(await sessions.isValid(id, now: now.addingTimeInterval(59)))
        #expect(await !sessions.isValid(id, now: now.addingTimeInterval(61)))
        #expect(await !sessions.isValid(id + "0", now: now))
        await first.close()

        // Another server process on the same store (or this one after a restart) knows it.
        let second = try await location.open()
        let again = OperatorSessions(store: second, lifetime: 60, maximumSessions: 2, logger: quietLogger())
        #expect(await again.isValid(id, now: now.addingTimeInterval(1)))
        // Beyond the limit, the session closest to expiry gives way.
        let later = try await again.start(now: now.addingTimeInterval(2))
        let latest = try await again.start(now: now.addingTimeInterval(3))
        #expect(await !again.isValid(id, now: now.addingTimeInterval(4)))
        #expect(await again.isValid(later, now: now.addingTimeInterval(4)))
        await again.end(latest)
        #expect(await !again.isValid(latest, now: now.addingTimeInterval(4)))
        #expect(await again.isValid(later, now: now.addingTimeInterval(4)))
        await second.close()
        // A closed store answers nothing: the session counts as logged out.
        #expect(await !again.isValid(later, now: now.addingTimeInterval(4)))
    }

    @Test(arguments: backends)
    func aClosedStoreDoesNotAnswer(backend: StoreBackend) async throws {
        let location = try await StoreLocation.fresh(backend)
        defer { location.remove() }
        let store = try await location.open()
        await store.close()
        await #expect(throws: StoreError.self) { try await store.checkHealth() }
    }

    // MARK: Kits

    @Test(arguments: backends)
    func enrollmentTokensAreSingleUseForOneKitUntilTheyExpire(backend: StoreBackend) async throws {
        try await withFreshStore(backend) { store, _ in
            let now = Date()
            let token = Array(SHA256.hash(data: Data("token-1".utf8)))
            let key = Array(P256.Signing.PrivateKey().publicKey.x963Representation)
            let apiHash = Array(SHA256.hash(data: Data("api-1".utf8)))
            try await store.createEnrollment(kitId: "kit-a", tokenHash: token, expiresAt: now.addingTimeInterval(60))

            #expect(
                try await !store.redeemEnrollment(
                    tokenHash: token, kitId: "kit-b", signingKey: key, apiTokenHash: apiHash, now: now),
                "a token names one kit")
            #expect(
                try await !store.redeemEnrollment(
                    tokenHash: Array(SHA256.hash(data: Data("unknown".utf8))), kitId: "kit-a", signingKey: key,
                    apiTokenHash: apiHash, now: now))
            #expect(try await store.kit(apiTokenHash: apiHash) == nil)

            #expect(
                try await store.redeemEnrollment(
                    tokenHash: token, kitId: "kit-a", signingKey: key, apiTokenHash: apiHash, now: now))
            #expect(
                try await !store.redeemEnrollment(
                    tokenHash: token, kitId: "kit-a", signingKey: key, apiTokenHash: apiHash, now: now),
                "a token is single-use")

            let kit = try #require(try await store.kit(apiTokenHash: apiHash))
            #expect(kit.kitId == "kit-a")
            #expect(kit.active)
            #expect(kit.lastSeq == 0)
            #expect(abs(try #require(kit.enrolledAt).timeIntervalSince(now)) < 0.01)
            #expect(try await store.kits().map(\.kitId) == ["kit-a"])

            let expiring = Array(SHA256.hash(data: Data("token-2".utf8)))
            try await store.createEnrollment(
                kitId: "kit-c", tokenHash: expiring, expiresAt: now.addingTimeInterval(60))
            #expect(
                try await !store.redeemEnrollment(
                    tokenHash: expiring, kitId: "kit-c", signingKey: key,
                    apiTokenHash: Array(SHA256.hash(data: Data("api-2".utf8))), now: now.addingTimeInterval(61)),
                "an expired token is refused")
            #expect(try await store.kits().map(\.kitId) == ["kit-a"])
        }
    }

    @Test(arguments: backends)
    func revokedKitsAreNotAuthenticatedAndReportsAreKept(backend: StoreBackend) async throws {
        try await withFreshStore(backend) { store, _ in
            let server = ServerFixture()
            let kit = TestKit("kit-a", server: server)
            try await kit.enrol(in: store)
            let report = KitReport(
                agentVersion: "1.2.3", queueDepth: 4, oldestWaitingAt: nil, lastSeq: 7,
                devices: [.init(device: "zvt", state: "enabled"), .init(device: "stu", state: "error", detail: "USB")])
            let seen = Date()
            try await store.updateReport(kitId: "kit-a", report: report, at: seen)
            let stored = try #require(try await store.kits().first)
            #expect(stored.report == report)
            #expect(abs(try #require(stored.lastSeenAt).timeIntervalSince(seen)) < 0.01)

            try await store.setKitActive(kitId: "kit-a", active: false)
            #expect(try await store.kit(apiTokenHash: kit.apiTokenHash) == nil)
            #expect(try await store.kits().map(\.active) == [false])
            try await store.setKitActive(kitId: "kit-a", active: true)
            #expect(try await store.kit(apiTokenHash: kit.apiTokenHash)?.kitId == "kit-a")
            await #expect(throws: StoreError.invalid(reason: "kit kit-z is not enrolled")) {
                try await store.setKitActive(kitId: "kit-z", active: false)
            }
        }
    }

    // MARK: Cases

    @Test(arguments: backends)
    func caseVersionsMustGrow(backend: StoreBackend) async throws {
        try await withFreshStore(backend) { store, _ in
            try await store.upsertCase(makeCase("2026-0001", version: 1), assignedKit: "kit-a")
            await #expect(
                throws: StoreError.invalid(reason: "case 2026-0001 is at version 1; an update needs a higher version")
            ) {
                try await store.upsertCase(makeCase("2026-0001", version: 1), assignedKit: "kit-a")
            }
            var changed = makeCase("2026-0001", version: 2)
            changed.title = "Personalausweis beantragen"
            try await store.upsertCase(changed, assignedKit: "kit-b")
            await #expect(throws: StoreError.self) {
                try await store.upsertCase(makeCase("2026-0001", version: 1), assignedKit: "kit-a")
            }
            #expect(try await store.checkout(kitId: "kit-a", after: nil, limit: 10).cases.isEmpty)
            let page = try await store.checkout(kitId: "kit-b", after: nil, limit: 10)
            #expect(page.cases.map(\.title) == ["Personalausweis beantragen"])
            #expect(page.cases.map(\.version) == [2])
        }
    }

    @Test(arguments: backends)
    func checkoutPagesByCaseIdInByteOrder(backend: StoreBackend) async throws {
        try await withFreshStore(backend) { store, _ in
            // Byte order puts upper case before lower case, whatever the database's locale.
            let ids = ["b-2", "A-1", "B-3", "a-4", "C-5"]
            for id in ids {
                try await store.upsertCase(makeCase(id, citizenId: "citizen-\(id)"), assignedKit: "kit-a")
            }
            try await store.upsertCase(makeCase("A-0"), assignedKit: "kit-b")
            try await store.upsertCase(makeCase("A-00"), assignedKit: nil)

            var seen: [[String]] = []
            var cursor: String?
            repeat {
                let page = try await store.checkout(kitId: "kit-a", after: cursor, limit: 2)
                seen.append(page.cases.map(\.caseId))
                cursor = page.nextCursor
            } while cursor != nil && seen.count < 10
            #expect(seen == [["A-1", "B-3"], ["C-5", "a-4"], ["b-2"]])

            let exact = try await store.checkout(kitId: "kit-a", after: "a-4", limit: 1)
            #expect(exact.cases.map(\.caseId) == ["b-2"])
            #expect(exact.nextCursor == nil, "no further page when the page is exactly full")
            let snapshot = try #require(exact.cases.first)
            #expect(snapshot == makeCase("b-2", citizenId: "citizen-b-2"))
        }
    }

    // MARK: Ingest: exactly once, gaps, forgeries

    @Test(arguments: backends)
    func theSameBatchTwiceIsAnsweredWithDuplicatesOfTheOriginalOutcome(backend: StoreBackend) async throws {
        try await withFreshStore(backend) { store, _ in
            let server = ServerFixture()
            var kit = TestKit("kit-a", server: server)
            try await kit.enrol(in: store)
            try await store.upsertCase(makeCase("c-1", steps: [.identify, .pay], feeCents: 2800), assignedKit: "kit-a")
            let batch = [
                try kit.next(.identityChecked, caseId: "c-1"),
                try kit.next(
                    .paymentOutcome, caseId: "c-1", facts: StepPayload.Payment(approved: true, amountCents: 2800)),
                try kit.next(.signatureCaptured, caseId: "unknown-case"),
            ]
            let first = try await store.ingest(envelopes: batch, kitId: "kit-a", engine: server.engine)
            #expect(first.outcomes == [.applied, .applied, .rejected])
            #expect(first.results.map(\.seq) == [1, 2, 3])
            #expect(first.expectedSeq == 4)

            let again = try await store.ingest(envelopes: batch, kitId: "kit-a", engine: server.engine)
            #expect(again.outcomes == [.duplicate, .duplicate, .duplicate])
            #expect(again.results.map(\.originalOutcome) == [.applied, .applied, .rejected])
            #expect(again.results.map(\.txId) == first.results.map(\.txId))
            #expect(again.results.last?.reason == first.results.last?.reason)
            #expect(again.expectedSeq == 4)
            #expect(try await store.conflicts(openOnly: false).isEmpty, "the payment was not applied twice")
            #expect(try await store.kits().first?.lastSeq == 3)
        }
    }

    @Test(arguments: backends)
    func aTxIdOrSeqUsedAgainForOtherContentIsRefusedNotADuplicate(backend: StoreBackend) async throws {
        try await withFreshStore(backend) { store, _ in
            let server = ServerFixture()
            var kit = TestKit("kit-a", server: server)
            try await kit.enrol(in: store)
            try await store.upsertCase(makeCase("c-1"), assignedKit: "kit-a")
            let txId = UUID()
            let first = try kit.next(.identityChecked, caseId: "c-1", txId: txId)
            #expect(
                try await store.ingest(envelopes: [first], kitId: "kit-a", engine: server.engine).outcomes == [.applied]
            )
            // The very same envelope again is a retry: a duplicate with the original answer.
            let retry = try await store.ingest(envelopes: [first], kitId: "kit-a", engine: server.engine)
            #expect(retry.outcomes == [.duplicate])
            #expect(retry.results.first?.originalOutcome == .applied)

            // The txId again under the next seq: another transaction, refused.
            let sameTxOtherSeq = try kit.next(.identityChecked, caseId: "c-1", txId: txId)
            let reply = try await store.ingest(envelopes: [sameTxOtherSeq], kitId: "kit-a", engine: server.engine)
            #expect(reply.outcomes == [.refused])
            #expect(reply.results.first?.reason?.contains("already belongs to transaction seq 1 of kit kit-a") == true)
            #expect(reply.expectedSeq == 2)

            // Seq 1 and its txId again, sealed anew (other envelope bytes): refused too.
            let resealed = try kit.seal(
                kind: TransactionKind.identityChecked.rawValue, caseId: "c-1", seq: 1,
                prevHash: TransactionHeader.genesisHash, txId: txId)
            let other = try await store.ingest(
                envelopes: [Data(resealed.encoded())], kitId: "kit-a", engine: server.engine)
            #expect(other.outcomes == [.refused])
            #expect(other.results.first?.reason?.contains("received before with other content") == true)

            // Seq 1 with another txId: refused as before.
            let replay = try kit.seal(
                kind: TransactionKind.signatureCaptured.rawValue, caseId: "c-1", seq: 1,
                prevHash: TransactionHeader.genesisHash)
            let refused = try await store.ingest(
                envelopes: [Data(replay.encoded())], kitId: "kit-a", engine: server.engine)
            #expect(refused.outcomes == [.refused])
            #expect(refused.results.first?.reason?.contains("already holds another transaction") == true)
            #expect(refused.expectedSeq == 2)
            #expect(try await store.kits().first?.lastSeq == 1)
        }
    }

    @Test(arguments: backends)
    func aGapIsRefusedAndStopsTheBatch(backend: StoreBackend) async throws {
        try await withFreshStore(backend) { store, _ in
            let server = ServerFixture()
            var kit = TestKit("kit-a", server: server)
            try await kit.enrol(in: store)
            try await store.upsertCase(makeCase("c-1"), assignedKit: "kit-a")
            let one = try kit.next(.identityChecked, caseId: "c-1")
            let two = try kit.next(.signatureCaptured, caseId: "c-1")
            let three = try kit.next(.signatureCaptured, caseId: "c-1")

            let reply = try await store.ingest(envelopes: [one, three, two], kitId: "kit-a", engine: server.engine)
            #expect(reply.outcomes == [.applied, .refused], "nothing after a refused envelope is looked at")
            #expect(reply.results.last?.reason == "expected seq 2, got 3")
            #expect(reply.expectedSeq == 2)

            let resent = try await store.ingest(envelopes: [two, three], kitId: "kit-a", engine: server.engine)
            #expect(resent.outcomes == [.applied, .applied])
            #expect(resent.expectedSeq == 4)
        }
    }

    @Test(arguments: backends)
    func forgedSignaturesBrokenChainsAndStrangersAreRefused(backend: StoreBackend) async throws {
        try await withFreshStore(backend) { store, _ in
            let server = ServerFixture()
            var kit = TestKit("kit-a", server: server)
            try await kit.enrol(in: store)
            try await store.upsertCase(makeCase("c-1"), assignedKit: "kit-a")
            func ingest(_ envelope: Data, as kitId: String = "kit-a") async throws -> IngestReply {
                try await store.ingest(envelopes: [envelope], kitId: kitId, engine: server.engine)
            }

            let forged = try kit.seal(
                kind: TransactionKind.identityChecked.rawValue, caseId: "c-1", seq: 1,
                prevHash: TransactionHeader.genesisHash, key: P256.Signing.PrivateKey())
            let forgedReply = try await ingest(Data(forged.encoded()))
            #expect(forgedReply.outcomes == [.refused])
            #expect(forgedReply.results.first?.reason == EnvelopeError.signatureInvalid.description)

            var tampered = try kit.seal(
                kind: TransactionKind.identityChecked.rawValue, caseId: "c-1", seq: 1,
                prevHash: TransactionHeader.genesisHash)
            tampered.ciphertext[0] ^= 0x01
            #expect(try await ingest(Data(tampered.encoded())).outcomes == [.refused])

            let broken = try kit.seal(
                kind: TransactionKind.identityChecked.rawValue, caseId: "c-1", seq: 1,
                prevHash: [UInt8](repeating: 0xAB, count: 32))
            let brokenReply = try await ingest(Data(broken.encoded()))
            #expect(brokenReply.outcomes == [.refused])
            #expect(
                brokenReply.results.first?.reason
                    == EnvelopeError.chainBroken(
                        expected: TransactionHeader.genesisHash, found: [UInt8](repeating: 0xAB, count: 32)
                    ).description)

            let genuine = try kit.next(.identityChecked, caseId: "c-1")
            let stranger = try await ingest(genuine, as: "kit-b")
            #expect(stranger.outcomes == [.refused])
            #expect(stranger.results.first?.reason == "envelope of kit kit-a sent by kit kit-b")

            let garbage = try await ingest(Data([0x42, 0x4B, 0x54, 0x58, 0x01, 0x00]))
            #expect(garbage.outcomes == [.refused])
            #expect(garbage.results.first?.seq == 0)

            #expect(try await ingest(genuine).expectedSeq == 2, "nothing refused was recorded")

            try await store.setKitActive(kitId: "kit-a", active: false)
            let revoked = try await ingest(try kit.next(.signatureCaptured, caseId: "c-1"))
            #expect(revoked.outcomes == [.refused])
            #expect(revoked.results.first?.reason == "kit kit-a is not enrolled or was revoked")
        }
    }

    @Test(arguments: backends)
    func unreadableOrUnknownStepsAreRejectedButRecorded(backend: StoreBackend) async throws {
        try await withFreshStore(backend) { store, _ in
            let server = ServerFixture()
            var kit = TestKit("kit-a", server: server)
            try await kit.enrol(in: store)
            try await store.upsertCase(makeCase("c-1", steps: [.pay], feeCents: 100), assignedKit: "kit-a")
            try await store.upsertCase(makeCase("c-2"), assignedKit: "kit-b")
            let batch = [
                try kit.next(
                    kind: TransactionKind.identityChecked.rawValue, caseId: "c-1",
                    sealedTo: P256.KeyAgreement.PrivateKey().publicKey),
                try kit.next(kind: "parcel.delivered", caseId: "c-1"),
                try kit.next(.identityChecked, caseId: "no-such-case"),
                try kit.next(.identityChecked, caseId: "c-2"),
                try kit.next(.paymentOutcome, caseId: "c-1", payload: Array("{not json".utf8)),
            ]
            let reply = try await store.ingest(envelopes: batch, kitId: "kit-a", engine: server.engine)
            #expect(reply.outcomes == [.rejected, .rejected, .rejected, .rejected, .rejected])
            #expect(
                reply.results.map(\.reason) == [
                    EnvelopeError.cannotOpen.description, "unknown transaction kind parcel.delivered",
                    "case no-such-case is unknown to the server", "case c-2 is not assigned to kit kit-a",
                    "payment outcome payload cannot be read",
                ])
            #expect(reply.expectedSeq == 6, "rejected envelopes are recorded and keep their place in the chain")
            let again = try await store.ingest(envelopes: batch, kitId: "kit-a", engine: server.engine)
            #expect(again.results.map(\.originalOutcome) == Array(repeating: .rejected, count: 5))
            #expect(try await store.conflicts(openOnly: false).isEmpty)
        }
    }
}

// MARK: Conflict rules end to end

extension StoreConformanceTests {
    @Test(arguments: backends)
    func twoKitsChangingOneAddressGiveOneAppliedAndOneStaleBase(backend: StoreBackend) async throws {
        try await withFreshStore(backend) { store, _ in
            let server = ServerFixture()
            var kitA = TestKit("kit-a", server: server)
            var kitB = TestKit("kit-b", server: server)
            try await kitA.enrol(in: store)
            try await kitB.enrol(in: store)
            try await store.upsertCase(makeCase("c-a", citizenId: "citizen-9"), assignedKit: "kit-a")
            try await store.upsertCase(makeCase("c-b", citizenId: "citizen-9"), assignedKit: "kit-b")
            let street = CaseSnapshot.Address(street: "Domkloster 4", zip: "50667", city: "Köln")
            let other = CaseSnapshot.Address(street: "Roncalliplatz 1", zip: "50667", city: "Köln")

            let applied = try await store.ingest(
                envelopes: [
                    try kitA.identityCheck(caseId: "c-a"),
                    try kitA.addressChange(caseId: "c-a", citizenId: "citizen-9", to: street),
                ], kitId: "kit-a", engine: server.engine)
            #expect(applied.outcomes == [.applied, .applied])

            let stale = try await store.ingest(
                envelopes: [
                    try kitB.identityCheck(caseId: "c-b"),
                    try kitB.addressChange(caseId: "c-b", citizenId: "citizen-9", to: other),
                    try kitB.addressChange(caseId: "c-b", citizenId: "citizen-404", to: other),
                ], kitId: "kit-b", engine: server.engine)
            #expect(stale.outcomes == [.applied, .conflict, .rejected])
            let conflict = try #require(stale.results.dropFirst().first)
            #expect(conflict.conflict == .staleBase)
            #expect(conflict.currentVersion == 2)
            #expect(conflict.reason == "the register record changed meanwhile (version 2, the kit saw 1)")
            #expect(stale.results.last?.reason == "citizen citizen-404 is not in the register")

            let page = try await store.checkout(kitId: "kit-b", after: nil, limit: 10)
            #expect(page.cases.first?.citizen.registerVersion == 2, "checkout hands out the current register")
            #expect(page.cases.first?.citizen.address == street)
        }
    }

    /// Acceptance 4: a kit whose clock is a day off decides nothing differently — the order of
    /// arrival and the base versions decide, never the kits' wall clocks.
    @Test(arguments: backends)
    func kitClocksADayOffDecideNothingDifferently(backend: StoreBackend) async throws {
        let day: Int64 = 86_400_000
        for (offsetA, offsetB) in [(day, -day), (-day, day)] {
            try await withFreshStore(backend) { store, _ in
                let server = ServerFixture()
                var kitA = TestKit("kit-a", server: server)
                var kitB = TestKit("kit-b", server: server)
                kitA.clockOffsetMillis = offsetA
                kitB.clockOffsetMillis = offsetB
                try await kitA.enrol(in: store)
                try await kitB.enrol(in: store)
                try await store.upsertCase(makeCase("c-a", citizenId: "citizen-9"), assignedKit: "kit-a")
                try await store.upsertCase(
                    makeCase("c-b", citizenId: "citizen-9", documents: ["D-1"]), assignedKit: "kit-b")
                let address = CaseSnapshot.Address(street: "Domkloster 4", zip: "50667", city: "Köln")
                let first = try await store.ingest(
                    envelopes: [
                        try kitA.identityCheck(caseId: "c-a"),
                        try kitA.addressChange(caseId: "c-a", citizenId: "citizen-9", to: address),
                    ], kitId: "kit-a", engine: server.engine)
                let second = try await store.ingest(
                    envelopes: [
                        try kitB.identityCheck(caseId: "c-b"),
                        try kitB.addressChange(caseId: "c-b", citizenId: "citizen-9", to: address),
                        try kitB.next(.identityChecked, caseId: "c-b"),
                    ], kitId: "kit-b", engine: server.engine)
                #expect(first.outcomes == [.applied, .applied], "clock offsets \(offsetA), \(offsetB)")
                #expect(second.outcomes == [.applied, .conflict, .applied], "clock offsets \(offsetA), \(offsetB)")
                #expect(second.results.dropFirst().first?.conflict == .staleBase)
            }
        }
    }

    @Test(arguments: backends)
    func twoHandOutsOfOneDocumentGiveDoubleIssuance(backend: StoreBackend) async throws {
        try await withFreshStore(backend) { store, _ in
            let server = ServerFixture()
            var kitA = TestKit("kit-a", server: server)
            var kitB = TestKit("kit-b", server: server)
            try await kitA.enrol(in: store)
            try await kitB.enrol(in: store)
            try await store.upsertCase(makeCase("c-a", documents: ["DOC-1"]), assignedKit: "kit-a")
            try await store.upsertCase(makeCase("c-b", documents: ["DOC-1"]), assignedKit: "kit-b")
            func handOut(_ kit: inout TestKit, _ caseId: String, _ document: String) throws -> Data {
                try kit.next(
                    .documentHandedOut, caseId: caseId, facts: StepPayload.DocumentHandOut(documentId: document))
            }

            let first = try await store.ingest(
                envelopes: [try handOut(&kitA, "c-a", "DOC-1"), try handOut(&kitA, "c-a", "DOC-UNREGISTERED")],
                kitId: "kit-a", engine: server.engine)
            #expect(first.outcomes == [.applied, .applied])
            let second = try await store.ingest(
                envelopes: [try handOut(&kitB, "c-b", "DOC-1"), try handOut(&kitB, "c-b", "DOC-UNREGISTERED")],
                kitId: "kit-b", engine: server.engine)
            #expect(second.outcomes == [.conflict, .conflict])
            #expect(second.results.map(\.conflict) == [.doubleIssuance, .doubleIssuance])
            #expect(second.results.first?.reason == "document DOC-1 was already handed out")
            #expect(second.results.first?.currentVersion == 1)
        }
    }

    @Test(arguments: backends)
    func aSecondApprovedPaymentIsADoublePayment(backend: StoreBackend) async throws {
        try await withFreshStore(backend) { store, _ in
            let server = ServerFixture()
            var kit = TestKit("kit-a", server: server)
            try await kit.enrol(in: store)
            try await store.upsertCase(makeCase("c-1", steps: [.pay, .complete], feeCents: 2800), assignedKit: "kit-a")
            let reply = try await store.ingest(
                envelopes: [
                    try kit.next(.paymentIntent, caseId: "c-1"),
                    try kit.next(
                        .paymentOutcome, caseId: "c-1", facts: StepPayload.Payment(approved: false, amountCents: 2800)),
                    try kit.next(
                        .paymentOutcome, caseId: "c-1",
                        facts: StepPayload.Payment(approved: true, amountCents: 2800, trace: "000123")),
                    try kit.next(
                        .paymentOutcome, caseId: "c-1",
                        facts: StepPayload.Payment(approved: true, amountCents: 2800, trace: "000124")),
                    try kit.next(.caseCompleted, caseId: "c-1"),
                ], kitId: "kit-a", engine: server.engine)
            #expect(reply.outcomes == [.applied, .applied, .applied, .conflict, .applied])
            #expect(reply.results[3].conflict == .doublePayment)
            #expect(reply.results[3].reason == "the fee was already paid: refund 2800 cents (trace 000124)")
        }
    }

    @Test(arguments: backends)
    func completingNeedsEveryMandatoryStepAndClosedCasesTakeNoMoreSteps(backend: StoreBackend) async throws {
        try await withFreshStore(backend) { store, _ in
            let server = ServerFixture()
            var kit = TestKit("kit-a", server: server)
            try await kit.enrol(in: store)
            try await store.upsertCase(
                makeCase("c-1", steps: [.identify, .sign, .pay, .complete], feeCents: 0), assignedKit: "kit-a")
            try await store.upsertCase(makeCase("c-2"), assignedKit: "kit-a")

            let early = try await store.ingest(
                envelopes: [
                    try kit.next(.identityChecked, caseId: "c-1"), try kit.next(.caseCompleted, caseId: "c-1"),
                ],
                kitId: "kit-a", engine: server.engine)
            #expect(early.outcomes == [.applied, .conflict])
            #expect(early.results.last?.conflict == .incomplete)
            #expect(
                early.results.last?.reason == "mandatory steps missing: sign", "a case without fee needs no payment")

            let done = try await store.ingest(
                envelopes: [
                    try kit.next(.signatureCaptured, caseId: "c-1"), try kit.next(.caseCompleted, caseId: "c-1"),
                ], kitId: "kit-a", engine: server.engine)
            #expect(done.outcomes == [.applied, .applied])
            #expect(try await store.checkout(kitId: "kit-a", after: nil, limit: 10).cases.map(\.caseId) == ["c-2"])

            let late = try await store.ingest(
                envelopes: [try kit.next(.fingerprintsCaptured, caseId: "c-1")], kitId: "kit-a", engine: server.engine)
            #expect(late.outcomes == [.conflict])
            #expect(late.results.first?.conflict == .caseClosed)
            #expect(late.results.first?.reason == "the case was closed before this step arrived")
        }
    }

    // MARK: Conflicts and audit

    @Test(arguments: backends)
    func conflictsAreListedNewestFirstAndResolvedOnce(backend: StoreBackend) async throws {
        try await withFreshStore(backend) { store, _ in
            let server = ServerFixture()
            var kit = TestKit("kit-a", server: server)
            try await kit.enrol(in: store)
            try await store.upsertCase(makeCase("c-1", steps: [.pay, .complete], feeCents: 500), assignedKit: "kit-a")
            let paid = StepPayload.Payment(approved: true, amountCents: 500, trace: "7")
            let opened = Date()
            let reply = try await store.ingest(
                envelopes: [
                    try kit.next(.paymentOutcome, caseId: "c-1", facts: paid),
                    try kit.next(.paymentOutcome, caseId: "c-1", facts: paid),
                    try kit.next(.caseCompleted, caseId: "c-1"),
                    try kit.next(.signatureCaptured, caseId: "c-1"),
                ], kitId: "kit-a", engine: server.engine)
            #expect(reply.outcomes == [.applied, .conflict, .applied, .conflict])

            let open = try await store.conflicts(openOnly: true)
            #expect(open.map(\.reason) == [.caseClosed, .doublePayment])
            #expect(open.map(\.seq) == [4, 2])
            let payment = try #require(open.last)
            #expect(payment.kitId == "kit-a")
            #expect(payment.caseId == "c-1")
            #expect(payment.kind == TransactionKind.paymentOutcome.rawValue)
            #expect(payment.detail == "the fee was already paid: refund 500 cents (trace 7)")
            #expect(payment.resolution == nil)
            #expect(abs(payment.openedAt.timeIntervalSince(opened)) < 60)
            #expect(try await store.checkout(kitId: "kit-a", after: nil, limit: 10).resolutions.isEmpty)

            let resolvedAt = Date()
            #expect(
                try await store.resolveConflict(id: payment.id, resolution: .discard, by: "clerk 7", at: resolvedAt))
            #expect(
                try await !store.resolveConflict(id: payment.id, resolution: .accept, by: "clerk 8", at: resolvedAt))
            #expect(try await !store.resolveConflict(id: 987_654, resolution: .accept, by: "clerk 8", at: resolvedAt))

            #expect(try await store.conflicts(openOnly: true).map(\.reason) == [.caseClosed])
            let all = try await store.conflicts(openOnly: false)
            #expect(all.count == 2)
            let settled = try #require(all.first { $0.id == payment.id })
            #expect(settled.resolution == .discard)
            #expect(settled.resolvedBy == "clerk 7")
            #expect(abs(try #require(settled.resolvedAt).timeIntervalSince(resolvedAt)) < 0.01)
            let resolutions = try await store.checkout(kitId: "kit-a", after: nil, limit: 10).resolutions
            #expect(resolutions.map(\.id) == [payment.id], "the kit learns the resolution at its next checkout")
            #expect(try await store.checkout(kitId: "kit-b", after: nil, limit: 10).resolutions.isEmpty)
        }
    }

    @Test(arguments: backends)
    func theAuditLogRecordsEveryChangeNewestFirst(backend: StoreBackend) async throws {
        try await withFreshStore(backend) { store, _ in
            let server = ServerFixture()
            var kit = TestKit("kit-a", server: server)
            let start = Date()
            try await kit.enrol(in: store)
            #expect(
                try await !store.redeemEnrollment(
                    tokenHash: [1, 2, 3], kitId: "kit-x", signingKey: [], apiTokenHash: [4], now: Date()))
            try await store.upsertCase(makeCase("c-1", steps: [.pay], feeCents: 1), assignedKit: "kit-a")
            let paid = StepPayload.Payment(approved: true, amountCents: 1)
            _ = try await store.ingest(
                envelopes: [
                    try kit.next(.paymentOutcome, caseId: "c-1", facts: paid),
                    try kit.next(.paymentOutcome, caseId: "c-1", facts: paid),
                    try kit.next(.paymentOutcome, caseId: "nowhere", facts: paid),
                ], kitId: "kit-a", engine: server.engine)
            let conflict = try #require(try await store.conflicts(openOnly: true).first)
            _ = try await store.resolveConflict(id: conflict.id, resolution: .revisit, by: "clerk 3", at: Date())
            try await store.setKitActive(kitId: "kit-a", active: false)

            let log = try await store.auditLog(limit: 100)
            #expect(
                log.map(\.action) == [
                    "kit-revoked", "conflict-resolved", "sync", "case-saved", "enrollment-refused", "enrolled",
                    "enrollment-created",
                ])
            #expect(
                log.map(\.actor) == [
                    "operator", "clerk 3", "kit kit-a", "back office", "kit kit-x", "kit kit-a", "operator",
                ])
            #expect(log[2].detail == "applied=1 duplicate=0 conflict=1 rejected=1 refused=0")
            #expect(log[1].detail == "conflict \(conflict.id): revisit")
            #expect(log[3].detail == "case c-1 v1 → kit-a")
            #expect(log.allSatisfy { $0.at >= start.addingTimeInterval(-1) && $0.at <= Date().addingTimeInterval(1) })
            #expect(try await store.auditLog(limit: 2).map(\.action) == ["kit-revoked", "conflict-resolved"])
        }
    }
}
