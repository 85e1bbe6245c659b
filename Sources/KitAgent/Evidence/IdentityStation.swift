import Foundation
import KitCore
import KitDrivers
import Logging

/// The ID card at the door (issue #5), as the office's Änderungsterminal (BSI TR-03127 §5): PACE
/// with the CAN, Terminal and Chip Authentication (TR-03110-2 §3.3–3.4), then
///
/// - `identity.checked`: the card's names and date of birth (DG4, DG5, DG8) compared with the case's
///   citizen. Only the outcome of the comparison is sealed — which fields matched — and a
///   ``CardBinding`` (a keyed hash, per case, of the holder data), not the data groups themselves
///   (data minimisation: the register already holds them).
/// - `address.changed`: only after an identity check that matched. Inside the same secure channel
///   that writes DG17 the holder (DG4, DG5, DG8) is read again and compared with the case's
///   citizen; another person's card is refused before anything is written. The new place of
///   residence is written, read back, and the register change recorded with the register version
///   the kit saw and the card's binding, for the server's conflict rules.
/// - a documented override when no matching card can be read: the steps that do not use the card
///   may follow, writing to a chip never does.
///
/// A card pulled, a wrong CAN or a refused certificate records nothing. Writing the card and
/// recording the step are two operations; if the kit dies between them, repeating the step finds
/// the new address already on the card, skips the write and records it. A case has one address
/// change: once it is recorded, repeating the step answers with that transaction.
public struct IdentityStation: Sendable {
    let runtime: KitRuntime
    /// The folder of the terminal's certificates, if configured.
    public let credentialsDirectory: String?
    let logger: Logger

    public init(runtime: KitRuntime, credentialsDirectory: String?, logger: Logger) {
        self.runtime = runtime
        self.credentialsDirectory = credentialsDirectory
        self.logger = logger
    }

    /// What the identity check found (also the sealed facts of `identity.checked`).
    public typealias IdentityResult = StepPayload.IdentityCheck

    /// What the address step did.
    public struct AddressChangeOutcome: Sendable, Equatable {
        /// The case's `address.changed` transaction.
        public var receipt: Outbox.Receipt
        /// True when the change was recorded before: nothing was written or recorded now.
        public var alreadyRecorded: Bool
    }

    /// The shortest override reason accepted: a sentence, not a tick.
    public static let minimumOverrideReasonLength = 10

    func credentials() throws(EvidenceError) -> NPATerminalCredentialStore {
        guard let credentialsDirectory else { throw .noTerminalCredentials }
        do {
            return try NPATerminalCredentialStore(directory: URL(fileURLWithPath: credentialsDirectory))
        } catch {
            throw .idCard(error)
        }
    }

    func snapshot(_ caseId: String) async throws(EvidenceError) -> CaseSnapshot {
        do { return try await runtime.cases.snapshot(caseId: caseId) } catch { throw .caseUnavailable(error) }
    }

    var notes: IdentityStanding.Notes { IdentityStanding.Notes(database: runtime.database) }

    /// The identity standing of a case on this kit (nil: no identity check recorded).
    public func standing(caseId: String) throws(EvidenceError) -> IdentityStanding? {
        do { return try notes.standing(caseId: caseId) } catch { throw .storage("\(error)") }
    }

    /// Checks the citizen's ID card against the case and records `identity.checked`.
    public func checkIdentity(
        caseId: String, can: String, over transport: any CardReaderAPDUTransport, today: Date = Date()
    ) async throws(EvidenceError) -> (receipt: Outbox.Receipt, result: IdentityResult) {
        let checked = try await checkIdentityShowingDifferences(
            caseId: caseId, can: can, over: transport, today: today)
        return (checked.receipt, checked.result)
    }

