/// Every return code of pcsc-lite's `pcsclite.h` (PC/SC Workgroup specification part 5 §3,
/// `SCARD_F_*`, `SCARD_E_*`, `SCARD_P_*`, `SCARD_W_*`) with its name for IT, an English sentence
/// for the log and a German sentence for the clerk saying what to do (pcsc-lite's
/// `pcsc_stringify_error` idea, worded for the person at the kit).
public struct PCSCReturnCode: Equatable, Sendable {
    /// The code, e.g. 0x80100069.
    public let code: UInt32
    /// Its name in pcsclite.h, e.g. `SCARD_W_REMOVED_CARD`.
    public let name: String
    /// What it means and what to do, in English (log, IT).
    public let english: String
    /// What it means and what to do, in German (clerk).
    public let german: String

    /// The entry for `code`; codes pcsc-lite does not define get a generic entry with the number.
    public static func lookup(_ code: UInt32) -> PCSCReturnCode {
        if let known = table[code] { return known }
        let hex = "0x" + String(code, radix: 16, uppercase: true)
        return PCSCReturnCode(
            code: code, name: "PC/SC error \(hex)",
            english: "PC/SC error \(hex), not defined by pcsc-lite",
            german: "Der Kartendienst meldet einen unbekannten Fehler (\(hex)). Bitte den Schritt "
                + "wiederholen; bleibt er, die IT verständigen.")
    }

    /// Whether pcsc-lite defines `code`.
    public static func isKnown(_ code: UInt32) -> Bool { table[code] != nil }

    static let retry = " Bitte den Schritt wiederholen."
    static let callIT = " Bleibt der Fehler, die IT verständigen."
    static let replace = " Bitte die Karte ruhig und mittig auf das Lesegerät legen und den Schritt wiederholen."
    static let service = "Der Kartendienst (pcscd) des Koffers "

