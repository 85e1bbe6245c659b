/// A German ID card after PACE, Terminal and Chip Authentication: the secure channel with the
/// Chip Authentication keys and the rights the terminal holds (BSI TR-03110-2 §3.3-3.4), with
/// the data-group accesses of the Änderungsterminal in the eID application (TR-03110-4 §2.2,
/// DG17 place of residence: FID 0111, SFI 11, encoding TR-03127 / ``NPAPlaceOfResidence``).
public struct NPAAuthenticatedCard: Sendable {
    /// The secure channel (Chip Authentication session keys).
    public let channel: NPASecureChannel
    /// The rights the terminal's certificate chain grants; the card enforces the same.
    public let effectiveRights: NPAAuthenticationTerminalRights
    /// CHR of the terminal certificate used.
    public let terminalHolder: String

    /// Creates the value (after ``NPAChangeTerminal/authenticate(over:password:digits:credentials:today:)``).
    public init(channel: NPASecureChannel, effectiveRights: NPAAuthenticationTerminalRights, terminalHolder: String) {
        self.channel = channel
        self.effectiveRights = effectiveRights
        self.terminalHolder = terminalHolder
    }

    static let chunk = 0xDF

    /// Reads DG17 (place of residence).
    public func readPlaceOfResidence() async throws(NPAEACError) -> NPAPlaceOfResidence {
        let bytes = try await readDataGroup(17, sfi: NPAFile.dg17.sfi)
        do {
            return try NPAPlaceOfResidence(bytes: bytes)
        } catch {
            throw .dataGroup(error)
        }
    }

    /// Reads DG4, DG5 and DG8 (given names, family names, date of birth).
    public func readIdentity() async throws(NPAEACError) -> NPAIdentity {
        let dg4 = try await readDataGroup(4, sfi: NPAIdentity.File.dg4.sfi)
        let dg5 = try await readDataGroup(5, sfi: NPAIdentity.File.dg5.sfi)
        let dg8 = try await readDataGroup(8, sfi: NPAIdentity.File.dg8.sfi)
        do {
            return try NPAIdentity(dg4: dg4, dg5: dg5, dg8: dg8)
        } catch {
            throw .dataGroup(error)
        }
    }

    /// The identity check of the Änderungsterminal: identity (DG4, DG5, DG8) and address (DG17).
    public func checkIdentity() async throws(NPAEACError) -> NPAIdentityCheck {
        NPAIdentityCheck(
            identity: try await readIdentity(), placeOfResidence: try await readPlaceOfResidence(),
            terminalHolder: terminalHolder)
    }

    /// Writes a new DG17 (needs the right "write DG17") and returns the bytes written.
    @discardableResult
    public func writePlaceOfResidence(_ place: NPAPlaceOfResidence) async throws(NPAEACError) -> [UInt8] {
        let operation = "write the address (DG17)"
        guard effectiveRights.contains(.write(dataGroup: 17)) else {
            throw .notAllowed(operation: operation, right: .write(dataGroup: 17))
        }
        var bytes: [UInt8]
        do {
            bytes = try place.encoded()
        } catch {
            throw .dataGroup(error)
        }
        // A shorter address must not leave the old one's tail behind: pad to the old length.
        if effectiveRights.contains(.read(dataGroup: 17)) {
            let old = try await readDataGroup(17, sfi: NPAFile.dg17.sfi)
            if old.count > bytes.count { bytes += [UInt8](repeating: 0, count: old.count - bytes.count) }
        }
        try await selectEIDApplication()
        var offset = 0
        while offset < bytes.count {
            let part = Array(bytes[offset..<min(bytes.count, offset + Self.chunk)])
            let response = try await NPATerminalAuthentication.send(
                channel,
                { () throws(ISO7816APDUError) -> ISO7816CommandAPDU in
                    if offset == 0 {
                        return try .updateBinary(shortFileIdentifier: NPAFile.dg17.sfi, offset: 0, data: part)
                    }
                    return try .updateBinary(offset: offset, data: part)
                })
            try check(response.statusWord, operation: operation, right: .write(dataGroup: 17))
            offset += part.count
        }
        return bytes
    }

    /// Reads data group `number` through its short EF identifier.
    public func readDataGroup(_ number: Int, sfi: UInt8) async throws(NPAEACError) -> [UInt8] {
        let operation = "read DG\(number)"
        guard effectiveRights.contains(.read(dataGroup: number)) else {
            throw .notAllowed(operation: operation, right: .read(dataGroup: number))
        }
        try await selectEIDApplication()
        var content: [UInt8] = []
        while true {
            let offset = content.count
            let response = try await NPATerminalAuthentication.send(
                channel,
                { () throws(ISO7816APDUError) -> ISO7816CommandAPDU in
                    if offset == 0 {
                        return try .readBinary(shortFileIdentifier: sfi, offset: 0, ne: Self.chunk)
                    }
                    return try .readBinary(offset: offset, ne: Self.chunk)
                })
            switch response.statusWord.rawValue {
            case 0x9000, 0x6282:
                content += response.data
            case 0x6B00 where !content.isEmpty:
                return content
            default:
                try check(response.statusWord, operation: operation, right: .read(dataGroup: number))
            }
            if content.count > 0x7FFF {
                throw .transport(.fileTooLong(limit: 0x7FFF))
            }
            if response.statusWord.rawValue == 0x6282 || response.data.count < Self.chunk { return content }
        }
    }

    private func selectEIDApplication() async throws(NPAEACError) {
        let response = try await NPATerminalAuthentication.send(
            channel,
            { () throws(ISO7816APDUError) in
                try .selectApplication(NPAFile.eIDApplicationAID)
            })
        guard response.statusWord == .success else {
            throw .transport(.unexpectedStatus(response.statusWord, command: "SELECT eID application"))
        }
    }

    private func check(
        _ status: ISO7816StatusWord, operation: String, right: NPAAuthenticationTerminalRights
    ) throws(NPAEACError) {
        switch status.rawValue {
        case 0x9000: return
        case 0x6982: throw .refusedByCard(operation: operation, status: status)
        default: throw .transport(.unexpectedStatus(status, command: operation))
        }
    }
}
