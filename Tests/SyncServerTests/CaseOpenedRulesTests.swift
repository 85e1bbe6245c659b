import Foundation
import KitCore
import Testing

@testable import SyncServer

/// The server's check of a walk-in case opened at the counter (issue #20, counter mode): a
/// `case.opened` creates the case from the server's own catalogue entry; a register that knows the
/// citizen otherwise opens a conflict beside it; hostile or malformed openings are rejected.
@Suite("Conflict rules: a walk-in case (case.opened) is checked against the register")
struct CaseOpenedRulesTests {
    static let caseId = "V-kit-a-0123456789AB"

    static func header(caseId: String = caseId, kitId: String = "kit-a") -> TransactionHeader {
        TransactionHeader(
            kitId: kitId, seq: 3, txId: UUID(), caseId: caseId, baseVersion: 0,
            kind: TransactionKind.caseOpened.rawValue, monotonicNanos: 1, wallMillis: 1,
            prevHash: TransactionHeader.genesisHash)
    }

    static let home = CaseSnapshot.Address(street: "Rheinallee 7", zip: "55118", city: "Mainz")
    static let record = RegisterRecord(
        citizenId: "R-1", givenNames: "Erika", familyName: "Mustermann", dateOfBirth: "1944-02-01", address: home,
        version: 4)

    static func opened(
        service: String = "meldebescheinigung", address: CaseSnapshot.Address? = nil, citizenId: String? = nil,
        given: String = "Erika", family: String = "Mustermann", birth: String = "1944-02-01"
    ) -> StepPayload.CaseOpened {
        StepPayload.CaseOpened(
            serviceId: service, catalogueVersion: 1,
            citizen: WalkInCitizen(givenNames: given, familyName: family, dateOfBirth: birth, address: address),
            citizenId: citizenId, provisional: citizenId == nil)
    }

    static func decide(
        _ facts: StepPayload.CaseOpened, header: TransactionHeader = header(), state: CaseState? = nil,
        lookups: RuleLookups = RuleLookups()
    ) throws -> RuleDecision {
        ConflictRules.decide(
            header: header, payload: try StepPayload.compose(facts: facts), state: state, lookups: lookups)
    }

    static func snapshot(of decision: RuleDecision) -> CaseSnapshot? {
        switch decision {
        case .apply(.openCase(let snapshot)), .applyDisputed(.openCase(let snapshot), _, _): return snapshot
        default: return nil
        }
    }

    @Test("an unknown citizen offline: the case is opened from the server's catalogue entry")
    func newcomerOpensTheCase() throws {
        let decision = try Self.decide(Self.opened(given: "Neu", family: "Zugezogen"))
        guard case .apply(.openCase(let snapshot)) = decision else {
            Issue.record("expected the case to be opened, got \(decision)")
            return
        }
        #expect(snapshot.caseId == Self.caseId)
        #expect(snapshot.title == "Meldebescheinigung")
        #expect(snapshot.steps == [.identify, .pay, .complete])
        #expect(snapshot.fees.map(\.amountCents) == [1000])
        #expect(snapshot.citizen.citizenId == "")
        #expect(snapshot.citizen.familyName == "Zugezogen")
    }

    @Test("a citizen the register knows with the same data is linked to the record")
    func agreeingRecordIsLinked() throws {
        var lookups = RuleLookups()
        lookups.personRecord = Self.record
        let decision = try Self.decide(Self.opened(address: Self.home), lookups: lookups)
        let snapshot = try #require(Self.snapshot(of: decision))
        guard case .apply = decision else {
            Issue.record("expected apply, got \(decision)")
            return
        }
        #expect(snapshot.citizen.citizenId == "R-1")
        #expect(snapshot.citizen.registerVersion == 4)
        // Same keys, other spelling of case and blanks: the same person.
        lookups.namedRecord = Self.record
        guard
            case .apply = try Self.decide(
                Self.opened(citizenId: "R-1", given: " erika", family: "MUSTERMANN"), lookups: lookups)
        else {
            Issue.record("the record the kit found online must agree")
            return
        }
    }

    @Test("another address for the same name and birth date: opened, with a register_disagrees conflict")
    func otherAddressIsAConflict() throws {
        var lookups = RuleLookups()
        lookups.personRecord = Self.record
        let elsewhere = CaseSnapshot.Address(street: "Am Rathaus 1", zip: "55116", city: "Mainz")
        let decision = try Self.decide(Self.opened(address: elsewhere), lookups: lookups)
        guard case .applyDisputed(.openCase(let snapshot), .registerDisagrees, let reason) = decision else {
            Issue.record("expected an opened case with a conflict, got \(decision)")
            return
        }
        #expect(reason.contains("R-1"))
        // A disputed record is not linked: the back office decides.
        #expect(snapshot.citizen.citizenId == "")
        #expect(snapshot.citizen.address == elsewhere)
        #expect(IngestEngine.result(for: decision, seq: 3, txId: "t").outcome == .conflict)
    }

