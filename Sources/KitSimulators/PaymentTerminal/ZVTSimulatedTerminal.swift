import Foundation
import KitDrivers

/// One thing the simulator's I/O loop does next, in order (terminal side of ZVT spec rev. 13.x,
/// chapter 2 message flows).
public enum ZVTSimulatorStep: Sendable, Equatable {
    /// Answer the ECR's command with `80 00 00` (no answer expected).
    case acknowledge
    /// Answer with `84 xx 00` (no answer expected).
    case refuse(UInt8)
    /// Send a terminal message (one APDU's bytes) and wait for the ECR's `80 00 00`.
    case send([UInt8])
    /// Send raw APDU bytes (hostile input) and wait for whatever the ECR answers.
    case sendGarbage([UInt8])
    /// Serial only: write bytes outside any frame, or a frame with a wrong checksum.
    case lineNoise([UInt8])
    /// The card holder needs this long; an Abort 06 B0 from the ECR arriving now aborts.
    case waitForCard(Duration)
    /// Pause.
    case pause(Duration)
    /// Book the journal change (from here on the transaction exists).
    case commit(ZVTSimulatorJournal)
    /// Drop the connection.
    case disconnect
}

/// The terminal (PT) side of ZVT as a pure state machine (ZVT spec rev. 13.x, chapters 2 and 3):
/// for each ECR command it returns the script a terminal plays — acknowledgement, intermediate
/// status 04 FF, status information 04 0F with trace and receipt numbers, print lines 06 D1 or a
/// text block 06 D3, completion 06 0F or abort 06 1E — and the journal change to book.
public struct ZVTSimulatedTerminal: Sendable {
    public let configuration: ZVTSimulatorConfiguration
    /// The journal as booked so far.
    public private(set) var journal: ZVTSimulatorJournal
    private var faultsLeft: Int?
    private let clock: @Sendable () -> Date

    public init(
        configuration: ZVTSimulatorConfiguration, journal: ZVTSimulatorJournal? = nil,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.journal = journal ?? ZVTSimulatorJournal(firstTraceNumber: configuration.firstTraceNumber)
        self.faultsLeft = configuration.faultCount
        self.clock = clock
    }

    /// Books a journal produced by a `.commit` step.
    public mutating func book(_ updated: ZVTSimulatorJournal) {
        journal = updated
    }

    /// The script after the ECR sent Abort 06 B0 while the card was awaited.
    public func abortScript() -> [ZVTSimulatorStep] {
        [.send(Self.abort(0x6C))]
    }

    /// The script for one frame received from the ECR.
    public mutating func handle(frame: [UInt8]) -> [ZVTSimulatorStep] {
        let message: ZVTMessage
        do {
            message = try ZVTMessage.decode(frame)
        } catch {
            return [.refuse(0x9A)]
        }
        if case .acknowledgement = message { return [] }
        if case .negativeAcknowledgement = message { return [] }
        count(message)
        if activeFault(.noAck, consume: true) { return [] }
        switch message {
        case .registration(let registration):
            var updated = journal
            updated.registrationConfig = Int(registration.config.rawValue)
            return [.commit(updated), .acknowledge, .send(registrationCompletion(registration))]
        case .authorization(let authorization):
            return authorizationScript(authorization)
        case .reversal(let body):
            return reversalScript(body)
        case .refund(let body):
            return refundScript(body)
        case .endOfDay:
            return endOfDayScript()
        case .diagnosis:
            return [.acknowledge, .send(Self.intermediate(0x0E))]
                + receipt(
                    ["DIAGNOSE", "Verbindung zum Rechenzentrum OK", "Terminal-ID \(configuration.terminalID)"],
                    admin: true)
                + [.send(completion(withVersion: false))]
        case .statusEnquiry:
            return [.acknowledge, .send(completion(withVersion: true))]
        case .repeatReceipt:
            return repeatReceiptScript()
        case .logOff:
            return [.acknowledge]
        case .abortRequest:
            return [.acknowledge]
        case .sendTurnoverTotals, .resetTerminal:
            return [.acknowledge, .send(completion(withVersion: false))]
        default:
            return [.refuse(0x83)]
        }
    }

    // MARK: - Scripts