    /// Like ``checkIdentity(caseId:can:over:today:)``, and for a card that does not match, the
    /// differing values side by side for the clerk's screen (never sealed, logged or stored).
    public func checkIdentityShowingDifferences(
        caseId: String, can: String, over transport: any CardReaderAPDUTransport, today: Date = Date()
    ) async throws(EvidenceError) -> (
        receipt: Outbox.Receipt, result: IdentityResult, differences: [IdentityDifference]
    ) {
        let snapshot = try await snapshot(caseId)
        let credentials = try credentials()
        let check: NPAIdentityCheck
        do {
            let card = try await NPAChangeTerminal.authenticate(
                over: transport, digits: can, store: credentials, today: today)
            check = try await card.checkIdentity()
        } catch {
            logger.notice("identity check ended without a result", metadata: ["reason": "\(error)"])
            throw .idCard(error)
        }
        var result = Self.compare(check, with: snapshot.citizen)
        result.cardBinding = CardBinding(identity: check.identity, caseId: caseId).value
        let outcome: IdentityStanding = result.matchesCase ? .matched : .mismatched
        let receipt = try await EvidenceRecorder(runtime: runtime).enqueue(
            caseId: caseId, kind: .identityChecked, baseVersion: snapshot.version, facts: result
        ) { db, receipt in
            try IdentityStanding.Notes.note(db, seq: receipt.seq, caseId: caseId, outcome: outcome)
        }
        logger.info(
            "identity checked", metadata: ["seq": "\(receipt.seq)", "matchesCase": "\(result.matchesCase)"])
        return (receipt, result, IdentityDifference.differences(check.identity, with: snapshot.citizen))
    }

    /// Records the clerk's documented override of a failed identity check as `identity.checked`
    /// (no card, `overrideReason` set). Steps that do not use the card may follow; the address is
    /// never written to a chip on an override.
    public func recordOverride(caseId: String, reason: String) async throws(EvidenceError) -> Outbox.Receipt {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard reason.count >= Self.minimumOverrideReasonLength else { throw .overrideReasonMissing }
        let snapshot = try await snapshot(caseId)
        if try standing(caseId: caseId) == .matched { throw .identityAlreadyConfirmed }
        let facts = IdentityResult(
            matchesCase: false, mismatches: [], chipAuthenticated: false, terminal: "", overrideReason: reason)
        let receipt = try await EvidenceRecorder(runtime: runtime).enqueue(
            caseId: caseId, kind: .identityChecked, baseVersion: snapshot.version, facts: facts
        ) { db, receipt in
            try IdentityStanding.Notes.note(db, seq: receipt.seq, caseId: caseId, outcome: .overridden)
        }
        logger.notice("identity override recorded", metadata: ["seq": "\(receipt.seq)"])
        return receipt
    }

    /// Throws unless the address step may run: an identity check that matched the case's citizen
    /// is the latest, or the case's address change is recorded already (then the step answers
    /// with it). Lets callers refuse before the card reader is opened.
    public func checkAddressStepAllowed(caseId: String) throws(EvidenceError) {
        do {
            if try notes.recordedAddressChange(caseId: caseId) != nil { return }
        } catch {
            throw .storage("\(error)")
        }
        let standing = try standing(caseId: caseId)
        guard standing == .matched else { throw .identityNotConfirmed(standing) }
    }

