import KitDrivers

/// Who may read or write a simulated file (ISO/IEC 7816-4:2013 §9 security attributes, reduced
/// to what the German ID card uses: TR-03110-4 §2.2, Table 2).
public enum CardSimulatorAccess: Sendable, Equatable {
    /// Always.
    case always
    /// Only under secure messaging (after PACE).
    case secureMessaging
    /// Only after Terminal and Chip Authentication.
    case terminalAuthenticated
    /// Only after Terminal and Chip Authentication with `right` in the effective CHAT (TR-03110-4 §2.2.3.2).
    case authorized(NPAAuthenticationTerminalRights)
    /// Never.
    case never
}

/// A transparent EF of a simulated card.
public struct CardSimulatorFile: Sendable {
    /// File identifier.
    public var fid: UInt16
    /// Short EF identifier, if any.
    public var sfi: UInt8?
    /// Content.
    public var content: [UInt8]
    /// Read access.
    public var read: CardSimulatorAccess
    /// Write access.
    public var write: CardSimulatorAccess

    /// Creates a file.
    public init(
        fid: UInt16, sfi: UInt8? = nil, content: [UInt8], read: CardSimulatorAccess = .always,
        write: CardSimulatorAccess = .never
    ) {
        self.fid = fid
        self.sfi = sfi
        self.content = content
        self.read = read
        self.write = write
    }
}

/// A dedicated file (application) with its EFs.
public struct CardSimulatorApplication: Sendable {
    /// File identifier, if selectable by FID.
    public var fid: UInt16?
    /// DF name (AID).
    public var aid: [UInt8]
    /// Its EFs.
    public var files: [CardSimulatorFile]

    /// Creates an application.
    public init(fid: UInt16? = nil, aid: [UInt8], files: [CardSimulatorFile]) {
        self.fid = fid
        self.aid = aid
        self.files = files
    }
}

/// The file system of a simulated card with the SELECT, READ BINARY and UPDATE BINARY
/// semantics of ISO/IEC 7816-4:2013 §11.2.2, §11.3.3 and §11.3.5 (MF, one level of DFs,
/// transparent EFs, short EF identifiers, P2 = 0C or an FCP template).
public struct CardSimulatorFileSystem: Sendable {
    /// EFs in the MF.
    public var masterFiles: [CardSimulatorFile]
    /// DFs in the MF.
    public var applications: [CardSimulatorApplication]
    /// The selected DF: nil is the MF.
    private(set) var currentApplication: Int?
    /// The selected EF.
    private(set) var currentFile: Int?

    /// Creates a file system with the MF selected.
    public init(masterFiles: [CardSimulatorFile], applications: [CardSimulatorApplication] = []) {
        self.masterFiles = masterFiles
        self.applications = applications
    }

    /// Back to the MF (power on, reset).
    mutating func resetSelection() {
        currentApplication = nil
        currentFile = nil
    }

    private var currentFiles: [CardSimulatorFile] {
        if let currentApplication { return applications[currentApplication].files }
        return masterFiles
    }

    /// Handles SELECT.
    mutating func select(_ command: ISO7816CommandAPDU) -> [UInt8] {
        guard [0x00, 0x04, 0x0C].contains(command.p2 & 0x0C) || command.p2 == 0x00 else {
            return CardSimulatorResponse.status(0x6A86)
        }
        switch command.p1 {
        case 0x00 where command.data.isEmpty || command.data == [0x3F, 0x00]:
            resetSelection()
            return selected(command, fid: 0x3F00, size: nil)
        case 0x00, 0x01, 0x02:
            guard command.data.count == 2 else { return CardSimulatorResponse.status(0x6A87) }
            let fid = UInt16(command.data[0]) << 8 | UInt16(command.data[1])
            if command.p1 != 0x02, let index = applications.firstIndex(where: { $0.fid == fid }) {
                currentApplication = index
                currentFile = nil
                return selected(command, fid: fid, size: nil)
            }
            if command.p1 != 0x01, let index = currentFiles.firstIndex(where: { $0.fid == fid }) {
                currentFile = index
                return selected(command, fid: fid, size: currentFiles[index].content.count)
            }
            return CardSimulatorResponse.status(0x6A82)
        case 0x04:
            guard let index = applications.firstIndex(where: { $0.aid == command.data }) else {
                return CardSimulatorResponse.status(0x6A82)
            }
            currentApplication = index
            currentFile = nil
            return selected(command, fid: applications[index].fid ?? 0, size: nil)
        case 0x08:
            guard command.data.count >= 2, command.data.count % 2 == 0 else {
                return CardSimulatorResponse.status(0x6A87)
            }
            resetSelection()
            var fids: [UInt16] = []
            for index in stride(from: 0, to: command.data.count, by: 2) {
                fids.append(UInt16(command.data[index]) << 8 | UInt16(command.data[index + 1]))
            }
            var result = CardSimulatorResponse.status(0x6A82)
            for (position, fid) in fids.enumerated() {
                let isLast = position == fids.count - 1
                let step = try? ISO7816CommandAPDU(
                    cla: 0, ins: 0xA4, p1: isLast ? 0x00 : 0x01, p2: isLast ? command.p2 : 0x0C,
                    data: [UInt8(fid >> 8), UInt8(fid & 0xFF)], ne: isLast ? command.ne : nil)
                guard let step else { return CardSimulatorResponse.status(0x6A87) }
                result = select(step)
                guard result.suffix(2) == [0x90, 0x00] || result.suffix(1).first == nil else { return result }
            }
            return result
        default:
            return CardSimulatorResponse.status(0x6A86)
        }
    }