    private mutating func authorizationScript(_ authorization: ZVTAuthorization) -> [ZVTSimulatorStep] {
        var counted = journal
        counted.authorizationRequests += 1
        guard let amount = (try? authorization.amountCents) ?? nil, amount > 0 else {
            return [.commit(counted), .refuse(0x9A)]
        }
        if let currency = (try? authorization.fields.currencyCode) ?? nil, currency != 978 {
            return [.commit(counted), .acknowledge, .send(Self.abort(0x6F))]
        }
        var steps: [ZVTSimulatorStep] = [.commit(counted), .acknowledge]
        if activeFault(.garbage, consume: false) {
            steps += garbageSteps()
        }
        steps.append(.send(Self.intermediate(0x0A)))
        if activeFault(.abort, consume: true) {
            return steps + [.pause(configuration.cardDelay), .send(Self.abort(0x6C))]
        }
        _ = activeFault(.garbage, consume: true)
        steps += [.waitForCard(configuration.cardDelay), .send(Self.intermediate(0x04))]
        var booked = counted
        let trace = booked.nextTraceNumber
        booked.nextTraceNumber += 1
        let card = cardData()
        if let code = configuration.declineCode(amountCents: amount) {
            booked.entries.append(
                .init(
                    kind: "authorization", approved: false, resultCode: Int(code), amountCents: amount,
                    traceNumber: trace, receiptNumber: nil, originalTraceNumber: nil, reversed: false,
                    batch: booked.batch, maskedPAN: card.masked, cardName: card.name))
            let status = statusInformation(
                resultCode: code, amount: amount, trace: trace, receipt: nil, originalTrace: nil)
            let text = ZVTResultCode(code).germanText ?? "Abgelehnt"
            return steps + [.commit(booked), .send(status)]
                + receipt(["KARTENZAHLUNG", "Betrag EUR \(Self.euro(amount))", "Abbruch: \(text)"], admin: false)
                + [.send(Self.abort(code))]
        }
        let receiptNumber = booked.nextReceiptNumber
        booked.nextReceiptNumber += 1
        booked.approvedAuthorizations += 1
        booked.entries.append(
            .init(
                kind: "authorization", approved: true, resultCode: 0, amountCents: amount, traceNumber: trace,
                receiptNumber: receiptNumber, originalTraceNumber: nil, reversed: false, batch: booked.batch,
                maskedPAN: card.masked, cardName: card.name))
        steps += [
            .commit(booked),
            .send(
                statusInformation(
                    resultCode: 0, amount: amount, trace: trace, receipt: receiptNumber, originalTrace: nil)),
        ]
        if activeFault(.disconnectMidTransaction, consume: true) {
            return steps + [.disconnect]
        }
        steps += receipt(
            paymentReceipt(title: "KARTENZAHLUNG", amount: amount, trace: trace, receipt: receiptNumber), admin: false)
        if configuration.completionDelay > .zero { steps.append(.pause(configuration.completionDelay)) }
        return steps + [.send(Self.intermediate(0x0B)), .send(completion(withVersion: false))]
    }

    private func reversalScript(_ body: ZVTPasswordCommand) -> [ZVTSimulatorStep] {
        guard let receiptNumber = (try? body.fields.receiptNumber) ?? nil else { return [.refuse(0x9A)] }
        guard
            let index = journal.entries.lastIndex(where: {
                $0.kind == "authorization" && $0.approved && $0.receiptNumber == receiptNumber
            })
        else {
            return [.acknowledge, .send(Self.abort(0xB5))]
        }
        let original = journal.entries[index]
        if original.reversed { return [.acknowledge, .send(Self.abort(0xB4))] }
        if original.batch != journal.batch { return [.acknowledge, .send(Self.abort(0xB5))] }
        var booked = journal
        booked.entries[index].reversed = true
        let trace = booked.nextTraceNumber
        booked.nextTraceNumber += 1
        let newReceipt = booked.nextReceiptNumber
        booked.nextReceiptNumber += 1
        booked.entries.append(
            .init(
                kind: "reversal", approved: true, resultCode: 0, amountCents: original.amountCents, traceNumber: trace,
                receiptNumber: newReceipt, originalTraceNumber: original.traceNumber, reversed: false,
                batch: booked.batch, maskedPAN: original.maskedPAN, cardName: original.cardName))
        return [
            .acknowledge, .send(Self.intermediate(0x0A)), .waitForCard(configuration.cardDelay), .commit(booked),
            .send(
                statusInformation(
                    resultCode: 0, amount: original.amountCents, trace: trace, receipt: newReceipt,
                    originalTrace: original.traceNumber)),
        ]
            + receipt(
                paymentReceipt(title: "STORNO", amount: original.amountCents, trace: trace, receipt: newReceipt),
                admin: false)
            + [.send(completion(withVersion: false))]
    }

