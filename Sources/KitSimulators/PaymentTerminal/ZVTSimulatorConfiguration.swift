/// How the simulated payment terminal behaves: card, approval rules, delays and injected faults.
/// It follows the terminal (PT) side of ZVT spec rev. 13.x; the rules here are the simulator's own.
public struct ZVTSimulatorConfiguration: Sendable, Equatable {
    /// Faults the simulator can inject on request.
    public enum Fault: String, Sendable, Equatable, CaseIterable, Codable {
        /// Never answer commands (no `80 00 00`): the ECR's T3 runs out.
        case noAck = "no-ack"
        /// The card holder aborts authorizations (06 1E 6C after "insert card").
        case abort
        /// Approve and journal an authorization, send its status information, then drop the link
        /// before the completion 06 0F (TCP: close the connection; serial: fall silent).
        case disconnectMidTransaction = "disconnect-mid-transaction"
        /// Write every message in small pieces with pauses (TCP reassembly, serial byte timing).
        case splitFrames = "split-frames"
        /// Before an authorization's first status: a vendor command, an empty 04 FF, and on serial
        /// line noise and a frame with a wrong checksum.
        case garbage
    }

    /// The simulated card.
    public enum Card: String, Sendable, Equatable, CaseIterable, Codable {
        /// A working girocard.
        case girocard
        /// A card on the blocked list: every payment is declined with 0x6E.
        case blocked
        /// An expired card: every payment is declined with 0x78.
        case expired
    }

    /// A copy of a payment receipt, as TLV 1F07 of a text block names it.
    public enum ReceiptCopy: String, Sendable, Equatable, CaseIterable, Codable {
        /// The merchant's copy (receipt type 01), signed or kept by the office.
        case merchant
        /// The card holder's copy (receipt type 02).
        case customer

        /// The receipt type byte of TLV 1F07.
        public var receiptType: UInt8 { self == .merchant ? 0x01 : 0x02 }
    }

    /// The card presented for payments.
    public var card: Card
    /// Faults to inject.
    public var faults: Set<Fault>
    /// How many commands the faults apply to (`nil`: all).
    public var faultCount: Int?
    /// Time the card holder takes to present the card (the ECR may abort meanwhile).
    public var cardDelay: Duration
    /// Extra pause between the status information and the completion of a payment.
    public var completionDelay: Duration
    /// How long to wait for the ECR's `80 00 00` after each terminal message.
    public var acknowledgementTimeout: Duration
    /// Terminal ID (BMP 29), eight digits.
    public var terminalID: Int
    /// Software version reported in completions.
    public var softwareVersion: String
    /// First trace number of a fresh journal.
    public var firstTraceNumber: Int
    /// Status byte (BMP 19) of the registration completion: 0x00 ready; bits such as 0x01
    /// "initialisation necessary" or 0x10 "vending machine mode" (Feig cVEND sends 0x10).
    public var registrationStatusByte: UInt8
    /// Whether the registration completion carries TLV 26, the list of permitted ZVT commands.
    public var listsPermittedCommands: Bool
    /// Payment receipt copies sent to an ECR that prints them, in this order.
    public var receiptCopies: [ReceiptCopy]

    public init(
        card: Card = .girocard, faults: Set<Fault> = [], faultCount: Int? = nil,
        cardDelay: Duration = .milliseconds(200), completionDelay: Duration = .zero,
        acknowledgementTimeout: Duration = .seconds(5), terminalID: Int = 29_001_234,
        softwareVersion: String = "KIT-SIM ZVT 1.0", firstTraceNumber: Int = 1, registrationStatusByte: UInt8 = 0x00,
        listsPermittedCommands: Bool = true, receiptCopies: [ReceiptCopy] = [.merchant, .customer]
    ) {
        self.card = card
        self.faults = faults
        self.faultCount = faultCount
        self.cardDelay = cardDelay
        self.completionDelay = completionDelay
        self.acknowledgementTimeout = acknowledgementTimeout
        self.terminalID = terminalID
        self.softwareVersion = softwareVersion
        self.firstTraceNumber = firstTraceNumber
        self.registrationStatusByte = registrationStatusByte
        self.listsPermittedCommands = listsPermittedCommands
        self.receiptCopies = receiptCopies
    }

    /// Result code for a payment of this amount with the configured card, `nil` for approval.
    /// Rules: blocked card → 0x6E, expired card → 0x78; amounts ending in 13 cents → 0x6E
    /// ("card on blocked list"), in 05 cents → 0x05 (issuer declined), in 78 cents → 0x78.
    public func declineCode(amountCents: Int) -> UInt8? {
        switch card {
        case .blocked: return 0x6E
        case .expired: return 0x78
        case .girocard: break
        }
        switch amountCents % 100 {
        case 13: return 0x6E
        case 5: return 0x05
        case 78: return 0x78
        default: return nil
        }
    }
}
