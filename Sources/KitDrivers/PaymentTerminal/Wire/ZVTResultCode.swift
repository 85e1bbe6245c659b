/// Result code of a ZVT transaction: BMP 27, the first byte of Abort 06 1E, and the
/// INSTR byte of a negative acknowledgement `84 xx` (ZVT spec rev. 13.x, chapter 10
/// "Error messages"). 0x00 is success; 0x01–0x63 come from the authorisation system.
public struct ZVTResultCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    public init(_ rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// 0x00: transaction successful.
    public static let success = ZVTResultCode(0x00)
    /// 0x64: card not readable.
    public static let cardNotReadable = ZVTResultCode(0x64)
    /// 0x6B: function deactivated (terminal not registered).
    public static let functionDeactivated = ZVTResultCode(0x6B)
    /// 0x6C: aborted by timeout or the abort key.
    public static let abortedByTimeoutOrKey = ZVTResultCode(0x6C)
    /// 0x6F: wrong currency.
    public static let wrongCurrency = ZVTResultCode(0x6F)
    /// 0x78: card expired.
    public static let cardExpired = ZVTResultCode(0x78)
    /// 0x83: function not possible.
    public static let functionNotPossible = ZVTResultCode(0x83)
    /// 0x9A: ZVT protocol error.
    public static let protocolError = ZVTResultCode(0x9A)
    /// 0x9C: please wait (more time needed).
    public static let pleaseWait = ZVTResultCode(0x9C)
    /// 0xB4: already reversed.
    public static let alreadyReversed = ZVTResultCode(0xB4)
    /// 0xB5: reversal not possible.
    public static let reversalNotPossible = ZVTResultCode(0xB5)
    /// 0xCC: printer not ready.
    public static let printerNotReady = ZVTResultCode(0xCC)
    /// 0xFF: system error (details in TLV 1F16/1F17).
    public static let systemError = ZVTResultCode(0xFF)

    /// Whether the transaction succeeded.
    public var isSuccess: Bool { rawValue == 0x00 }

    /// Whether the code was set by the authorisation system (issuer / network operator).
    public var isFromAuthorisationSystem: Bool { (0x01...0x63).contains(rawValue) }

    /// English text, or `nil` for codes the spec does not define.
    public var englishText: String? { texts?.english }

    /// German text, or `nil` for codes the spec does not define.
    public var germanText: String? { texts?.german }

    private var texts: (english: String, german: String)? {
        if isFromAuthorisationSystem {
            return (
                "declined by the authorisation system (code \(rawValue), see receipt)",
                "vom Autorisierungssystem abgelehnt (Code \(rawValue), siehe Beleg)"
            )
        }
        return Self.table[rawValue]
    }

    public var description: String {
        "0x\(ZVTError.hex(rawValue)) \(englishText ?? "unknown result code")"
    }

    private static let table: [UInt8: (english: String, german: String)] = [
        0x00: ("success", "erfolgreich"),
        0x64: ("card not readable (LRC/parity error)", "Karte nicht lesbar (LRC-/Paritätsfehler)"),
        0x65: ("card data not present (no track data, no chip)", "Kartendaten nicht vorhanden (weder Spur noch Chip)"),
        0x66: ("processing error (also card reader mechanics)", "Verarbeitungsfehler (auch Kartenleser-Mechanik)"),
        0x67: ("function not permitted for girocard/Maestro", "Funktion für girocard/Maestro nicht zulässig"),
        0x68: (
            "function not permitted for credit and fuel cards", "Funktion für Kredit- und Tankkarten nicht zulässig"
        ),
        0x6A: ("turnover file full", "Umsatzdatei voll"),
        0x6B: ("function deactivated (terminal not registered)", "Funktion deaktiviert (Terminal nicht angemeldet)"),
        0x6C: ("aborted by timeout or abort key", "Abbruch durch Zeitüberschreitung oder Abbruchtaste"),
        0x6E: ("card on blocked list", "Karte auf Sperrliste"),
        0x6F: ("wrong currency", "falsche Währung"),
        0x71: ("credit not sufficient (chip card)", "Guthaben nicht ausreichend (Chipkarte)"),
        0x72: ("chip error", "Chipfehler"),
        0x73: (
            "card data incorrect (e.g. country code, checksum)",
            "Kartendaten fehlerhaft (z. B. Länderkennung, Prüfsumme)"
        ),
        0x74: ("DUKPT engine exhausted", "DUKPT-Schlüssel erschöpft"),
        0x75: ("text not authentic", "Text nicht authentisch"),
        0x76: ("PAN not in white list", "PAN nicht in Positivliste"),
        0x77: ("end-of-day batch not possible", "Kassenschnitt nicht möglich"),
        0x78: ("card expired", "Karte abgelaufen"),
        0x79: ("card not yet valid", "Karte noch nicht gültig"),
        0x7A: ("card unknown", "Karte unbekannt"),
        0x7B: (
            "fallback to magnetic stripe not possible (girocard)",
            "Rückfall auf Magnetstreifen nicht möglich (girocard)"
        ),
        0x7C: ("fallback to magnetic stripe not possible", "Rückfall auf Magnetstreifen nicht möglich"),
        0x7D: (
            "communication error (communication module missing or silent)",
            "Kommunikationsfehler (Kommunikationsmodul fehlt oder antwortet nicht)"
        ),
        0x7E: (
            "fallback to magnetic stripe not possible, debit advice possible",
            "Rückfall auf Magnetstreifen nicht möglich, Lastschrift möglich"
        ),
        0x83: ("function not possible", "Funktion nicht möglich"),
        0x85: ("key missing", "Schlüssel fehlt"),
        0x89: ("PIN pad defective", "PIN-Pad defekt"),
        0x9A: (
            "ZVT protocol error (e.g. parse error, mandatory element missing)",
            "ZVT-Protokollfehler (z. B. Pflichtfeld fehlt)"
        ),
        0x9B: ("error from dial-up / communication fault", "Fehler bei der Verbindung zum Rechenzentrum"),
        0x9C: ("please wait", "bitte warten"),
        0xA0: ("receiver not ready", "Empfänger nicht bereit"),
        0xA1: ("remote station does not respond", "Gegenstelle antwortet nicht"),
        0xA3: ("no connection", "keine Verbindung"),
        0xA4: ("submission of Geldkarte not possible", "Einreichung Geldkarte nicht möglich"),
        0xA5: ("function not allowed due to PCI-DSS/P2PE rules", "Funktion wegen PCI-DSS/P2PE-Regeln nicht erlaubt"),
        0xB1: ("memory full", "Speicher voll"),
        0xB2: ("merchant journal full", "Händlerjournal voll"),
        0xB4: ("already reversed", "bereits storniert"),
        0xB5: ("reversal not possible", "Storno nicht möglich"),
        0xB7: (
            "pre-authorisation incorrect (amount too high) or amount wrong",
            "Vorautorisierung fehlerhaft (Betrag zu hoch) oder Betrag falsch"
        ),
        0xB8: ("error pre-authorisation", "Fehler bei Vorautorisierung"),
        0xBF: ("voltage supply too low", "Versorgungsspannung zu niedrig"),
        0xC0: ("card locking mechanism defective", "Kartenverriegelung defekt"),
        0xC1: ("merchant card locked", "Händlerkarte gesperrt"),
        0xC2: ("diagnosis required", "Diagnose erforderlich"),
        0xC3: ("maximum amount exceeded", "Höchstbetrag überschritten"),
        0xC4: ("card profile invalid, load new card profiles", "Kartenprofil ungültig, neue Kartenprofile laden"),
        0xC5: ("payment method not supported", "Zahlart nicht unterstützt"),
        0xC6: ("currency not applicable", "Währung nicht anwendbar"),
        0xC8: ("amount too small", "Betrag zu klein"),
        0xC9: ("max. transaction amount too small", "maximaler Transaktionsbetrag zu klein"),
        0xCB: ("function only allowed in euro", "Funktion nur in Euro erlaubt"),
        0xCC: ("printer not ready", "Drucker nicht bereit"),
        0xCD: ("cashback not possible", "Cashback nicht möglich"),
        0xD2: (
            "function not permitted for service / bank customer cards",
            "Funktion für Service-/Bankkundenkarten nicht zulässig"
        ),
        0xDC: ("card inserted", "Karte gesteckt"),
        0xDD: ("error during card eject", "Fehler beim Kartenauswurf"),
        0xDE: ("error during card insertion", "Fehler beim Karteneinzug"),
        0xE0: ("remote maintenance activated", "Fernwartung aktiv"),
        0xE2: ("card reader does not answer / defective", "Kartenleser antwortet nicht / defekt"),
        0xE3: ("shutter closed", "Shutter geschlossen"),
        0xE4: ("terminal activation required", "Terminal-Aktivierung erforderlich"),
        0xE7: ("at least one goods group not found", "mindestens eine Warengruppe nicht gefunden"),
        0xE8: ("no goods groups table loaded", "keine Warengruppentabelle geladen"),
        0xE9: ("restriction code not permitted", "Restriktionscode nicht erlaubt"),
        0xEA: (
            "card code not permitted (card not activated via diagnosis)",
            "Kartencode nicht erlaubt (Karte nicht per Diagnose freigeschaltet)"
        ),
        0xEB: (
            "function not executable (PIN algorithm unknown)", "Funktion nicht ausführbar (PIN-Algorithmus unbekannt)"
        ),
        0xEC: ("PIN processing not possible", "PIN-Verarbeitung nicht möglich"),
        0xED: ("PIN pad defective", "PIN-Pad defekt"),
        0xF0: ("open end-of-day batch present", "offener Kassenschnitt vorhanden"),
        0xF1: ("girocard/Maestro offline error", "girocard/Maestro-Offline-Fehler"),
        0xF5: ("OPT error", "OPT-Fehler"),
        0xF6: (
            "OPT data not available (OPT personalisation required)",
            "OPT-Daten nicht vorhanden (OPT-Personalisierung nötig)"
        ),
        0xFA: (
            "error transmitting offline transactions (clearing error)",
            "Fehler beim Übertragen der Offline-Umsätze (Clearing)"
        ),
        0xFB: ("turnover data set defective", "Umsatzdatensatz defekt"),
        0xFC: ("necessary device not present or defective", "benötigtes Gerät fehlt oder ist defekt"),
        0xFD: ("baud rate not supported", "Baudrate nicht unterstützt"),
        0xFE: ("register unknown", "Kasse unbekannt"),
        0xFF: ("system error (see TLV 1F16/1F17)", "Systemfehler (siehe TLV 1F16/1F17)"),
    ]
}