    private func refundScript(_ body: ZVTPasswordCommand) -> [ZVTSimulatorStep] {
        guard let amount = (try? body.fields.amountCents) ?? nil, amount > 0 else { return [.refuse(0x9A)] }
        var booked = journal
        let trace = booked.nextTraceNumber
        booked.nextTraceNumber += 1
        let receiptNumber = booked.nextReceiptNumber
        booked.nextReceiptNumber += 1
        let card = cardData()
        booked.entries.append(
            .init(
                kind: "refund", approved: true, resultCode: 0, amountCents: amount, traceNumber: trace,
                receiptNumber: receiptNumber, originalTraceNumber: nil, reversed: false, batch: booked.batch,
                maskedPAN: card.masked, cardName: card.name))
        return [
            .acknowledge, .send(Self.intermediate(0x0A)), .waitForCard(configuration.cardDelay), .commit(booked),
            .send(
                statusInformation(
                    resultCode: 0, amount: amount, trace: trace, receipt: receiptNumber, originalTrace: nil)),
        ]
            + receipt(
                paymentReceipt(title: "GUTSCHRIFT", amount: amount, trace: trace, receipt: receiptNumber), admin: false)
            + [.send(completion(withVersion: false))]
    }

    private func endOfDayScript() -> [ZVTSimulatorStep] {
        var booked = journal
        let inBatch = booked.entries.filter { $0.batch == booked.batch && $0.approved }
        var total = 0
        var counted = 0
        for entry in inBatch {
            switch entry.kind {
            case "authorization" where !entry.reversed:
                total += entry.amountCents
                counted += 1
            case "refund":
                total -= entry.amountCents
                counted += 1
            default: break
            }
        }
        let trace = booked.nextTraceNumber
        booked.nextTraceNumber += 1
        booked.entries.append(
            .init(
                kind: "endOfDay", approved: true, resultCode: 0, amountCents: max(0, total), traceNumber: trace,
                receiptNumber: nil, originalTraceNumber: nil, reversed: false, batch: booked.batch, maskedPAN: "",
                cardName: ""))
        let batch = booked.batch
        booked.batch += 1
        let receiptNumbers = inBatch.compactMap(\.receiptNumber)
        var fields: [ZVTField] = [ZVTField.resultCode(.success)]
        if let field = try? ZVTField.amount(cents: max(0, total)) { fields.append(field) }
        if let field = try? ZVTField.traceNumber(trace) { fields.append(field) }
        fields += dateAndTime()
        if let field = try? ZVTField.terminalID(configuration.terminalID) { fields.append(field) }
        if let totals = try? ZVTIndividualTotals(
            firstReceiptNumber: receiptNumbers.min() ?? 0, lastReceiptNumber: receiptNumbers.max() ?? 0,
            totals: [.init(group: .girocard, count: counted, cents: max(0, total))]),
            let field = try? ZVTField.individualTotals(totals)
        {
            fields.append(field)
        }
        return [
            .acknowledge, .commit(booked),
            .send(Self.apdu(0x04, 0x0F, ZVTFieldList(fields).encode())),
        ]
            + receipt(
                [
                    "KASSENSCHNITT", "Batch \(batch)", "Umsätze \(counted)",
                    "Summe EUR \(Self.euro(max(0, total)))",
                ],
                admin: true)
            + [.send(completion(withVersion: false))]
    }

    /// BMP 0C time and 0D date of now.
    private func dateAndTime() -> [ZVTField] {
        let now = Calendar(identifier: .gregorian).dateComponents(
            [.month, .day, .hour, .minute, .second], from: clock())
        var fields: [ZVTField] = []
        if let field = try? ZVTField.time(hour: now.hour ?? 0, minute: now.minute ?? 0, second: now.second ?? 0) {
            fields.append(field)
        }
        if let field = try? ZVTField.date(month: now.month ?? 1, day: now.day ?? 1) { fields.append(field) }
        return fields
    }

    private func repeatReceiptScript() -> [ZVTSimulatorStep] {
        guard let last = journal.entries.last(where: { $0.kind != "endOfDay" }) else {
            return [.acknowledge, .send(Self.abort(0x83))]
        }
        let status = statusInformation(
            resultCode: UInt8(truncatingIfNeeded: last.resultCode), amount: last.amountCents, trace: last.traceNumber,
            receipt: last.receiptNumber, originalTrace: last.originalTraceNumber, maskedPAN: last.maskedPAN)
        var lines = ["** DUPLIKAT **"]
        if let receiptNumber = last.receiptNumber {
            lines += paymentReceipt(
                title: last.kind == "reversal" ? "STORNO" : (last.kind == "refund" ? "GUTSCHRIFT" : "KARTENZAHLUNG"),
                amount: last.amountCents, trace: last.traceNumber, receipt: receiptNumber)
        } else {
            lines += ["KARTENZAHLUNG", "Betrag EUR \(Self.euro(last.amountCents))", "Abgelehnt"]
        }
        return [.acknowledge, .send(status)] + receipt(lines, admin: false) + [.send(completion(withVersion: false))]
    }

