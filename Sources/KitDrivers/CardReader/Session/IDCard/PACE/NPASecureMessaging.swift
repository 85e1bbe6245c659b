/// Secure messaging of the German ID card after PACE (BSI TR-03110-3 §F; ISO/IEC 7816-4:2013
/// §10.2): data objects 87 (padding indicator + cryptogram; 85 for odd INS), 97 (Le),
/// 99 (processing status) and 8E (8-byte MAC), with the send sequence counter incremented before
/// each command and each response.
///
/// Both directions are here because they are two halves of one format: the driver uses
/// ``protect(_:)`` and ``unprotect(_:for:)``; a chip (the kit's card simulator) uses
/// ``unprotectCommand(_:)`` and ``protectResponse(_:)``. After any error the keys are out of
/// step and the object refuses further use.
public final class NPASecureMessaging: @unchecked Sendable {
    /// The OpenPACE context whose session keys protect the APDUs.
    public let context: NPAEACContext
    private var failed = false

    static let tagCryptogram = BERTLVTag.context(7, constructed: false)  // 87
    static let tagCryptogramOdd = BERTLVTag.context(5, constructed: false)  // 85
    static let tagLe = BERTLVTag.context(23, constructed: false)  // 97
    static let tagStatus = BERTLVTag.context(25, constructed: false)  // 99
    static let tagMAC = BERTLVTag.context(14, constructed: false)  // 8E

    /// Uses the session keys now set in `context` (after ``NPAEACContext/startPACESecureMessaging()``).
    public init(context: NPAEACContext) {
        self.context = context
    }

    /// Whether an error ended the session.
    public var isClosed: Bool { failed }

    // MARK: - Terminal side

    /// Wraps a plain command: CLA | 0C, data encrypted into 87/85, Le into 97, MAC into 8E.
    public func protect(_ command: ISO7816CommandAPDU) throws(NPASecureMessagingError) -> ISO7816CommandAPDU {
        try guarded { () throws(NPASecureMessagingError) -> ISO7816CommandAPDU in
            guard command.cla & 0x0C == 0, command.cla & 0x80 == 0 else {
                throw .unprotectableCommand(reason: "class byte already marks secure messaging or is proprietary")
            }
            try context.incrementSSC()
            let cla = command.cla | 0x0C
            var objects: [UInt8] = []
            if !command.data.isEmpty {
                objects += try cryptogramObject(command.data, oddInstruction: command.ins & 1 == 1)
            }
            if let ne = command.ne {
                objects += BERTLV.primitive(Self.tagLe, Self.leBytes(ne)).encoded
            }
            let header = pad([cla, command.ins, command.p1, command.p2])
            let mac = try context.mac(pad(header + objects))
            objects += BERTLV.primitive(Self.tagMAC, Array(mac.prefix(8))).encoded
            let extended = command.requiresExtendedLength || objects.count > 255
            do {
                return try ISO7816CommandAPDU(
                    cla: cla, ins: command.ins, p1: command.p1, p2: command.p2, data: objects,
                    ne: extended ? ISO7816CommandAPDU.maximumExtendedNe : ISO7816CommandAPDU.maximumShortNe)
            } catch {
                throw .unprotectableCommand(reason: "\(error)")
            }
        }
    }

    /// Checks and decrypts a protected response; returns the plain data and the status from 99.
    public func unprotect(
        _ response: ISO7816ResponseAPDU, for command: ISO7816CommandAPDU
    ) throws(NPASecureMessagingError) -> ISO7816ResponseAPDU {
        try guarded { () throws(NPASecureMessagingError) -> ISO7816ResponseAPDU in
            try context.incrementSSC()
            if response.data.isEmpty && response.statusWord != .success {
                throw .cardDroppedSecureMessaging(response.statusWord)
            }
            let objects = try Self.decodeObjects(response.data)
            guard let status = objects.first(where: { $0.tag == Self.tagStatus }), status.value.count == 2 else {
                throw .malformed(reason: "processing status (99) missing or not 2 bytes")
            }
            let cryptogram = objects.first { $0.tag == Self.tagCryptogram || $0.tag == Self.tagCryptogramOdd }
            try verifyMAC(objects, macInputTags: [Self.tagCryptogram, Self.tagCryptogramOdd, Self.tagStatus])
            var data: [UInt8] = []
            if let cryptogram {
                data = try decryptCryptogram(cryptogram)
            }
            return ISO7816ResponseAPDU(
                data: data, statusWord: ISO7816StatusWord(sw1: status.value[0], sw2: status.value[1]))
        }
    }

    // MARK: - Chip side