    @Test("the record the kit found online names another person or is gone: a conflict")
    func namedRecordDisagrees() throws {
        var lookups = RuleLookups()
        lookups.namedRecord = Self.record
        let other = try Self.decide(Self.opened(citizenId: "R-1", birth: "1950-01-01"), lookups: lookups)
        guard case .applyDisputed(_, .registerDisagrees, _) = other else {
            Issue.record("another date of birth for the named record must be a conflict, got \(other)")
            return
        }
        let gone = try Self.decide(Self.opened(citizenId: "R-9"))
        guard case .applyDisputed(_, .registerDisagrees, _) = gone else {
            Issue.record("a record the register does not have must be a conflict, got \(gone)")
            return
        }
    }

    @Test("hostile: a case id of another kit, a forged or malformed id, a taken id")
    func hostileCaseIds() throws {
        // The kit id in the case id is not the signing kit's.
        #expect(try Self.reject(Self.decide(Self.opened(), header: Self.header(caseId: "V-kit-b-0123456789AB"))))
        // An id of an imported case, or with a path or an SQL fragment in it.
        for forged in [
            "2026-MZ-0101", "V-kit-a-../../etc", "V-kit-a-1' OR '1'='1", "V-kit-a-", "V-kit-a-short",
            "V-kit-a-" + String(repeating: "A", count: 33), "kit:kit-a",
        ] {
            #expect(try Self.reject(Self.decide(Self.opened(), header: Self.header(caseId: forged))), "\(forged)")
        }
        // The id collides with a case the server has.
        let existing = CaseState(
            caseId: Self.caseId, version: 1, assignedKit: "kit-a", open: true, feeCents: 0, feePaid: false,
            requiredSteps: [.complete], appliedKinds: [])
        let taken = try Self.decide(Self.opened(), state: existing)
        #expect(Self.reject(taken))
        if case .reject(let reason) = taken { #expect(reason.contains("exists already")) }
    }

    @Test("hostile: missing, oversized or malformed fields are rejected")
    func hostileFields() throws {
        #expect(try Self.reject(Self.decide(Self.opened(given: ""))))
        #expect(try Self.reject(Self.decide(Self.opened(family: "   "))))
        #expect(try Self.reject(Self.decide(Self.opened(family: String(repeating: "x", count: 201)))))
        #expect(try Self.reject(Self.decide(Self.opened(family: "Muster\u{0}mann"))))
        #expect(try Self.reject(Self.decide(Self.opened(birth: "01.02.1944"))))
        #expect(try Self.reject(Self.decide(Self.opened(birth: "1944-13-01"))))
        #expect(try Self.reject(Self.decide(Self.opened(service: "waffenschein"))))
        #expect(try Self.reject(Self.decide(Self.opened(citizenId: ""))))
        #expect(try Self.reject(Self.decide(Self.opened(citizenId: String(repeating: "9", count: 101)))))
        // Ummeldung needs the address.
        #expect(try Self.reject(Self.decide(Self.opened(service: "ummeldung"))))
        #expect(
            try Self.reject(
                Self.decide(
                    Self.opened(
                        address: CaseSnapshot.Address(street: "", zip: "55118", city: "Mainz")))))
        // Not JSON, JSON without the citizen, and a payload beyond the limit.
        let header = Self.header()
        for payload in [
            Array("not json".utf8), Array(#"{"serviceId":"meldebescheinigung","catalogueVersion":1}"#.utf8), [],
            Array(repeating: UInt8(ascii: "{"), count: ConflictRules.maximumCaseOpenedBytes + 1),
        ] {
            let decision = ConflictRules.decide(header: header, payload: payload, state: nil, lookups: RuleLookups())
            #expect(Self.reject(decision), "payload of \(payload.count) bytes")
        }
        #expect(IngestEngine.caseOpenedFacts(kind: header.kind, payload: Array("not json".utf8)) == nil)
    }

    @Test("the conflict is labelled in German for the back office")
    func conflictLabel() {
        #expect(ConflictsPage.label(.registerDisagrees).contains("Melderegister"))
        #expect(CaseLabels.kind(TransactionKind.caseOpened.rawValue) == "Vorsprache eröffnet")
    }

    static func reject(_ decision: RuleDecision) -> Bool {
        if case .reject = decision { return true }
        return false
    }
}
