/// The role a CV certificate gives its holder: bits 39-38 of the authorization of an
/// authentication terminal (BSI TR-03110-3 §C.4, TR-03110-4 §2.2.3.2).
public enum NPATerminalRole: UInt8, Sendable, CaseIterable {
    /// 11: country verifying CA.
    case cvca = 3
    /// 10: document verifier, official domestic.
    case officialDomesticDocumentVerifier = 2
    /// 01: document verifier, non-official or foreign.
    case foreignDocumentVerifier = 1
    /// 00: terminal.
    case terminal = 0
}