    /// Checks and decrypts a protected command (chip side).
    public func unprotectCommand(_ command: ISO7816CommandAPDU) throws(NPASecureMessagingError) -> ISO7816CommandAPDU {
        try guarded { () throws(NPASecureMessagingError) -> ISO7816CommandAPDU in
            try context.incrementSSC()
            guard command.cla & 0x0C == 0x0C else {
                throw .malformed(reason: "command without secure-messaging class bits")
            }
            let objects = try Self.decodeObjects(command.data)
            guard objects.last?.tag == Self.tagMAC else { throw .malformed(reason: "MAC (8E) missing") }
            let header = pad([command.cla, command.ins, command.p1, command.p2])
            let covered = objects.filter { $0.tag != Self.tagMAC }.flatMap(\.encoded)
            let expected = try context.mac(pad(header + covered))
            guard let mac = objects.last?.value, Self.constantTimeEqual(mac, Array(expected.prefix(8))) else {
                throw .macMismatch
            }
            var data: [UInt8] = []
            if let cryptogram = objects.first(where: { $0.tag == Self.tagCryptogram || $0.tag == Self.tagCryptogramOdd }
            ) {
                data = try decryptCryptogram(cryptogram)
            }
            var ne: Int?
            if let le = objects.first(where: { $0.tag == Self.tagLe }) {
                switch le.value.count {
                case 1: ne = le.value[0] == 0 ? 256 : Int(le.value[0])
                case 2:
                    let value = Int(le.value[0]) << 8 | Int(le.value[1])
                    ne = value == 0 ? 65_536 : value
                default: throw .malformed(reason: "Le object (97) of \(le.value.count) bytes")
                }
            }
            do {
                return try ISO7816CommandAPDU(
                    cla: command.cla & ~0x0C, ins: command.ins, p1: command.p1, p2: command.p2, data: data, ne: ne)
            } catch {
                throw .malformed(reason: "\(error)")
            }
        }
    }

    /// Protects a plain response (chip side): 87 with the data, 99 with the status, 8E.
    public func protectResponse(_ response: ISO7816ResponseAPDU) throws(NPASecureMessagingError) -> ISO7816ResponseAPDU
    {
        try guarded { () throws(NPASecureMessagingError) -> ISO7816ResponseAPDU in
            try context.incrementSSC()
            var objects: [UInt8] = []
            if !response.data.isEmpty {
                objects += try cryptogramObject(response.data, oddInstruction: false)
            }
            objects += BERTLV.primitive(Self.tagStatus, [response.statusWord.sw1, response.statusWord.sw2]).encoded
            let mac = try context.mac(pad(objects))
            objects += BERTLV.primitive(Self.tagMAC, Array(mac.prefix(8))).encoded
            return ISO7816ResponseAPDU(data: objects, statusWord: response.statusWord)
        }
    }

    // MARK: - Helpers

    private func guarded<T>(_ body: () throws(NPASecureMessagingError) -> T) throws(NPASecureMessagingError) -> T {
        guard !failed else { throw .sessionClosed }
        do {
            return try body()
        } catch {
            failed = true
            throw error
        }
    }

    private func pad(_ bytes: [UInt8]) -> [UInt8] {
        Self.pad(bytes, blockSize: context.blockSize)
    }

    /// ISO/IEC 9797-1 padding method 2: 80 then zeros to a multiple of the block size.
    static func pad(_ bytes: [UInt8], blockSize: Int) -> [UInt8] {
        var padded = bytes + [0x80]
        while padded.count % max(1, blockSize) != 0 { padded.append(0) }
        return padded
    }

    /// Removes ISO/IEC 9797-1 padding method 2.
    static func unpad(_ bytes: [UInt8]) -> [UInt8]? {
        guard let marker = bytes.lastIndex(where: { $0 != 0 }), bytes[marker] == 0x80 else { return nil }
        return Array(bytes[..<marker])
    }

    private func cryptogramObject(_ data: [UInt8], oddInstruction: Bool) throws(NPASecureMessagingError) -> [UInt8] {
        let encrypted = try context.encrypt(pad(data))
        if oddInstruction {
            return BERTLV.primitive(Self.tagCryptogramOdd, encrypted).encoded
        }
        return BERTLV.primitive(Self.tagCryptogram, [0x01] + encrypted).encoded
    }

    private func decryptCryptogram(_ object: BERTLV) throws(NPASecureMessagingError) -> [UInt8] {
        var encrypted = object.value
        if object.tag == Self.tagCryptogram {
            guard encrypted.first == 0x01 else {
                throw .malformed(reason: "cryptogram (87) without padding indicator 01")
            }
            encrypted.removeFirst()
        }
        guard !encrypted.isEmpty, encrypted.count % context.blockSize == 0 else {
            throw .malformed(reason: "cryptogram of \(encrypted.count) bytes is not a whole number of blocks")
        }
        guard let plain = Self.unpad(try context.decrypt(encrypted)) else { throw .badPadding }
        return plain
    }

    private func verifyMAC(_ objects: [BERTLV], macInputTags: Set<BERTLVTag>) throws(NPASecureMessagingError) {
        guard let macObject = objects.first(where: { $0.tag == Self.tagMAC }) else {
            throw .malformed(reason: "MAC (8E) missing")
        }
        let covered = objects.filter { macInputTags.contains($0.tag) }.flatMap(\.encoded)
        let expected = try context.mac(pad(covered))
        guard Self.constantTimeEqual(macObject.value, Array(expected.prefix(8))) else { throw .macMismatch }
    }

    static func decodeObjects(_ bytes: [UInt8]) throws(NPASecureMessagingError) -> [BERTLV] {
        do {
            let objects = try BERTLVDecoder(options: .init(maximumDepth: 2)).decodeAll(bytes)
            for object in objects where object.tag.isConstructed {
                throw NPASecureMessagingError.malformed(reason: "constructed object \(object.tag) in a protected APDU")
            }
            return objects
        } catch let error as NPASecureMessagingError {
            throw error
        } catch {
            throw .malformed(reason: "\(error)")
        }
    }

    static func leBytes(_ ne: Int) -> [UInt8] {
        if ne <= 256 { return [UInt8(truncatingIfNeeded: ne == 256 ? 0 : ne)] }
        let value = ne == 65_536 ? 0 : ne
        return [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }
}
