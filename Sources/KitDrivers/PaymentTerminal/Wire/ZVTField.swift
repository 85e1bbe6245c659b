/// One BMP field of ZVT command data: tag byte plus value (ZVT spec rev. 13.x, the
/// "Bitmaps" list). The value keeps the raw bytes; typed readers live on `ZVTFieldList`.
public struct ZVTField: Sendable, Equatable {
    /// The value of a field.
    public enum Value: Sendable, Equatable {
        /// Value bytes of a fixed or variable length field (without LL/LLL length bytes).
        case bytes([UInt8])
        /// The TLV container of BMP 06.
        case tlv(ZVTTLVContainer)
    }

    /// The BMP tag byte.
    public let tag: UInt8
    /// The value.
    public let value: Value

    /// A fixed or variable length field; fails for unknown tags, BMP 06, and wrong lengths.
    public init(tag: UInt8, bytes: [UInt8]) throws(ZVTError) {
        guard let format = ZVTBMPFormat.of(tag) else { throw .unknownFieldTag(tag: tag, offset: 0) }
        switch format {
        case .fixed(let count):
            guard bytes.count == count else {
                throw .fieldLengthMismatch(tag: tag, expected: count, actual: bytes.count)
            }
        case .llvar, .lllvar:
            let maximum = format.maximumLength ?? 0
            guard bytes.count <= maximum else {
                throw .fieldTooLong(tag: tag, length: bytes.count, maximum: maximum)
            }
        case .tlvContainer:
            throw .wrongFieldKind(tag: tag)
        }
        self.tag = tag
        self.value = .bytes(bytes)
    }

    /// BMP 06 holding a TLV container.
    public init(tlv: ZVTTLVContainer) {
        self.tag = ZVTBMP.tlvContainer
        self.value = .tlv(tlv)
    }

    private init(uncheckedTag tag: UInt8, value: Value) {
        self.tag = tag
        self.value = value
    }

    /// The value bytes, or `nil` for BMP 06.
    public var bytes: [UInt8]? {
        if case .bytes(let bytes) = value { return bytes }
        return nil
    }

    /// The TLV container of BMP 06, `nil` for other fields.
    public var tlv: ZVTTLVContainer? {
        if case .tlv(let container) = value { return container }
        return nil
    }

    func encode(into output: inout [UInt8]) {
        output.append(tag)
        switch value {
        case .tlv(let container):
            container.encode(into: &output)
        case .bytes(let bytes):
            if let digits = ZVTBMPFormat.of(tag)?.lengthDigits {
                var divisor = digits == 3 ? 100 : 10
                while divisor > 0 {
                    output.append(0xF0 | UInt8((bytes.count / divisor) % 10))
                    divisor /= 10
                }
            }
            output += bytes
        }
    }

    /// Decodes one field at the cursor; the cursor only moves on success.
    static func decode(_ cursor: inout ZVTByteCursor) throws(ZVTError) -> ZVTField {
        var reader = cursor
        let start = reader.offset
        guard let tag = reader.readByte() else { throw .truncatedField(tag: 0, offset: start, needed: 1, available: 0) }
        guard let format = ZVTBMPFormat.of(tag) else { throw .unknownFieldTag(tag: tag, offset: start) }
        let field: ZVTField
        switch format {
        case .fixed(let count):
            guard let bytes = reader.read(count) else {
                throw .truncatedField(tag: tag, offset: start, needed: 1 + count, available: cursor.remaining)
            }
            field = ZVTField(uncheckedTag: tag, value: .bytes(bytes))
        case .llvar, .lllvar:
            let digits = format.lengthDigits ?? 0
            guard let lengthBytes = reader.read(digits) else {
                throw .truncatedField(tag: tag, offset: start, needed: 1 + digits, available: cursor.remaining)
            }
            var length = 0
            for byte in lengthBytes {
                guard byte & 0xF0 == 0xF0, byte & 0x0F <= 9 else {
                    throw .invalidVariableLength(tag: tag, offset: start, lengthBytes: lengthBytes)
                }
                length = length * 10 + Int(byte & 0x0F)
            }
            guard let bytes = reader.read(length) else {
                throw .truncatedField(
                    tag: tag, offset: start, needed: 1 + digits + length, available: cursor.remaining)
            }
            field = ZVTField(uncheckedTag: tag, value: .bytes(bytes))
        case .tlvContainer:
            field = ZVTField(uncheckedTag: tag, value: .tlv(try ZVTTLVContainer.decode(&reader)))
        }
        cursor = reader
        return field
    }
}

extension ZVTField {
    /// BMP 04: amount in cents as 6-byte BCD.
    public static func amount(cents: Int) throws(ZVTError) -> ZVTField {
        try ZVTField(tag: ZVTBMP.amount, bytes: ZVTBCD.amountBytes(cents: cents))
    }

    /// BMP 49: ISO 4217 numeric currency code as 2-byte BCD (978 = EUR).
    public static func currency(code: Int) throws(ZVTError) -> ZVTField {
        try ZVTField(tag: ZVTBMP.currency, bytes: ZVTBCD.encode(code, byteCount: 2))
    }

    /// BMP 19: payment type (authorization) or status byte (registration completion).
    public static func paymentType(_ value: UInt8) -> ZVTField {
        ZVTField(uncheckedTag: ZVTBMP.paymentType, value: .bytes([value]))
    }

