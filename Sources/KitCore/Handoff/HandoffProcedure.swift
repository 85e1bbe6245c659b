/// The receiving specialist procedures of a completed case (ARCHITECTURE.md, "Data flow" step 9).
public enum HandoffProcedure: String, Sendable, Codable, CaseIterable {
    /// Population register (Meldewesen): address changes.
    case register
    /// Document authority (Pass- und Ausweisbehörde): ID card and passport applications.
    case documentAuthority = "document-authority"
    /// Cash office (Stadtkasse): payments.
    case cashOffice = "cash-office"
    /// Document management system (E-Akte): every case.
    case dms
}
