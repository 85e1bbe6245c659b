import Foundation
import KitCore
import KitTestSupport
import Testing

@testable import SyncServer

/// Walk-in cases on both stores (issue #20, counter mode): the register lookup by name and date of
/// birth, a `case.opened` replayed before the case's steps creating the case, a disagreeing
/// register ending as a conflict with the case kept, and hostile openings rejected.
@Suite("Counter mode: walk-in cases on the server (SQLite, PostgreSQL)")
struct CounterStoreTests {
    static let backends = StoreBackend.available

    static func opened(
        given: String = "Erika", family: String = "Mustermann", birth: String = "1964-08-12",
        address: CaseSnapshot.Address? = nil
    ) -> StepPayload.CaseOpened {
        StepPayload.CaseOpened(
            serviceId: "meldebescheinigung", catalogueVersion: 1,
            citizen: WalkInCitizen(givenNames: given, familyName: family, dateOfBirth: birth, address: address),
            citizenId: nil, provisional: true)
    }

    @Test(arguments: backends)
    func registerLookupFindsImportedCitizensByNameAndBirthDate(backend: StoreBackend) async throws {
        try await withFreshStore(backend) { store, _ in
            try await store.upsertCase(makeCase("2026-0001", citizenId: "R-7"), assignedKit: "kit-a")
            let found = try await store.registerRecord(
                matching: RegisterLookupRequest(
                    givenNames: "erika ", familyName: "MUSTERMANN", dateOfBirth: "1964-08-12"),
                lookedUpBy: "kit-a")
            #expect(found?.citizenId == "R-7")
            #expect(found?.address.city == "Köln")
            #expect(found?.familyName == "Mustermann")
            let other = try await store.registerRecord(
                matching: RegisterLookupRequest(
                    givenNames: "Erika", familyName: "Mustermann", dateOfBirth: "1964-08-13"),
                lookedUpBy: "kit-b")
            #expect(other == nil)
            // Each lookup is in the audit trail with the asking kit, and without the name asked for.
            let lookups = try await store.auditLog(limit: 50).filter { $0.action == "register-lookup" }
            #expect(lookups.map(\.actor).sorted() == ["kit kit-a", "kit kit-b"])
            #expect(lookups.contains { $0.detail == "walk-in: found register entry R-7" })
            #expect(lookups.contains { $0.detail == "walk-in: no register entry" })
            #expect(!lookups.contains { $0.detail.contains("Mustermann") || $0.detail.contains("1964") })
        }
    }

    @Test(arguments: backends)
    func offlineWalkInIsCreatedAndItsStepsApplied(backend: StoreBackend) async throws {
        try await withFreshStore(backend) { store, _ in
            let server = ServerFixture()
            var kit = TestKit("kit-a", server: server)
            try await kit.enrol(in: store)
            let caseId = "V-kit-a-00000000AAAA"
            let batch = [
                try kit.next(
                    .caseOpened, caseId: caseId, baseVersion: 0, facts: Self.opened(given: "Neu", family: "Zugezogen")),
                try kit.next(
                    .paymentOutcome, caseId: caseId, facts: StepPayload.Payment(approved: true, amountCents: 1000)),
                try kit.next(
                    .visitImpossible, caseId: caseId,
                    facts: StepPayload.VisitImpossible(reason: "cancelled-by-citizen", note: nil)),
            ]
            let reply = try await store.ingest(envelopes: batch, kitId: "kit-a", engine: server.engine)
            #expect(reply.outcomes == [.applied, .applied, .applied])
            let page = try await store.checkout(kitId: "kit-a", after: nil, limit: 10)
            let created = try #require(page.cases.first { $0.caseId == caseId })
            #expect(created.title == "Meldebescheinigung")
            #expect(created.citizen.familyName == "Zugezogen")
            #expect(try await store.conflicts(openOnly: true).isEmpty)

            // The same id again (a forged or replayed opening): rejected, the case unchanged.
            let again = try await store.ingest(
                envelopes: [try kit.next(.caseOpened, caseId: caseId, baseVersion: 0, facts: Self.opened())],
                kitId: "kit-a", engine: server.engine)
            #expect(again.outcomes == [.rejected])
            // Another kit's prefix in the case id: rejected, no case created.
            let forged = try await store.ingest(
                envelopes: [
                    try kit.next(.caseOpened, caseId: "V-kit-b-00000000BBBB", baseVersion: 0, facts: Self.opened())
                ],
                kitId: "kit-a", engine: server.engine)
            #expect(forged.outcomes == [.rejected])
            #expect(try await store.checkout(kitId: "kit-b", after: nil, limit: 10).cases.isEmpty)
        }
    }

    @Test(arguments: backends)
    func disagreeingRegisterIsAConflictAndTheCaseIsKept(backend: StoreBackend) async throws {
        try await withFreshStore(backend) { store, _ in
            let server = ServerFixture()
            var kit = TestKit("kit-a", server: server)
            try await kit.enrol(in: store)
            try await store.upsertCase(makeCase("2026-0001", citizenId: "R-7"), assignedKit: "kit-a")
            let caseId = "V-kit-a-00000000CCCC"
            let elsewhere = CaseSnapshot.Address(street: "Am Rathaus 1", zip: "55116", city: "Mainz")
            let batch = [
                try kit.next(.caseOpened, caseId: caseId, baseVersion: 0, facts: Self.opened(address: elsewhere)),
                try kit.next(
                    .paymentOutcome, caseId: caseId, facts: StepPayload.Payment(approved: true, amountCents: 1000)),
            ]
            let reply = try await store.ingest(envelopes: batch, kitId: "kit-a", engine: server.engine)
            #expect(reply.outcomes == [.conflict, .applied])
            #expect(reply.results.first?.conflict == .registerDisagrees)
            let conflicts = try await store.conflicts(openOnly: true)
            #expect(conflicts.map(\.caseId) == [caseId])
            #expect(conflicts.first?.reason == .registerDisagrees)
            let page = try await store.checkout(kitId: "kit-a", after: nil, limit: 10)
            #expect(page.cases.contains { $0.caseId == caseId })
        }
    }
}