    /// BMP 03: service byte.
    public static func serviceByte(_ value: UInt8) -> ZVTField {
        ZVTField(uncheckedTag: ZVTBMP.serviceByte, value: .bytes([value]))
    }

    /// BMP 01: timeout.
    public static func timeout(_ value: UInt8) -> ZVTField {
        ZVTField(uncheckedTag: ZVTBMP.timeout, value: .bytes([value]))
    }

    /// BMP 02: maximum number of status informations.
    public static func maximumStatusInformations(_ value: UInt8) -> ZVTField {
        ZVTField(uncheckedTag: ZVTBMP.maximumStatusInformations, value: .bytes([value]))
    }

    /// BMP 27: result code.
    public static func resultCode(_ code: ZVTResultCode) -> ZVTField {
        ZVTField(uncheckedTag: ZVTBMP.resultCode, value: .bytes([code.rawValue]))
    }

    /// BMP 0B: trace number, 3-byte BCD.
    public static func traceNumber(_ value: Int) throws(ZVTError) -> ZVTField {
        try ZVTField(tag: ZVTBMP.traceNumber, bytes: ZVTBCD.encode(value, byteCount: 3))
    }

    /// BMP 87: receipt number, 2-byte BCD.
    public static func receiptNumber(_ value: Int) throws(ZVTError) -> ZVTField {
        try ZVTField(tag: ZVTBMP.receiptNumber, bytes: ZVTBCD.encode(value, byteCount: 2))
    }

    /// BMP 88: turnover record number, 3-byte BCD.
    public static func turnoverNumber(_ value: Int) throws(ZVTError) -> ZVTField {
        try ZVTField(tag: ZVTBMP.turnoverNumber, bytes: ZVTBCD.encode(value, byteCount: 3))
    }

    /// BMP 17: card sequence number, 2-byte BCD.
    public static func cardSequenceNumber(_ value: Int) throws(ZVTError) -> ZVTField {
        try ZVTField(tag: ZVTBMP.cardSequenceNumber, bytes: ZVTBCD.encode(value, byteCount: 2))
    }

    /// BMP 29: terminal ID, eight decimal digits as 4-byte BCD.
    public static func terminalID(_ value: Int) throws(ZVTError) -> ZVTField {
        try ZVTField(tag: ZVTBMP.terminalID, bytes: ZVTBCD.encode(value, byteCount: 4))
    }

    /// BMP 0C: time hhmmss as 3-byte BCD.
    public static func time(hour: Int, minute: Int, second: Int) throws(ZVTError) -> ZVTField {
        try ZVTField(tag: ZVTBMP.time, bytes: ZVTBCD.pairs([hour, minute, second]))
    }

    /// BMP 0D: date MMDD as 2-byte BCD.
    public static func date(month: Int, day: Int) throws(ZVTError) -> ZVTField {
        try ZVTField(tag: ZVTBMP.date, bytes: ZVTBCD.pairs([month, day]))
    }

    /// BMP 0E: card expiry YYMM as 2-byte BCD (two-digit year).
    public static func expiryDate(year: Int, month: Int) throws(ZVTError) -> ZVTField {
        try ZVTField(tag: ZVTBMP.expiryDate, bytes: ZVTBCD.pairs([year % 100, month]))
    }

    /// BMP 2A: VU number (merchant number), 15 characters, padded with spaces.
    public static func vuNumber(_ text: String) throws(ZVTError) -> ZVTField {
        var bytes = try ZVTText.encode(text)
        if bytes.count < 15 { bytes += [UInt8](repeating: 0x20, count: 15 - bytes.count) }
        return try ZVTField(tag: ZVTBMP.vuNumber, bytes: bytes)
    }

    /// BMP 3C: additional text (LLLVAR).
    public static func additionalText(_ text: String) throws(ZVTError) -> ZVTField {
        try ZVTField(tag: ZVTBMP.additionalText, bytes: ZVTText.encode(text))
    }

    /// BMP 8B: card name (LLVAR), sent by terminals with a closing NUL byte.
    public static func cardName(_ text: String) throws(ZVTError) -> ZVTField {
        try ZVTField(tag: ZVTBMP.cardName, bytes: ZVTText.encode(text) + [0x00])
    }

    /// BMP 8A: ZVT card type.
    public static func cardType(_ value: UInt8) -> ZVTField {
        ZVTField(uncheckedTag: ZVTBMP.cardType, value: .bytes([value]))
    }

    /// BMP 8C: card type ID of the network operator.
    public static func cardTypeID(_ value: UInt8) -> ZVTField {
        ZVTField(uncheckedTag: ZVTBMP.cardTypeID, value: .bytes([value]))
    }

    /// BMP 06: TLV container.
    public static func tlv(_ nodes: [ZVTTLVNode]) throws(ZVTError) -> ZVTField {
        ZVTField(tlv: try ZVTTLVContainer(nodes))
    }
}

extension ZVTBCD {
    /// Encodes two-digit numbers (each 0…99) as one BCD byte each.
    static func pairs(_ values: [Int]) throws(ZVTError) -> [UInt8] {
        var bytes: [UInt8] = []
        for value in values {
            bytes += try encode(value, byteCount: 1)
        }
        return bytes
    }
}
