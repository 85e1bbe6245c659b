/// Why a card-reader operation failed: PC/SC transport, malformed or unexpected card answers,
/// or a call that does not fit the device's life cycle (UnifiedPOS 1.16 §"Device states";
/// ISO/IEC 7816-4:2013 §5 for the APDU level).
public enum CardReaderError: Error, Equatable, Sendable, CustomStringConvertible {
    /// pcscd or the reader reported an error (card removed, reset, no service, timeout …).
    case pcsc(PCSCError)
    /// The card's answer is not a valid response APDU, or a command could not be built.
    case apdu(ISO7816APDUError)
    /// The card sent more data than the command allowed (Ne).
    case responseLongerThanExpected(received: Int, expected: Int)
    /// The card answered `status` to `command` where success was required.
    case unexpectedStatus(ISO7816StatusWord, command: String)
    /// A file read did not end within `limit` bytes; the card keeps sending data.
    case fileTooLong(limit: Int)
    /// The operation is not allowed in the device's current state.
    case wrongState(DeviceState, operation: String)
    /// The device must be claimed (and, where said, enabled) first.
    case notClaimed(operation: String)
    /// The configured reader is not connected.
    case readerNotFound(String?)
    /// No card is on the claimed reader.
    case noCard(reader: String)
    /// No card connection is open; connect to the card first.
    case notConnected
    /// Secure messaging with the card failed; the session must be established again.
    case secureMessaging(NPASecureMessagingError)

    public var description: String {
        switch self {
        case .pcsc(let error):
            return error.description
        case .apdu(let error):
            return "The card's answer is malformed: \(error)"
        case .responseLongerThanExpected(let received, let expected):
            return "The card sent \(received) data bytes where at most \(expected) were requested; "
                + "the card or reader is faulty. Remove and reinsert the card."
        case .unexpectedStatus(let status, let command):
            return "The card refused \(command) with status \(status)"
        case .fileTooLong(let limit):
            return "The file on the card is longer than \(limit) bytes or the card keeps sending data; reading stopped."
        case .wrongState(let state, let operation):
            return "Cannot \(operation) while the card reader is \(state); open, claim and enable it first."
        case .notClaimed(let operation):
            return "Cannot \(operation): the card reader is not claimed by this program."
        case .readerNotFound(let name):
            if let name { return "The card reader \"\(name)\" is not connected; plug it in or check the name." }
            return "No card reader is connected; plug one in."
        case .noCard(let reader):
            return "No card on the reader \"\(reader)\"; put the card on the reader."
        case .notConnected:
            return "There is no connection to a card; connect to the card first."
        case .secureMessaging(let error):
            return error.description
        }
    }

    /// What the clerk reads, in German: what happened and what to do. IT details stay in `description`.
    public var clerkMessage: String {
        switch self {
        case .pcsc(let error): return error.clerkMessage
        case .apdu, .responseLongerThanExpected, .unexpectedStatus, .fileTooLong, .secureMessaging:
            return "Die Karte hat unerwartet geantwortet. Bitte den Ausweis abnehmen, wieder ruhig auflegen und "
                + "den Schritt wiederholen."
        case .wrongState, .notClaimed, .notConnected:
            return "Das Kartenlesegerät ist noch nicht bereit. Bitte einen Moment warten und den Schritt wiederholen."
        case .readerNotFound:
            return "Das Kartenlesegerät ist nicht angeschlossen. Bitte das Lesegerät einstecken."
        case .noCard:
            return "Auf dem Lesegerät liegt keine Karte. Bitte den Ausweis auflegen."
        }
    }

    /// The card left the reader during or before the operation.
    public var isCardRemoved: Bool {
        switch self {
        case .pcsc(let error): return error.isCardGone
        case .noCard: return true
        default: return false
        }
    }
}
