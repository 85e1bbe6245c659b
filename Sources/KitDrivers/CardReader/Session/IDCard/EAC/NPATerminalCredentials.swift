import Foundation

/// The Änderungsterminal's part of the EAC PKI (BSI TR-03110-3 §2): the CVCA certificate the card
/// trusts, the document verifier certificate, the terminal certificate and the terminal's private
/// key (PKCS#8 DER). The chain is checked for consistent references and roles when loaded.
///
/// The private key never appears in descriptions or logs; OpenPACE gets a copy per session and wipes it.
public struct NPATerminalCredentials: Sendable, CustomStringConvertible {
    /// File names in a credentials folder (as `kit-sim card --terminal-pki DIR` writes them).
    public enum FileName {
        /// CVCA certificate.
        public static let cvca = "cvca.cvcert"
        /// Document verifier certificate.
        public static let documentVerifier = "dv.cvcert"
        /// Terminal certificate.
        public static let terminal = "terminal.cvcert"
        /// Terminal private key, PKCS#8 DER.
        public static let privateKey = "terminal.pkcs8"
    }

    /// CVCA certificate (trust anchor).
    public let cvca: NPACVCertificate
    /// Document verifier certificate, signed by the CVCA.
    public let documentVerifier: NPACVCertificate
    /// Terminal certificate, signed by the DV.
    public let terminal: NPACVCertificate
    let privateKey: [UInt8]

    /// Loads and checks a chain.
    public init(
        cvca: [UInt8], documentVerifier: [UInt8], terminal: [UInt8], privateKey: [UInt8]
    ) throws(NPAEACError) {
        func parse(_ bytes: [UInt8], _ name: String) throws(NPAEACError) -> NPACVCertificate {
            do {
                return try NPACVCertificate(bytes: bytes)
            } catch {
                throw .invalidTerminalCredentials(reason: "the \(name) certificate: \(error)")
            }
        }
        self.cvca = try parse(cvca, "CVCA")
        self.documentVerifier = try parse(documentVerifier, "document verifier")
        self.terminal = try parse(terminal, "terminal")
        guard self.cvca.holderAuthorization.role == .cvca, self.cvca.publicKey.hasDomainParameters else {
            throw .invalidTerminalCredentials(reason: "the CVCA certificate has no CVCA role or no domain parameters")
        }
        guard self.documentVerifier.authorityReference == self.cvca.holderReference,
            self.terminal.authorityReference == self.documentVerifier.holderReference
        else { throw .invalidTerminalCredentials(reason: "the certificates do not form a chain CVCA → DV → terminal") }
        guard self.terminal.holderAuthorization.role == .terminal,
            [NPATerminalRole.officialDomesticDocumentVerifier, .foreignDocumentVerifier].contains(
                self.documentVerifier.holderAuthorization.role)
        else { throw .invalidTerminalCredentials(reason: "wrong roles in the DV or terminal certificate") }
        guard !privateKey.isEmpty else { throw .invalidTerminalCredentials(reason: "the private key is empty") }
        self.privateKey = privateKey
    }

    /// Loads the four files of ``FileName`` from `directory`.
    public init(directory: URL) throws(NPAEACError) {
        func read(_ name: String) throws(NPAEACError) -> [UInt8] {
            do {
                return Array(try Data(contentsOf: directory.appendingPathComponent(name)))
            } catch {
                throw .invalidTerminalCredentials(reason: "cannot read \(name) in \(directory.path)")
            }
        }
        try self.init(
            cvca: read(FileName.cvca), documentVerifier: read(FileName.documentVerifier),
            terminal: read(FileName.terminal), privateKey: read(FileName.privateKey))
    }

    /// The rights the chain grants: terminal ∩ DV ∩ CVCA (TR-03110-3 §2.7).
    public var grantedRights: NPAAuthenticationTerminalRights {
        terminal.holderAuthorization.rights.intersection(documentVerifier.holderAuthorization.rights)
            .intersection(cvca.holderAuthorization.rights)
    }

    public var description: String {
        "terminal \(terminal.holderReference) via \(documentVerifier.holderReference) under \(cvca.holderReference)"
    }
}
