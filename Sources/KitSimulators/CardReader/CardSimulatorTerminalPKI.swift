import Foundation
import KitDrivers

/// A test EAC PKI for the Änderungsterminal (BSI TR-03110-3 §2.2): a CVCA with a self-signed
/// certificate carrying the brainpoolP256r1 domain parameters, a document verifier (official
/// domestic) and an authentication terminal with the rights of ``NPAAuthenticationTerminalRights/changeTerminal``,
/// all id-TA-ECDSA-SHA-256 CV certificates. Generated fresh per run; never used with real cards.
public struct CardSimulatorTerminalPKI: Sendable {
    /// CVCA certificate (the simulated card's trust anchor).
    public let cvca: NPACVCertificate
    /// Document verifier certificate.
    public let documentVerifier: NPACVCertificate
    /// Terminal certificate.
    public let terminal: NPACVCertificate
    /// Terminal private key, PKCS#8 DER.
    public let terminalPrivateKey: [UInt8]
    /// The CVCA link certificate from the previous CVCA to this one (nil for a first generation).
    public let link: NPACVCertificate?
    /// The CVCA's key, to sign the link certificate of the next generation.
    let cvcaKey: CardSimulatorECKey

    /// Generates the three levels.
    ///
    /// - Parameters:
    ///   - cvcaHolder: CHR of the CVCA ("DE" + mnemonic + sequence number).
    ///   - today: the day the DV and terminal certificates take effect (unless `terminalValidity` says otherwise).
    ///   - terminalRights: rights in the terminal certificate's CHAT.
    ///   - terminalValidity: effective and expiration day of the terminal certificate, in days from `today`.
    public static func generate(
        cvcaHolder: String = "DEKITCVCA00001", today: Date = Date(),
        terminalRights: NPAAuthenticationTerminalRights = .changeTerminal,
        terminalValidity: ClosedRange<Int> = 0...90
    ) throws(CardSimulatorPKIError) -> CardSimulatorTerminalPKI {
        let day = NPACVDate(today)
        let cvcaKey = try CardSimulatorECKey()
        let dvKey = try CardSimulatorECKey()
        let terminalKey = try CardSimulatorECKey()
        // "DEKITCVCA00001" → "DEKITDV00001", "DEKITAT00001".
        let mnemonic = String(cvcaHolder.dropFirst(2).dropLast(5)).replacingOccurrences(of: "CVCA", with: "")
        let dvHolder = "DE\(mnemonic)DV00001"
        let terminalHolder = "DE\(mnemonic)AT00001"
        let cvca = try issue(
            authority: cvcaHolder, holder: cvcaHolder, key: cvcaKey, domainParameters: true, role: .cvca,
            rights: .all, from: day.adding(days: -30), to: day.adding(days: 3 * 365), signer: cvcaKey)
        let dv = try issue(
            authority: cvcaHolder, holder: dvHolder, key: dvKey, domainParameters: false,
            role: .officialDomesticDocumentVerifier, rights: .all, from: day.adding(days: -1),
            to: day.adding(days: 365), signer: cvcaKey)
        let terminal = try issue(
            authority: dvHolder, holder: terminalHolder, key: terminalKey, domainParameters: false, role: .terminal,
            rights: terminalRights, from: day.adding(days: terminalValidity.lowerBound),
            to: day.adding(days: terminalValidity.upperBound), signer: dvKey)
        return CardSimulatorTerminalPKI(
            cvca: cvca, documentVerifier: dv, terminal: terminal, terminalPrivateKey: try terminalKey.pkcs8(),
            link: nil, cvcaKey: cvcaKey)
    }

    /// The next CVCA generation (BSI TR-03110-3 §2.3): a new CVCA key and certificate `cvcaHolder`, the
    /// link certificate signed by this CVCA, and a new DV and terminal under the new CVCA. A card that
    /// trusts this CVCA accepts the new chain when the link certificate is sent first.
    public func nextGeneration(
        cvcaHolder: String, today: Date = Date(), terminalValidity: ClosedRange<Int> = 0...90
    ) throws(CardSimulatorPKIError) -> CardSimulatorTerminalPKI {
        let next = try Self.generate(
            cvcaHolder: cvcaHolder, today: today, terminalRights: terminal.holderAuthorization.rights,
            terminalValidity: terminalValidity)
        let day = NPACVDate(today)
        let link = try Self.issue(
            authority: cvca.holderReference, holder: cvcaHolder, key: next.cvcaKey, domainParameters: true,
            role: .cvca, rights: .all, from: day.adding(days: -30), to: day.adding(days: 3 * 365), signer: cvcaKey)
        return CardSimulatorTerminalPKI(
            cvca: next.cvca, documentVerifier: next.documentVerifier, terminal: next.terminal,
            terminalPrivateKey: next.terminalPrivateKey, link: link, cvcaKey: next.cvcaKey)
    }

    static func issue(
        authority: String, holder: String, key: CardSimulatorECKey, domainParameters: Bool, role: NPATerminalRole,
        rights: NPAAuthenticationTerminalRights, from: NPACVDate, to: NPACVDate, signer: CardSimulatorECKey
    ) throws(CardSimulatorPKIError) -> NPACVCertificate {
        var certificate = NPACVCertificate(
            authorityReference: authority, publicKey: try key.cvPublicKey(withDomainParameters: domainParameters),
            holderReference: holder, holderAuthorization: NPACertificateHolderAuthorization(role: role, rights: rights),
            effectiveDate: from, expirationDate: to)
        certificate.signature = try signer.sign(certificate.encodedBody)
        return certificate
    }

    /// The chain and key as the driver loads them.
    public func credentials() throws(NPAEACError) -> NPATerminalCredentials {
        try NPATerminalCredentials(
            cvca: cvca.encoded, documentVerifier: documentVerifier.encoded, terminal: terminal.encoded,
            privateKey: terminalPrivateKey)
    }

    /// Writes cvca.cvcert, dv.cvcert, terminal.cvcert and terminal.pkcs8 (mode 600) into `directory`.
    public func write(to directory: URL) throws(CardSimulatorPKIError) {
        let files: [(String, [UInt8])] = [
            (NPATerminalCredentials.FileName.cvca, cvca.encoded),
            (NPATerminalCredentials.FileName.documentVerifier, documentVerifier.encoded),
            (NPATerminalCredentials.FileName.terminal, terminal.encoded),
            (NPATerminalCredentials.FileName.privateKey, terminalPrivateKey),
        ]
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for (name, bytes) in files {
                let url = directory.appendingPathComponent(name)
                try Data(bytes).write(to: url, options: .atomic)
                if name == NPATerminalCredentials.FileName.privateKey {
                    try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
                }
            }
        } catch {
            throw .file("cannot write into \(directory.path): \(error)")
        }
    }
}