    /// Writes `address` to the card's DG17, reads it back and records `address.changed` — only
    /// for the case's citizen's card after a matching identity check, and only once per case.
    public func changeAddress(
        caseId: String, can: String, to address: CaseSnapshot.Address, over transport: any CardReaderAPDUTransport,
        today: Date = Date()
    ) async throws(EvidenceError) -> AddressChangeOutcome {
        let snapshot = try await snapshot(caseId)
        do {
            if let earlier = try notes.recordedAddressChange(caseId: caseId) {
                logger.notice("address change already recorded; nothing written", metadata: ["seq": "\(earlier.seq)"])
                return AddressChangeOutcome(receipt: earlier, alreadyRecorded: true)
            }
        } catch {
            throw .storage("\(error)")
        }
        let standing = try standing(caseId: caseId)
        guard standing == .matched else { throw .identityNotConfirmed(standing) }
        let credentials = try credentials()
        let place = Self.placeOfResidence(address)
        let binding: CardBinding
        do {
            let card = try await NPAChangeTerminal.authenticate(
                over: transport, digits: can, store: credentials, today: today)
            // The holder, read in the same secure channel that writes DG17: a card swapped after the
            // identity check is refused here, before anything is written.
            let holder = try await card.readIdentity()
            let mismatches = Self.mismatches(holder, with: snapshot.citizen)
            guard mismatches.isEmpty else {
                logger.warning("address step refused: the card's holder is not the case's citizen")
                throw EvidenceError.cardHolderDiffers(mismatches: mismatches)
            }
            binding = CardBinding(identity: holder, caseId: caseId)
            if try await card.readPlaceOfResidence() != place {
                try await card.writePlaceOfResidence(place)
                guard try await card.readPlaceOfResidence() == place else { throw EvidenceError.addressNotWritten }
            } else {
                logger.notice("the card already holds the new address; recording the change only")
            }
        } catch let error as EvidenceError {
            throw error
        } catch let error as NPAEACError {
            logger.notice("address change on the card failed", metadata: ["reason": "\(error)"])
            throw .idCard(error)
        } catch {
            throw .addressNotWritten
        }
        let facts = StepPayload.AddressChange(
            citizenId: snapshot.citizen.citizenId, newAddress: address, cardBinding: binding.value)
        let receipt = try await EvidenceRecorder(runtime: runtime).enqueue(
            caseId: caseId, kind: .addressChanged, baseVersion: snapshot.citizen.registerVersion, facts: facts
        ) { db, receipt in
            // Another address step of the same case may have won the race meanwhile.
            if let earlier = try IdentityStanding.Notes.recordedAddressChange(db, caseId: caseId),
                earlier.seq != receipt.seq
            {
                throw EvidenceError.addressAlreadyRecorded(seq: earlier.seq)
            }
        }
        logger.info("address changed on the card", metadata: ["seq": "\(receipt.seq)"])
        return AddressChangeOutcome(receipt: receipt, alreadyRecorded: false)
    }

    /// DG17 as the card stores a German address (TR-03127: upper case, country "D").
    public static func placeOfResidence(_ address: CaseSnapshot.Address) -> NPAPlaceOfResidence {
        .residence(
            .structured(
                NPAStructuredPlace(
                    street: cardText(address.street), city: cardText(address.city), country: address.country,
                    zipCode: address.zip)))
    }

    /// The card's way of writing names and places: upper case, umlauts and ß transcribed.
    static func cardText(_ text: String) -> String {
        var result = text.uppercased()
        for (from, to) in [("Ä", "AE"), ("Ö", "OE"), ("Ü", "UE"), ("ẞ", "SS"), ("ß", "SS")] {
            result = result.replacingOccurrences(of: from, with: to)
        }
        return result
    }

    /// Names compared in the card's spelling; dates as digits only (YYYYMMDD).
    static func compare(_ check: NPAIdentityCheck, with citizen: CaseSnapshot.Citizen) -> IdentityResult {
        let mismatches = mismatches(check.identity, with: citizen)
        return IdentityResult(
            matchesCase: mismatches.isEmpty, mismatches: mismatches, chipAuthenticated: true,
            terminal: check.terminalHolder)
    }

    /// The fields in which the card's holder differs from the case's citizen.
    static func mismatches(_ identity: NPAIdentity, with citizen: CaseSnapshot.Citizen) -> [String] {
        var mismatches: [String] = []
        if cardText(identity.givenNames) != cardText(citizen.givenNames) { mismatches.append("givenNames") }
        if cardText(identity.familyNames) != cardText(citizen.familyName) { mismatches.append("familyName") }
        let digits = { (text: String) in text.filter(\.isNumber) }
        if digits(identity.dateOfBirth) != digits(citizen.dateOfBirth) { mismatches.append("dateOfBirth") }
        return mismatches
    }
}

extension IdentityStation {
    /// Runs `body` with a connected card on the configured (or first) PC/SC reader, waiting up
    /// to `cardWait` for the citizen to put the card on it, and gives the reader back afterwards.
    public func withCard<T: Sendable>(
        readerName: String?, cardWait: Duration = DeviceWaitPolicy.standard.cardWait,
        _ body: (any CardReaderAPDUTransport) async throws(EvidenceError) -> T
    ) async throws(EvidenceError) -> T {
        let device = CardReaderDevice(configuration: .init(readerName: readerName))
        do {
            try await device.open()
            try await device.claim()
            try await device.connectCard(timeout: cardWait)
        } catch {
            await device.close()
            throw .cardReader(error)
        }
        do {
            let result = try await body(device.transport)
            await device.close()
            return result
        } catch {
            await device.close()
            throw error
        }
    }
}