    private func garbageSteps() -> [ZVTSimulatorStep] {
        var steps: [ZVTSimulatorStep] = [
            .sendGarbage([0x0F, 0x0A, 0x02, 0x12, 0x34]),  // a vendor command the ECR does not know
            .sendGarbage([0x04, 0xFF, 0x00]),  // intermediate status without status byte
            .sendGarbage([0x04, 0x0F, 0x04, 0x22, 0xF9, 0x12, 0x34]),  // a PAN field announcing 99 bytes
        ]
        steps.append(.lineNoise([0x55, 0xAA, 0x00, 0xFF]))
        return steps
    }

    // MARK: - Messages

    private func cardData() -> (masked: String, name: String, panBytes: [UInt8]) {
        // 672559******1234: masked digits travel as E nibbles, as terminals send them.
        ("672559******1234", "girocard", [0x67, 0x25, 0x59, 0xEE, 0xEE, 0xEE, 0x12, 0x34])
    }

    private func statusInformation(
        resultCode: UInt8, amount: Int, trace: Int, receipt: Int?, originalTrace: Int?, maskedPAN: String? = nil
    ) -> [UInt8] {
        var fields: [ZVTField] = [ZVTField.resultCode(ZVTResultCode(resultCode))]
        if let field = try? ZVTField.amount(cents: amount) { fields.append(field) }
        if let field = try? ZVTField.traceNumber(trace) { fields.append(field) }
        if let originalTrace,
            let field = try? ZVTField(
                tag: ZVTBMP.originalTraceNumber, bytes: ZVTBCD.encode(originalTrace, byteCount: 3))
        {
            fields.append(field)
        }
        fields += dateAndTime()
        if maskedPAN != "" {
            if let field = try? ZVTField(tag: ZVTBMP.pan, bytes: cardData().panBytes) { fields.append(field) }
        }
        if let field = try? ZVTField.terminalID(configuration.terminalID) { fields.append(field) }
        if let field = try? ZVTField.vuNumber("KITSIM0000001") { fields.append(field) }
        if let field = try? ZVTField.currency(code: 978) { fields.append(field) }
        if let receipt, let field = try? ZVTField.receiptNumber(receipt) { fields.append(field) }
        fields.append(.cardType(0x05))
        if let field = try? ZVTField.cardName(cardData().name) { fields.append(field) }
        return Self.apdu(0x04, 0x0F, ZVTFieldList(fields).encode())
    }

    private func paymentReceipt(title: String, amount: Int, trace: Int, receipt: Int) -> [String] {
        [
            "KIT-SIM ZAHLUNGSTERMINAL", title, "Betrag EUR \(Self.euro(amount))", cardData().name,
            "Karte \(cardData().masked)", "Terminal-ID \(configuration.terminalID)",
            "Trace \(trace)  Beleg \(receipt)", "Zahlung erfolgt",
        ]
    }

    /// Receipt lines as print lines or as text blocks, as the registration asked; none when the
    /// terminal prints itself. Payment receipts go out once per configured copy (merchant, then
    /// customer, as terminals print them), administration receipts once.
    private func receipt(_ lines: [String], admin: Bool) -> [ZVTSimulatorStep] {
        let config = ZVTRegistrationConfig(rawValue: UInt8(truncatingIfNeeded: journal.registrationConfig ?? 0x06))
        let ecrPrints =
            admin ? config.contains(.ecrPrintsAdministrationReceipts) : config.contains(.ecrPrintsPaymentReceipts)
        guard ecrPrints else { return [] }
        var copies: [(type: UInt8, lines: [String])] = []
        if admin {
            copies.append((type: 0x03, lines: lines))
        } else {
            for copy in configuration.receiptCopies {
                copies.append(
                    (type: copy.receiptType, lines: [copy == .merchant ? "HÄNDLERBELEG" : "KUNDENBELEG"] + lines))
            }
        }
        var steps: [ZVTSimulatorStep] = []
        for copy in copies {
            if config.contains(.receiptsAsTextBlocks),
                let block = try? ZVTPrintTextBlock(lines: copy.lines, receiptType: copy.type),
                let apdu = Self.bytes(.printTextBlock(block))
            {
                steps.append(.send(apdu))
                continue
            }
            steps += copy.lines.enumerated().compactMap { index, line in
                let attribute: UInt8 = index == copy.lines.count - 1 ? 0xFF : 0x00
                guard let printLine = try? ZVTPrintLine(attribute: attribute, text: line),
                    let apdu = Self.bytes(.printLine(printLine))
                else { return nil }
                return .send(apdu)
            }
        }
        return steps
    }