    static let table: [UInt32: PCSCReturnCode] = {
        let entries: [(UInt32, String, String, String)] = [
            (
                0x8010_0001, "SCARD_F_INTERNAL_ERROR", "internal error in the smart-card service",
                service + "hat einen internen Fehler." + retry + callIT
            ),
            (0x8010_0002, "SCARD_E_CANCELLED", "the operation was cancelled", "Der Kartenzugriff wurde abgebrochen."),
            (
                0x8010_0003, "SCARD_E_INVALID_HANDLE",
                "the smart-card session is no longer valid (pcscd restarted?)",
                service + "wurde neu gestartet; die Verbindung zur Karte ist verloren." + retry
            ),
            (
                0x8010_0004, "SCARD_E_INVALID_PARAMETER", "invalid parameter passed to the smart-card service",
                service + "hat eine ungültige Anfrage erhalten." + retry + callIT
            ),
            (
                0x8010_0005, "SCARD_E_INVALID_TARGET", "invalid target given to the smart-card service",
                service + "hat eine ungültige Anfrage erhalten." + retry + callIT
            ),
            (
                0x8010_0006, "SCARD_E_NO_MEMORY", "the smart-card service ran out of memory",
                service + "hat keinen Speicher mehr. Bitte den Koffer neu starten." + callIT
            ),
            (
                0x8010_0007, "SCARD_F_WAITED_TOO_LONG", "an internal wait in the smart-card service timed out",
                service + "antwortet zu langsam." + retry
            ),
            (
                0x8010_0008, "SCARD_E_INSUFFICIENT_BUFFER", "the answer does not fit the buffer",
                "Die Antwort der Karte ist zu lang." + retry + callIT
            ),
            (
                0x8010_0009, "SCARD_E_UNKNOWN_READER", "the card reader is unknown (unplugged?)",
                "Das Kartenlesegerät ist nicht angeschlossen. Bitte das Lesegerät einstecken."
            ),
            (
                0x8010_000A, "SCARD_E_TIMEOUT", "the operation timed out",
                "Das Kartenlesegerät hat nicht rechtzeitig geantwortet." + retry
            ),
            (
                0x8010_000B, "SCARD_E_SHARING_VIOLATION", "the card is in use by another program",
                "Die Karte wird gerade von einem anderen Programm benutzt. Bitte das andere Programm schließen "
                    + "und den Schritt wiederholen."
            ),
            (
                0x8010_000C, "SCARD_E_NO_SMARTCARD", "no card in the reader",
                "Auf dem Lesegerät liegt keine Karte. Bitte den Ausweis auflegen."
            ),
            (
                0x8010_000D, "SCARD_E_UNKNOWN_CARD", "the card is not known to the reader driver",
                "Diese Karte kann das Lesegerät nicht verarbeiten. Bitte prüfen, ob es der Personalausweis ist."
            ),
            (
                0x8010_000E, "SCARD_E_CANT_DISPOSE", "the reader cannot release the card as asked",
                "Das Lesegerät kann die Karte nicht freigeben. Bitte die Karte abnehmen und neu auflegen."
            ),
            (
                0x8010_000F, "SCARD_E_PROTO_MISMATCH", "the card does not speak the requested protocol",
                "Die Karte spricht nicht das erwartete Übertragungsverfahren." + replace
            ),
            (
                0x8010_0010, "SCARD_E_NOT_READY", "the reader or card is not ready",
                "Das Lesegerät oder die Karte ist noch nicht bereit. Bitte einen Moment warten und den Schritt "
                    + "wiederholen."
            ),
            (
                0x8010_0011, "SCARD_E_INVALID_VALUE", "an invalid value was passed to the smart-card service",
                service + "hat einen ungültigen Wert erhalten." + retry + callIT
            ),
            (
                0x8010_0012, "SCARD_E_SYSTEM_CANCELLED", "the operating system cancelled the operation",
                "Das Betriebssystem hat den Kartenzugriff abgebrochen (z. B. beim Abmelden)." + retry
            ),
            (
                0x8010_0013, "SCARD_F_COMM_ERROR", "internal communication error in the smart-card service",
                service + "ist nicht erreichbar oder wurde beendet." + retry + callIT
            ),
            (
                0x8010_0014, "SCARD_F_UNKNOWN_ERROR", "unknown error in the smart-card service",
                service + "meldet einen unbekannten Fehler." + retry + callIT
            ),
            (
                0x8010_0015, "SCARD_E_INVALID_ATR", "the card's answer to reset (ATR) is invalid",
                "Die Karte meldet sich fehlerhaft." + replace
            ),
            (
                0x8010_0016, "SCARD_E_NOT_TRANSACTED",
                "the reader could not exchange the command with the card (card moved or removed?)",
                "Die Karte hat nicht geantwortet; sie wurde wohl bewegt oder abgenommen." + replace
            ),
            (
                0x8010_0017, "SCARD_E_READER_UNAVAILABLE", "the card reader is not available (unplugged?)",
                "Das Kartenlesegerät ist nicht verfügbar. Bitte das Kabel prüfen und das Lesegerät neu einstecken."
            ),
            (
                0x8010_0018, "SCARD_P_SHUTDOWN", "the smart-card service is shutting down",
                service + "wird gerade beendet. Bitte einen Moment warten und den Schritt wiederholen."
            ),
            (
                0x8010_0019, "SCARD_E_PCI_TOO_SMALL", "the protocol control information buffer is too small",
                service + "hat eine ungültige Anfrage erhalten." + retry + callIT
            ),
            (
                0x8010_001A, "SCARD_E_READER_UNSUPPORTED", "the reader driver does not meet the requirements",
                "Dieses Kartenlesegerät wird nicht unterstützt. Bitte das Lesegerät des Koffers verwenden."
            ),
            (
                0x8010_001B, "SCARD_E_DUPLICATE_READER", "a reader of this name is already known",
                "Das Kartenlesegerät ist doppelt angemeldet. Bitte es ab- und wieder anstecken."
            ),
            (
                0x8010_001C, "SCARD_E_CARD_UNSUPPORTED", "the card is not supported",
                "Diese Karte wird nicht unterstützt. Bitte prüfen, ob es der Personalausweis ist."
            ),
            (
                0x8010_001D, "SCARD_E_NO_SERVICE", "the smart-card service pcscd is not running (start pcscd)",
                service + "läuft nicht. Bitte den Koffer neu starten." + callIT
            ),
            (
                0x8010_001E, "SCARD_E_SERVICE_STOPPED", "the smart-card service pcscd has stopped",
                service + "wurde beendet. Bitte einen Moment warten und den Schritt wiederholen." + callIT
            ),
            (
                0x8010_001F, "SCARD_E_UNSUPPORTED_FEATURE", "the reader or card does not support this feature",
                "Das Lesegerät oder die Karte kann diese Funktion nicht." + callIT
            ),
            (
                0x8010_0020, "SCARD_E_ICC_INSTALLATION", "no primary provider for the card",
                "Für diese Karte ist kein Dienst eingerichtet." + callIT
            ),
            (
                0x8010_0021, "SCARD_E_ICC_CREATEORDER", "the requested creation order is not supported",
                "Für diese Karte ist kein Dienst eingerichtet." + callIT
            ),
            (
                0x8010_0022, "SCARD_E_UNSUPPORTED_FEATURE", "the reader or card does not support this feature",
                "Das Lesegerät oder die Karte kann diese Funktion nicht." + callIT
            ),
            (
                0x8010_0023, "SCARD_E_DIR_NOT_FOUND", "the directory was not found on the card",
                "Auf der Karte fehlt ein erwarteter Bereich. Bitte prüfen, ob es der Personalausweis ist."
            ),
            (
                0x8010_0024, "SCARD_E_FILE_NOT_FOUND", "the file was not found on the card",
                "Auf der Karte fehlt eine erwartete Datei. Bitte prüfen, ob es der Personalausweis ist."
            ),
            (0x8010_0025, "SCARD_E_NO_DIR", "the path is not a directory", "Die Karte hat einen unerwarteten Aufbau."),
            (0x8010_0026, "SCARD_E_NO_FILE", "the path is not a file", "Die Karte hat einen unerwarteten Aufbau."),
            (
                0x8010_0027, "SCARD_E_NO_ACCESS", "access to the file is denied",
                "Die Karte verweigert den Zugriff." + callIT
            ),
            (
                0x8010_0028, "SCARD_E_WRITE_TOO_MANY", "the card is full",
                "Auf der Karte ist kein Platz mehr." + callIT
            ),
            (
                0x8010_0029, "SCARD_E_BAD_SEEK", "error positioning the file pointer on the card",
                "Die Karte hat einen Lesefehler gemeldet." + replace
            ),
            (
                0x8010_002A, "SCARD_E_INVALID_CHV", "the PIN is invalid",
                "Die eingegebene PIN ist ungültig. Bitte die PIN prüfen."
            ),
            (
                0x8010_002B, "SCARD_E_UNKNOWN_RES_MNG", "unrecognised error from the resource manager",
                service + "meldet einen unbekannten Fehler." + retry + callIT
            ),
            (
                0x8010_002C, "SCARD_E_NO_SUCH_CERTIFICATE", "the certificate does not exist",
                "Das angeforderte Zertifikat fehlt." + callIT
            ),
            (
                0x8010_002D, "SCARD_E_CERTIFICATE_UNAVAILABLE", "the certificate cannot be read",
                "Das angeforderte Zertifikat kann nicht gelesen werden." + callIT
            ),
            (
                0x8010_002E, "SCARD_E_NO_READERS_AVAILABLE", "no card reader is connected",
                "Es ist kein Kartenlesegerät angeschlossen. Bitte das Lesegerät einstecken."
            ),
            (
                0x8010_002F, "SCARD_E_COMM_DATA_LOST", "data was lost between reader and card",
                "Die Verbindung zwischen Lesegerät und Karte war gestört." + replace
            ),
            (
                0x8010_0030, "SCARD_E_NO_KEY_CONTAINER", "the key container does not exist",
                "Der angeforderte Schlüssel fehlt." + callIT
            ),
            (
                0x8010_0031, "SCARD_E_SERVER_TOO_BUSY", "the smart-card service is too busy",
                service + "ist ausgelastet. Bitte einen Moment warten und den Schritt wiederholen."
            ),
            (
                0x8010_0065, "SCARD_W_UNSUPPORTED_CARD", "the card's ATR does not allow communication",
                "Diese Karte wird nicht unterstützt. Bitte prüfen, ob es der Personalausweis ist."
            ),
            (
                0x8010_0066, "SCARD_W_UNRESPONSIVE_CARD", "the card does not answer — check its position on the reader",
                "Die Karte antwortet nicht." + replace
            ),
            (
                0x8010_0067, "SCARD_W_UNPOWERED_CARD", "the card is not powered",
                "Die Karte wird nicht mit Strom versorgt." + replace
            ),
            (
                0x8010_0068, "SCARD_W_RESET_CARD", "the card was reset by another program — try again",
                "Die Karte wurde zwischendurch zurückgesetzt." + retry
            ),
            (
                0x8010_0069, "SCARD_W_REMOVED_CARD", "the card was removed — put it back on the reader",
                "Die Karte wurde vom Lesegerät genommen. Bitte den Ausweis wieder auflegen und den Schritt "
                    + "wiederholen."
            ),
            (
                0x8010_006A, "SCARD_W_SECURITY_VIOLATION", "access was denied for security reasons",
                "Die Karte verweigert den Zugriff aus Sicherheitsgründen." + callIT
            ),
            (
                0x8010_006B, "SCARD_W_WRONG_CHV", "the PIN was wrong",
                "Die PIN war falsch. Bitte die PIN erneut eingeben."
            ),
            (
                0x8010_006C, "SCARD_W_CHV_BLOCKED", "the PIN is blocked after too many wrong entries",
                "Die PIN ist nach zu vielen Fehlversuchen gesperrt. Die Bürgerin oder der Bürger kann sie mit "
                    + "der PUK entsperren."
            ),
            (0x8010_006D, "SCARD_W_EOF", "the end of the card file was reached", "Die Karte hat keine weiteren Daten."),
            (
                0x8010_006E, "SCARD_W_CANCELLED_BY_USER", "the user cancelled the operation",
                "Der Vorgang wurde am Lesegerät abgebrochen."
            ),
            (
                0x8010_006F, "SCARD_W_CARD_NOT_AUTHENTICATED", "no PIN was presented to the card",
                "Die Karte verlangt zuerst die PIN."
            ),
        ]
        var table: [UInt32: PCSCReturnCode] = [:]
        for (code, name, english, german) in entries {
            table[code] = PCSCReturnCode(code: code, name: name, english: english, german: german)
        }
        return table
    }()
}