    private func selected(_ command: ISO7816CommandAPDU, fid: UInt16, size: Int?) -> [UInt8] {
        guard command.p2 & 0x0C != 0x0C else { return CardSimulatorResponse.status(0x9000) }
        var objects: [BERTLV] = []
        if let size {
            objects.append(.primitive(.context(0, constructed: false), [UInt8(size >> 8 & 0xFF), UInt8(size & 0xFF)]))
            objects.append(.primitive(.context(2, constructed: false), [0x01]))
        } else {
            objects.append(.primitive(.context(2, constructed: false), [0x38]))
        }
        objects.append(.primitive(.context(3, constructed: false), [UInt8(fid >> 8), UInt8(fid & 0xFF)]))
        return CardSimulatorResponse.data(BERTLV.constructed(.application(2), objects).encoded)
    }

    /// Resolves the EF a READ/UPDATE BINARY addresses (SFI in P1 or the current EF) and its offset.
    mutating func target(of command: ISO7816CommandAPDU) -> (index: Int, offset: Int)? {
        if command.p1 & 0x80 != 0 {
            let sfi = command.p1 & 0x1F
            guard let index = currentFiles.firstIndex(where: { $0.sfi == sfi }) else { return nil }
            currentFile = index
            return (index, Int(command.p2))
        }
        guard let currentFile else { return nil }
        return (currentFile, Int(command.p1 & 0x7F) << 8 | Int(command.p2))
    }

    /// Handles READ BINARY when `allowed` says whether the access condition is met.
    mutating func readBinary(_ command: ISO7816CommandAPDU, allowed: (CardSimulatorAccess) -> Bool) -> [UInt8] {
        guard let (index, offset) = target(of: command) else {
            return CardSimulatorResponse.status(command.p1 & 0x80 != 0 ? 0x6A82 : 0x6986)
        }
        let file = currentFiles[index]
        guard allowed(file.read) else { return CardSimulatorResponse.status(0x6982) }
        guard offset <= file.content.count else { return CardSimulatorResponse.status(0x6B00) }
        let wanted = command.ne ?? 256
        let chunk = Array(file.content[offset..<min(file.content.count, offset + wanted)])
        return CardSimulatorResponse.data(chunk, chunk.count < wanted ? 0x6282 : 0x9000)
    }

    /// Handles UPDATE BINARY.
    mutating func updateBinary(_ command: ISO7816CommandAPDU, allowed: (CardSimulatorAccess) -> Bool) -> [UInt8] {
        guard let (index, offset) = target(of: command) else {
            return CardSimulatorResponse.status(command.p1 & 0x80 != 0 ? 0x6A82 : 0x6986)
        }
        guard allowed(currentFiles[index].write) else { return CardSimulatorResponse.status(0x6982) }
        var file = currentFiles[index]
        guard offset <= file.content.count else { return CardSimulatorResponse.status(0x6B00) }
        let end = offset + command.data.count
        if end > file.content.count { file.content += [UInt8](repeating: 0, count: end - file.content.count) }
        file.content.replaceSubrange(offset..<end, with: command.data)
        if let currentApplication {
            applications[currentApplication].files[index] = file
        } else {
            masterFiles[index] = file
        }
        return CardSimulatorResponse.status(0x9000)
    }
}

extension CardSimulatorFileSystem {
    /// The FID of the selected EF, if any.
    var currentFileID: UInt16? {
        guard let currentFile else { return nil }
        return currentFiles[currentFile].fid
    }
}
