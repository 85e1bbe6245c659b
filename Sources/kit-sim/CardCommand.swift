import ArgumentParser
import Foundation
import KitDrivers
import KitSimulators

/// `kit-sim card`: puts a simulated smart card on vsmartcard's virtual reader (vpcd in pcscd).
struct CardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "card",
        abstract: "Put a simulated smart card on the virtual card reader (vpcd).",
        discussion: """
            Connects to pcscd's vpcd driver like a card being put on the reader, answers the \
            reader's commands, and removes the card when stopped (Ctrl-C) or after --remove-after \
            commands. Needs pcscd with vsmartcard-vpcd running on this machine.

            --type iso   a plain ISO 7816 test card with a few files (SELECT, READ BINARY).
            --type npa   the chip side of a German ID card: EF.CardAccess, PACE with CAN, PIN or \
            PUK, secure messaging, Terminal and Chip Authentication, DG4/DG5/DG8 (names, date of \
            birth) and DG17 read and write. The passwords, the identity, the address and the terminal \
            PKI are test values, never real ones (default holder: the specimen ERIKA MUSTERMANN).

            --terminal-pki DIR   (npa) the CVCA the card trusts: if DIR holds cvca.cvcert it is used; \
            otherwise a new test PKI is generated and cvca.cvcert, dv.cvcert, terminal.cvcert and \
            terminal.pkcs8 are written to DIR for the agent's configuration.
            """
    )

    enum CardType: String, ExpressibleByArgument, CaseIterable {
        case iso, npa
    }

    @Option(help: "TCP port of the virtual reader (35963 = \"Virtual PCD 00 00\", 35964 = \"… 00 01\").")
    var port: UInt16 = 35963

    @Option(help: "Which card to simulate: iso or npa.")
    var type: CardType = .iso

    @Option(help: "Card access number of the simulated ID card (6 digits).")
    var can = "222222"

    @Option(help: "PIN of the simulated ID card (6 digits).")
    var pin = "111111"

    @Option(help: "PUK of the simulated ID card (10 digits).")
    var puk = "3333333333"

    @Option(help: "Address in DG17 of the simulated ID card: \"STREET|CITY|COUNTRY|ZIP\".")
    var address = "HEIDESTRASSE 17|KOELN|D|51147"

    @Option(help: "Given names in DG4 of the simulated ID card (the card's spelling: upper case, AE for Ä).")
    var givenNames = CardSimulatorNPACard.testIdentity.givenNames

    @Option(help: "Family names in DG5 of the simulated ID card.")
    var familyNames = CardSimulatorNPACard.testIdentity.familyNames

    @Option(help: "Date of birth in DG8 of the simulated ID card: YYYYMMDD or YYYY-MM-DD.")
    var dateOfBirth = CardSimulatorNPACard.testIdentity.dateOfBirth

    @Option(help: "Folder with the test terminal PKI (npa): reuse cvca.cvcert there, or generate and write one.")
    var terminalPKI: String?

    @Option(help: "Pull the card when command number N+1 arrives, without answering it.")
    var removeAfter: Int?

    func validate() throws {
        guard can.count == 6, can.allSatisfy(\.isNumber) else { throw ValidationError("--can needs 6 digits.") }
        guard (5...6).contains(pin.count), pin.allSatisfy(\.isNumber) else {
            throw ValidationError("--pin needs 5 or 6 digits.")
        }
        guard puk.count == 10, puk.allSatisfy(\.isNumber) else { throw ValidationError("--puk needs 10 digits.") }
        guard address.split(separator: "|", omittingEmptySubsequences: false).count == 4 else {
            throw ValidationError("--address needs four fields: STREET|CITY|COUNTRY|ZIP.")
        }
        guard !givenNames.isEmpty, !familyNames.isEmpty else {
            throw ValidationError("--given-names and --family-names must not be empty.")
        }
        let birthDigits = dateOfBirth.filter { $0 != "-" }
        guard birthDigits.count == 8, birthDigits.allSatisfy(\.isNumber) else {
            throw ValidationError("--date-of-birth needs YYYYMMDD or YYYY-MM-DD.")
        }
        if let removeAfter, removeAfter < 0 { throw ValidationError("--remove-after must be 0 or more.") }
    }

    func run() async throws {
        let card: any CardSimulatorCard
        switch type {
        case .iso:
            card = CardSimulatorISOCard()
        case .npa:
            let fields = address.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            let place = NPAPlaceOfResidence.residence(
                .structured(
                    NPAStructuredPlace(
                        street: fields[0].isEmpty ? nil : fields[0], city: fields[1], country: fields[2],
                        zipCode: fields[3].isEmpty ? nil : fields[3])))
            card = CardSimulatorNPACard(
                passwords: .init(can: can, pin: pin, puk: puk), placeOfResidence: place,
                identity: NPAIdentity(
                    givenNames: givenNames, familyNames: familyNames,
                    dateOfBirth: dateOfBirth.filter { $0 != "-" }),
                trustAnchor: try trustAnchor())
        }
        let link = CardSimulatorVPCDLink(card: card, port: port, removeAfter: removeAfter)
        try link.insert()
        print("kit-sim card: \(type.rawValue) card inserted into the virtual reader on port \(port)")
        let signals = DispatchSource.makeSignalSource(signal: SIGINT)
        signal(SIGINT, SIG_IGN)
        signals.setEventHandler { link.remove() }
        signals.resume()
        let outcome = await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: link.waitUntilFinished()) }
        }
        signals.cancel()
        switch outcome {
        case .removed:
            print("kit-sim card: card removed after \(link.receivedAPDUs) command(s)")
            Self.exitNow()
        case .readerClosed:
            print("kit-sim card: the virtual reader closed the connection (pcscd stopped?)")
            Self.exitNow()
        case .protocolError(let reason):
            throw ValidationError("vpcd protocol error: \(reason)")
        case .connectFailed(let reason):
            throw ValidationError(reason)
        }
    }

    /// Ends the process without the C libraries' exit handlers: OpenSSL's cleanup (through OpenPACE)
    /// raced a worker thread still inside libcrypto and crashed about once in 150 card removals in
    /// the soak, after the card was gone. Nothing is left to flush but standard output.
    static func exitNow() -> Never {
        fflush(nil)  // every output stream, standard output included
        _exit(0)
    }

    /// The CVCA certificate the simulated card trusts: loaded from, or generated into, --terminal-pki.
    private func trustAnchor() throws -> NPACVCertificate? {
        guard let terminalPKI else { return nil }
        let folder = URL(fileURLWithPath: terminalPKI, isDirectory: true)
        let existing = folder.appendingPathComponent(NPATerminalCredentials.FileName.cvca)
        if FileManager.default.fileExists(atPath: existing.path) {
            let certificate = try NPACVCertificate(bytes: Array(try Data(contentsOf: existing)))
            print("kit-sim card: trusting CVCA \(certificate.holderReference) from \(existing.path)")
            return certificate
        }
        let pki = try CardSimulatorTerminalPKI.generate()
        try pki.write(to: folder)
        print(
            "kit-sim card: wrote a test terminal PKI (CVCA \(pki.cvca.holderReference), terminal "
                + "\(pki.terminal.holderReference), valid until \(pki.terminal.expirationDate)) to \(folder.path)")
        return pki.cvca
    }
}
