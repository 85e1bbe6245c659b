import Foundation
import KitCore
import KitTestSupport
import Testing

@testable import SyncServer

/// The server's side of "identity binds the card": an address change is applied only after an
/// applied identity check of the same case that matched the citizen with the same card binding,
/// and only once per case.
@Suite("Conflict rules: an address change needs the matching identity check of its card")
struct IdentityBindingRulesTests {
    static let address = CaseSnapshot.Address(street: "Rheinallee 7", zip: "55118", city: "Mainz")

    static func header(_ kind: TransactionKind, baseVersion: UInt64 = 3) -> TransactionHeader {
        TransactionHeader(
            kitId: "kit-a", seq: 2, txId: UUID(), caseId: "c-1", baseVersion: baseVersion, kind: kind.rawValue,
            monotonicNanos: 1, wallMillis: 1, prevHash: TransactionHeader.genesisHash)
    }

    static func state(verified: Set<String> = [], applied: Set<String> = []) -> CaseState {
        CaseState(
            caseId: "c-1", version: 1, assignedKit: "kit-a", open: true, feeCents: 0, feePaid: false,
            requiredSteps: [.identify, .updateAddress, .complete], appliedKinds: applied,
            verifiedCardBindings: verified)
    }

    static func decideAddress(binding: String?, state: CaseState) throws -> RuleDecision {
        let payload = try StepPayload.compose(
            facts: StepPayload.AddressChange(citizenId: "citizen-1", newAddress: address, cardBinding: binding))
        return ConflictRules.decide(
            header: header(.addressChanged), payload: payload, state: state, lookups: RuleLookups(registerVersion: 3))
    }

    static func decideIdentity(_ check: StepPayload.IdentityCheck) throws -> RuleDecision {
        ConflictRules.decide(
            header: header(.identityChecked), payload: try StepPayload.compose(facts: check), state: state(),
            lookups: RuleLookups())
    }

    static func reason(_ decision: RuleDecision) -> ConflictReason? {
        if case .conflict(let reason, _, _) = decision { return reason }
        return nil
    }

    @Test func onlyAMatchingChipAuthenticatedCheckBindsACard() throws {
        let matching = StepPayload.IdentityCheck(
            matchesCase: true, mismatches: [], chipAuthenticated: true, terminal: "T", cardBinding: "b-1")
        #expect(try Self.decideIdentity(matching) == .apply(.verifyIdentity(cardBinding: "b-1")))
        var mismatch = matching
        mismatch.matchesCase = false
        mismatch.mismatches = ["familyName"]
        #expect(try Self.decideIdentity(mismatch) == .apply(.recordOnly))
        let override = StepPayload.IdentityCheck(
            matchesCase: false, mismatches: [], chipAuthenticated: false, terminal: "", overrideReason: "Reisepass")
        #expect(try Self.decideIdentity(override) == .apply(.recordOnly))
        #expect(
            ConflictRules.decide(
                header: Self.header(.identityChecked), payload: Array("{}".utf8), state: Self.state(),
                lookups: RuleLookups()) == .apply(.recordOnly))
    }

    @Test func anAddressChangeWithoutAMatchingCheckOfItsCardIsAConflict() throws {
        #expect(Self.reason(try Self.decideAddress(binding: nil, state: Self.state())) == .identityUnverified)
        #expect(Self.reason(try Self.decideAddress(binding: "b-1", state: Self.state())) == .identityUnverified)
        // Another card than the one checked (swapped before the address step).
        let swapped = try Self.decideAddress(binding: "b-2", state: Self.state(verified: ["b-1"]))
        #expect(Self.reason(swapped) == .identityUnverified)
        let bound = try Self.decideAddress(binding: "b-1", state: Self.state(verified: ["b-1"]))
        #expect(bound == .apply(.changeAddress(citizenId: "citizen-1", address: Self.address)))
    }

    @Test func aSecondAddressChangeOfACaseIsNotAppliedAgain() throws {
        let again = try Self.decideAddress(
            binding: "b-1", state: Self.state(verified: ["b-1"], applied: ["identity.checked", "address.changed"]))
        #expect(Self.reason(again) == .addressAlreadyChanged)
    }

    @Test func theBackOfficeNamesTheNewReasonsInGerman() {
        #expect(ConflictsPage.label(.identityUnverified).contains("Ausweis"))
        #expect(ConflictsPage.label(.addressAlreadyChanged).contains("Anschrift"))
    }
}

/// The same rules through a store, with the state each store loads (SQLite, and PostgreSQL when
/// installed).
@Suite("Store: identity binding of address changes (SQLite, PostgreSQL)")
struct IdentityBindingStoreTests {
    @Test(arguments: StoreBackend.available)
    func addressChangesNeedTheirCardsMatchingCheckAndApplyOnce(backend: StoreBackend) async throws {
        try await withFreshStore(backend) { store, _ in
            let server = ServerFixture()
            var kit = TestKit("kit-a", server: server)
            try await kit.enrol(in: store)
            try await store.upsertCase(
                makeCase("c-1", citizenId: "citizen-1", steps: [.identify, .updateAddress, .complete]),
                assignedKit: "kit-a")
            let address = CaseSnapshot.Address(street: "Rheinallee 7", zip: "55118", city: "Mainz")
            // In seq order: no identity check at all, then only a mismatching one (both refused).
            let unchecked = try kit.addressChange(caseId: "c-1", citizenId: "citizen-1", to: address, binding: nil)
            let mismatch = try kit.next(
                .identityChecked, caseId: "c-1",
                facts: StepPayload.IdentityCheck(
                    matchesCase: false, mismatches: ["familyName"], chipAuthenticated: true, terminal: "T",
                    cardBinding: "card-of-someone-else"))
            let reply = try await store.ingest(
                envelopes: [
                    unchecked,
                    mismatch,
                    try kit.addressChange(
                        caseId: "c-1", citizenId: "citizen-1", to: address, binding: "card-of-someone-else"),
                    // The citizen's card checked, then written to: applied once.
                    try kit.identityCheck(caseId: "c-1", binding: "citizens-card"),
                    try kit.addressChange(caseId: "c-1", citizenId: "citizen-1", to: address, binding: "other-card"),
                    try kit.addressChange(caseId: "c-1", citizenId: "citizen-1", to: address, binding: "citizens-card"),
                    try kit.addressChange(
                        caseId: "c-1", citizenId: "citizen-1", to: address, baseVersion: 2, binding: "citizens-card"),
                ], kitId: "kit-a", engine: server.engine)
            #expect(reply.outcomes == [.conflict, .applied, .conflict, .applied, .conflict, .applied, .conflict])
            #expect(
                reply.results.map(\.conflict) == [
                    .identityUnverified, nil, .identityUnverified, nil, .identityUnverified, nil,
                    .addressAlreadyChanged,
                ])
            let page = try await store.checkout(kitId: "kit-a", after: nil, limit: 10)
            #expect(page.cases.first?.citizen.registerVersion == 2, "applied exactly once")
            #expect(page.cases.first?.citizen.address == address)
            let conflicts = try await store.conflicts(openOnly: true)
            #expect(conflicts.filter { $0.reason == .identityUnverified }.count == 3)
            #expect(conflicts.filter { $0.reason == .addressAlreadyChanged }.count == 1)
        }
    }
}
