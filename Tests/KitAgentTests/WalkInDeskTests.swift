import Foundation
import KitCore
import KitTestSupport
import Testing

@testable import KitAgent
@testable import SyncServer

/// Counter mode end to end with a real server and an enrolled kit (issue #20): the catalogue
/// arrives with the checkout; online a walk-in is looked up in the register; offline the case is
/// provisional, its `case.opened` comes before its steps in the chain, and the replay applies it —
/// or opens a conflict when the register disagrees.
@Suite("Counter mode: walk-in cases from the kit to the server")
struct WalkInDeskTests {
    static let offline: @Sendable (RegisterLookupRequest) async throws -> RegisterRecord? = { _ in
        throw SyncError.garbage("the link is down (test)")
    }

    @Test func walkInsOnlineAndOfflineAreOpenedReplayedAndChecked() async throws {
        try await QueueDrainTests.withEnrolledKit(cases: ["2026-0001"]) { rig in
            try await rig.runtime.lock.unlock(secret: "Ganzer-Tag-offline-2026")
            let client = SyncClient(runtime: rig.runtime, logger: quietLogger())

            // Before the first checkout the kit has no catalogue: a German refusal, nothing queued.
            let early = WalkInDesk(runtime: rig.runtime, lookUp: Self.offline)
            do {
                _ = try await early.open(
                    .init(serviceId: "meldebescheinigung", givenNames: "A", familyName: "B", dateOfBirth: "1950-01-01"))
                Issue.record("a walk-in was opened without a catalogue")
            } catch let error as WalkInError {
                #expect(error.clerkText.german.hasPrefix("Der Koffer hat noch keinen Leistungskatalog"))
            }
            _ = try await client.syncNow()
            let catalogue = try #require(try ServiceCatalogueStore(database: rig.runtime.database).load())
            #expect(catalogue == ServiceCatalogue.city)

            // Online: the register knows Erika Mustermann (imported with case 2026-0001).
            let online = WalkInDesk(runtime: rig.runtime) { lookup in try await client.lookUpCitizen(lookup) }
            let found = try await online.open(
                .init(
                    serviceId: "meldebescheinigung", givenNames: "Erika", familyName: "mustermann",
                    dateOfBirth: "1940-08-12"))
            #expect(found.register == .found)
            #expect(!found.provisional)
            let foundCase = try await rig.runtime.cases.snapshot(caseId: found.caseId)
            #expect(foundCase.citizen.citizenId == "c-2026-0001")
            #expect(foundCase.citizen.address.city == "Köln")
            let newcomer = try await online.open(
                .init(
                    serviceId: "meldebescheinigung", givenNames: "Neu", familyName: "Zugezogen",
                    dateOfBirth: "1990-05-05"))
            #expect(newcomer.register == .unknown)

            // Offline: provisional cases; the second names Erika at another address.
            let desk = WalkInDesk(runtime: rig.runtime, lookUp: Self.offline)
            let provisional = try await desk.open(
                .init(
                    serviceId: "meldebescheinigung", givenNames: "Otto", familyName: "Normal", dateOfBirth: "1955-03-03"
                ))
            #expect(provisional.provisional && provisional.register == .offline)
            #expect(StepPayload.isWalkInCaseId(provisional.caseId, kitId: rig.runtime.kitId))
            let disputed = try await desk.open(
                .init(
                    serviceId: "meldebescheinigung", givenNames: "Erika", familyName: "Mustermann",
                    dateOfBirth: "1940-08-12", street: "Am Rathaus 1", zip: "55116", city: "Mainz"))
            // The steps of the provisional case come after its opening in the chain.
            let recorder = StepRecorder(runtime: rig.runtime)
            let paid = try await recorder.record(
                .init(caseId: provisional.caseId, kind: .paymentOutcome, amountCents: 1000, approved: true))
            #expect(paid.seq > provisional.seq)

            // Refusals in German: a half address, an unknown service, an empty name, a step kind
            // only the desk records.
            await #expect(throws: WalkInError.self) {
                try await desk.open(
                    .init(serviceId: "ummeldung", givenNames: "A", familyName: "B", dateOfBirth: "1950-01-01"))
            }
            await #expect(throws: WalkInError.self) {
                try await desk.open(
                    .init(
                        serviceId: "meldebescheinigung", givenNames: "A", familyName: "B", dateOfBirth: "1950-01-01",
                        zip: "5511"))
            }
            await #expect(throws: WalkInError.self) {
                try await desk.open(
                    .init(serviceId: "waffenschein", givenNames: "A", familyName: "B", dateOfBirth: "1950-01-01"))
            }
            await #expect(throws: WalkInError.self) {
                try await desk.open(
                    .init(serviceId: "meldebescheinigung", givenNames: " ", familyName: "B", dateOfBirth: "1950-01-01"))
            }
            await #expect(throws: StepError.self) {
                try await recorder.record(.init(caseId: provisional.caseId, kind: .caseOpened))
            }

            // The link returns: the replay applies the walk-ins and disputes the one the register
            // knows otherwise.
            let summary = try await client.syncNow()
            #expect(summary.parked == 1)
            let answers = try rig.outbox.entries(limit: 50).filter { $0.kind == TransactionKind.caseOpened.rawValue }
            #expect(answers.count == 4)
            let conflicts = try await rig.store.conflicts(openOnly: true)
            #expect(conflicts.map(\.caseId) == [disputed.caseId])
            #expect(conflicts.first?.reason == .registerDisagrees)
            let page = try await rig.store.checkout(kitId: rig.runtime.kitId, after: nil, limit: 50)
            let onServer = Set(page.cases.map(\.caseId))
            for id in [found.caseId, newcomer.caseId, provisional.caseId, disputed.caseId] {
                #expect(onServer.contains(id), "\(id) on the server")
            }
            #expect(page.cases.first { $0.caseId == provisional.caseId }?.title == "Meldebescheinigung")
        }
    }
}
