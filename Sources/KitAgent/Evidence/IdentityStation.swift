import Foundation
import KitCore
import KitDrivers
import Logging

/// The ID card at the door (issue #5), as the office's Änderungsterminal (BSI TR-03127 §5): PACE
/// with the CAN, Terminal and Chip Authentication (TR-03110-2 §3.3–3.4), then
///
/// - `identity.checked`: the card's names and date of birth (DG4, DG5, DG8) compared with the case's
///   citizen. Only the outcome of the comparison is sealed — which fields matched — not the data
///   groups themselves (data minimisation: the register already holds them).
/// - `address.changed`: the new place of residence written to DG17, read back, and the register
///   change recorded with the register version the kit saw, for the server's conflict rules.
///
/// A card pulled, a wrong CAN or a refused certificate records nothing. Writing the card and
/// recording the step are two operations; if the kit dies between them, repeating the step finds
/// the new address already on the card, skips the write and records it.
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
    public struct IdentityResult: Codable, Sendable, Equatable {
        /// Whether names and date of birth match the case's citizen.
        public var matchesCase: Bool
        /// The fields that differ: `givenNames`, `familyName`, `dateOfBirth`.
        public var mismatches: [String]
        /// The chip proved itself genuine (Chip Authentication).
        public var chipAuthenticated: Bool
        /// The terminal certificate the kit used (its holder reference).
        public var terminal: String
    }

    func credentials() throws(EvidenceError) -> NPATerminalCredentials {
        guard let credentialsDirectory else { throw .noTerminalCredentials }
        do {
            return try NPATerminalCredentials(directory: URL(fileURLWithPath: credentialsDirectory))
        } catch {
            throw .idCard(error)
        }
    }

    func snapshot(_ caseId: String) async throws(EvidenceError) -> CaseSnapshot {
        do { return try await runtime.cases.snapshot(caseId: caseId) } catch { throw .caseUnavailable(error) }
    }

    /// Checks the citizen's ID card against the case and records `identity.checked`.
    public func checkIdentity(
        caseId: String, can: String, over transport: any CardReaderAPDUTransport, today: Date = Date()
    ) async throws(EvidenceError) -> (receipt: Outbox.Receipt, result: IdentityResult) {
        let snapshot = try await snapshot(caseId)
        let credentials = try credentials()
        let check: NPAIdentityCheck
        do {
            let card = try await NPAChangeTerminal.authenticate(
                over: transport, digits: can, credentials: credentials, today: today)
            check = try await card.checkIdentity()
        } catch {
            logger.notice("identity check ended without a result", metadata: ["reason": "\(error)"])
            throw .idCard(error)
        }
        let result = Self.compare(check, with: snapshot.citizen)
        let receipt = try await EvidenceRecorder(runtime: runtime).enqueue(
            caseId: caseId, kind: .identityChecked, baseVersion: snapshot.version, facts: result)
        logger.info(
            "identity checked", metadata: ["seq": "\(receipt.seq)", "matchesCase": "\(result.matchesCase)"])
        return (receipt, result)
    }

    /// Writes `address` to the card's DG17, reads it back and records `address.changed`.
    public func changeAddress(
        caseId: String, can: String, to address: CaseSnapshot.Address, over transport: any CardReaderAPDUTransport,
        today: Date = Date()
    ) async throws(EvidenceError) -> Outbox.Receipt {
        let snapshot = try await snapshot(caseId)
        let credentials = try credentials()
        let place = Self.placeOfResidence(address)
        do {
            let card = try await NPAChangeTerminal.authenticate(
                over: transport, digits: can, credentials: credentials, today: today)
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
        let facts = StepPayload.AddressChange(citizenId: snapshot.citizen.citizenId, newAddress: address)
        let receipt = try await EvidenceRecorder(runtime: runtime).enqueue(
            caseId: caseId, kind: .addressChanged, baseVersion: snapshot.citizen.registerVersion, facts: facts)
        logger.info("address changed on the card", metadata: ["seq": "\(receipt.seq)"])
        return receipt
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
        var mismatches: [String] = []
        if cardText(check.identity.givenNames) != cardText(citizen.givenNames) { mismatches.append("givenNames") }
        if cardText(check.identity.familyNames) != cardText(citizen.familyName) { mismatches.append("familyName") }
        let digits = { (text: String) in text.filter(\.isNumber) }
        if digits(check.identity.dateOfBirth) != digits(citizen.dateOfBirth) { mismatches.append("dateOfBirth") }
        return IdentityResult(
            matchesCase: mismatches.isEmpty, mismatches: mismatches, chipAuthenticated: true,
            terminal: check.terminalHolder)
    }
}

extension IdentityStation {
    /// Runs `body` with a connected card on the configured (or first) PC/SC reader, waiting up
    /// to `cardWait` for the citizen to put the card on it, and gives the reader back afterwards.
    public func withCard<T: Sendable>(
        readerName: String?, cardWait: Duration = .seconds(30),
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
