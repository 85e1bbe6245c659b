/// Status byte of an intermediate status information 04 FF: what the terminal currently
/// shows or waits for (ZVT spec rev. 13.x, chapter 3 "Intermediate status", table of codes).
/// Codes 0x41–0x67 repeat 0x01–0x27 with "please remove card" added.
public struct ZVTIntermediateStatusCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    public init(_ rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// 0x0A: insert card.
    public static let insertCard = ZVTIntermediateStatusCode(0x0A)
    /// 0x0B: please remove card.
    public static let removeCard = ZVTIntermediateStatusCode(0x0B)
    /// 0x0E: please wait (processing).
    public static let processingPleaseWait = ZVTIntermediateStatusCode(0x0E)
    /// 0x15: incorrect PIN.
    public static let incorrectPIN = ZVTIntermediateStatusCode(0x15)
    /// 0x17: please wait.
    public static let pleaseWait = ZVTIntermediateStatusCode(0x17)
    /// 0xFF: no matching code; the text is in the TLV container.
    public static let seeTLV = ZVTIntermediateStatusCode(0xFF)

    /// English text, or `nil` for codes the spec does not define.
    public var englishText: String? { texts?.english }

    /// German text, or `nil` for codes the spec does not define.
    public var germanText: String? { texts?.german }

    private var texts: (english: String, german: String)? {
        if let direct = Self.table[rawValue] { return direct }
        if rawValue == 0x4A { return ("please remove card", "Bitte Karte entnehmen") }
        guard (0x41...0x67).contains(rawValue), let base = Self.table[rawValue - 0x40] else { return nil }
        return (base.english + " – please remove card", base.german + " – Bitte Karte entnehmen")
    }

    public var description: String {
        "0x\(ZVTError.hex(rawValue)) \(englishText ?? "unknown status")"
    }

    private static let table: [UInt8: (english: String, german: String)] = [
        0x00: ("waiting for amount confirmation", "Warte auf Betragsbestätigung"),
        0x01: ("please watch PIN pad", "Bitte Anzeigen auf dem PIN-Pad beachten"),
        0x02: ("please watch PIN pad", "Bitte Anzeigen auf dem PIN-Pad beachten"),
        0x03: ("not accepted", "Vorgang nicht möglich"),
        0x04: ("waiting for response from the host", "Warte auf Antwort vom Rechenzentrum"),
        0x05: ("sending auto-reversal", "Sende Autostorno"),
        0x06: ("sending post-bookings", "Sende Nachbuchungen"),
        0x07: ("card not admitted", "Karte nicht zugelassen"),
        0x08: ("card unknown / undefined", "Karte unbekannt / undefiniert"),
        0x09: ("card expired", "Karte verfallen"),
        0x0A: ("insert card", "Karte einstecken"),
        0x0B: ("please remove card", "Bitte Karte entnehmen"),
        0x0C: ("card not readable", "Karte nicht lesbar"),
        0x0D: ("processing aborted", "Vorgang abgebrochen"),
        0x0E: ("processing, please wait", "Vorgang wird bearbeitet, bitte warten"),
        0x0F: ("starting automatic end-of-day batch", "Automatischer Kassenschnitt wird gestartet"),
        0x10: ("invalid card", "Karte ungültig"),
        0x11: ("balance display", "Guthabenanzeige"),
        0x12: ("system malfunction", "Systemfehler"),
        0x13: ("payment not possible", "Zahlung nicht möglich"),
        0x14: ("credit not sufficient", "Guthaben nicht ausreichend"),
        0x15: ("incorrect PIN", "Geheimzahl falsch"),
        0x16: ("limit not sufficient", "Limit nicht ausreichend"),
        0x17: ("please wait", "Bitte warten"),
        0x18: ("PIN try limit exceeded", "Geheimzahl zu oft falsch"),
        0x19: ("card data incorrect", "Kartendaten falsch"),
        0x1A: ("service mode", "Servicemodus"),
        0x1B: ("approved, please fill up", "Autorisierung erfolgt, bitte tanken"),
        0x1C: ("approved, please take goods", "Zahlung erfolgt, bitte Ware entnehmen"),
        0x1D: ("declined", "Autorisierung nicht möglich"),
        0x26: ("waiting for mobile number", "Warte auf Eingabe der Mobilfunknummer"),
        0x27: ("waiting for mobile number repetition", "Warte auf Wiederholung der Mobilfunknummer"),
        0x28: ("currency selection, please wait", "Währungsauswahl, bitte warten"),
        0x29: ("language selection, please wait", "Sprachauswahl, bitte warten"),
        0x2A: ("insert card to load", "Zum Laden Karte einstecken"),
        0x2B: ("emergency offline operation, please wait", "Offline-Notbetrieb, bitte warten"),
        0x2C: ("debit/credit selection, please wait", "Auswahl Debit/Kredit, bitte warten"),
        0x68: ("customer card insertion detected", "Einstecken der Kundenkarte erkannt"),
        0x69: ("please select DCC", "Bitte DCC auswählen"),
        0xC7: ("waiting for mileage input", "Warte auf Eingabe des Kilometerstands"),
        0xC8: ("waiting for cashier", "Warte auf Kassierer"),
        0xC9: ("starting automatic diagnosis", "Automatische Diagnose wird gestartet"),
        0xCA: ("starting automatic initialisation", "Automatische Initialisierung wird gestartet"),
        0xCB: ("merchant journal full", "Händlerjournal voll"),
        0xCC: ("debit advice not possible, PIN required", "Lastschrift nicht möglich, PIN erforderlich"),
        0xD2: ("connecting dial-up", "DFÜ-Verbindung wird hergestellt"),
        0xD3: ("dial-up connection made", "DFÜ-Verbindung besteht"),
        0xE0: ("waiting for application selection", "Warte auf Anwendungsauswahl"),
        0xE1: ("waiting for language selection", "Warte auf Sprachauswahl"),
        0xE2: ("please use the cleaning card", "Bitte Reinigungskarte benutzen"),
        0xF1: ("offline", "Offline"),
        0xF2: ("online", "Online"),
        0xF3: ("offline transaction", "Offline-Transaktion"),
        0xFF: ("no matching status code, see TLV container", "Kein passender Statuscode, siehe TLV-Container"),
    ]
}