    /// Completion of a registration as terminals send it (ZVT spec rev. 13.x, 06 00): BMP 19
    /// status byte, 29 terminal ID, 49 currency (only when the ECR sent one), and a TLV container
    /// with 26, the list of commands this terminal accepts.
    private func registrationCompletion(_ registration: ZVTRegistration) -> [UInt8] {
        var fields: [ZVTField] = [.paymentType(configuration.registrationStatusByte)]
        if let field = try? ZVTField.terminalID(configuration.terminalID) { fields.append(field) }
        if registration.currencyCode != nil, let field = try? ZVTField.currency(code: 978) { fields.append(field) }
        if configuration.listsPermittedCommands,
            let field = try? ZVTField.tlv([Self.permittedCommands()].compactMap { $0 })
        {
            fields.append(field)
        }
        return Self.apdu(0x06, 0x0F, ZVTFieldList(fields).encode())
    }

    /// TLV 26 with one 0A entry per command `handle(frame:)` answers.
    static func permittedCommands() -> ZVTTLVNode? {
        let commands: [[UInt8]] = [
            [0x06, 0x00], [0x06, 0x01], [0x06, 0x02], [0x06, 0x10], [0x06, 0x18], [0x06, 0x20], [0x06, 0x30],
            [0x06, 0x31], [0x06, 0x50], [0x06, 0x70], [0x06, 0xB0], [0x05, 0x01],
        ]
        guard let list = ZVTTLVTag(0x26), let entry = ZVTTLVTag(0x0A) else { return nil }
        var children: [ZVTTLVNode] = []
        for command in commands {
            guard let node = try? ZVTTLVNode(tag: entry, value: command) else { return nil }
            children.append(node)
        }
        return try? ZVTTLVNode(tag: list, children: children)
    }

    private func completion(withVersion: Bool) -> [UInt8] {
        guard withVersion,
            let version = try? ZVTText.encode(configuration.softwareVersion),
            let body = try? ZVTCompletion(softwareVersion: version, terminalStatus: 0x00),
            let apdu = Self.bytes(.completion(body))
        else { return Self.apdu(0x06, 0x0F, []) }
        return apdu
    }

    static func intermediate(_ status: UInt8) -> [UInt8] { apdu(0x04, 0xFF, [status]) }

    static func abort(_ code: UInt8) -> [UInt8] { apdu(0x06, 0x1E, [code]) }

    /// `CLASS INSTR LEN DATA`, with the extended length form from 255 data bytes on.
    static func apdu(_ commandClass: UInt8, _ instruction: UInt8, _ data: [UInt8]) -> [UInt8] {
        let body = Array(data.prefix(0xFFFF))
        if body.count < 0xFF { return [commandClass, instruction, UInt8(body.count)] + body }
        return [commandClass, instruction, 0xFF, UInt8(body.count & 0xFF), UInt8(body.count >> 8)] + body
    }

    static func bytes(_ message: ZVTMessage) -> [UInt8]? {
        try? message.encode()
    }

    static func euro(_ cents: Int) -> String {
        let euros = cents / 100
        let rest = cents % 100
        return "\(euros)," + (rest < 10 ? "0\(rest)" : "\(rest)")
    }

    // MARK: - Counting and faults

    private mutating func count(_ message: ZVTMessage) {
        let name: String
        switch message {
        case .registration: name = "registration"
        case .authorization: name = "authorization"
        case .reversal: name = "reversal"
        case .refund: name = "refund"
        case .endOfDay: name = "endOfDay"
        case .diagnosis: name = "diagnosis"
        case .statusEnquiry: name = "statusEnquiry"
        case .repeatReceipt: name = "repeatReceipt"
        case .logOff: name = "logOff"
        case .abortRequest: name = "abort"
        default: name = "other"
        }
        journal.commands[name, default: 0] += 1
    }

    private mutating func activeFault(_ fault: ZVTSimulatorConfiguration.Fault, consume: Bool) -> Bool {
        guard configuration.faults.contains(fault) else { return false }
        if let left = faultsLeft {
            guard left > 0 else { return false }
            if consume { faultsLeft = left - 1 }
        }
        return true
    }

    /// Whether frames should currently be written in pieces.
    public var splitsFrames: Bool {
        configuration.faults.contains(.splitFrames) && (faultsLeft.map { $0 > 0 } ?? true)
    }
}
