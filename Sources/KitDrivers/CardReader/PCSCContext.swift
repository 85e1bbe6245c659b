import CPCSCLite

/// A session with the PC/SC resource manager (pcscd) through libpcsclite (PC/SC Workgroup spec
/// part 5, `SCardEstablishContext` … `SCardReleaseContext`).
///
/// A context may be used from one thread at a time; callers keep it inside one actor or task.
public final class PCSCContext: @unchecked Sendable {
    private let handle: SCARDCONTEXT

    /// Connects to pcscd.
    public init() throws(PCSCError) {
        var handle: SCARDCONTEXT = 0
        let result = SCardEstablishContext(DWORD(SCARD_SCOPE_SYSTEM), nil, nil, &handle)
        guard result == PCSCError.success else {
            throw PCSCError(code: result, operation: "connect to the smart-card service")
        }
        self.handle = handle
    }

    deinit {
        SCardReleaseContext(handle)
    }

    /// Names of the readers pcscd offers now; empty when none is plugged in.
    public func readers() throws(PCSCError) -> [String] {
        var length: DWORD = 0
        var result = SCardListReaders(handle, nil, nil, &length)
        if result == PCSCError.noReadersAvailable { return [] }
        guard result == PCSCError.success else {
            throw PCSCError(code: result, operation: "list card readers")
        }
        var buffer = [CChar](repeating: 0, count: Int(length))
        result = SCardListReaders(handle, nil, &buffer, &length)
        if result == PCSCError.noReadersAvailable { return [] }
        guard result == PCSCError.success else {
            throw PCSCError(code: result, operation: "list card readers")
        }
        return PCSCContext.splitMultiString(buffer)
    }

    /// Splits a PC/SC multi-string (names separated by NUL, ended by an empty name).
    static func splitMultiString(_ buffer: [CChar]) -> [String] {
        var names: [String] = []
        var current: [UInt8] = []
        for char in buffer {
            if char == 0 {
                if current.isEmpty { break }
                names.append(String(decoding: current, as: UTF8.self))
                current.removeAll()
            } else {
                current.append(UInt8(bitPattern: char))
            }
        }
        return names
    }
}

/// A PC/SC failure: one code per cause (pcsclite.h `SCARD_E_*` / `SCARD_W_*`), each turned into
/// a sentence for the person who has to fix it.
public struct PCSCError: Error, Equatable, CustomStringConvertible {
    /// The PC/SC return code.
    public var code: Int
    /// What the driver was doing.
    public var operation: String

    public init(code: LONG, operation: String) {
        self.code = Int(code)
        self.operation = operation
    }

    static let success: LONG = 0
    static let noReadersAvailable: LONG = 0x8010_002E

    public var description: String {
        "cannot \(operation): \(hint)"
    }

    /// A sentence saying what the code means and what to do.
    public var hint: String {
        switch UInt32(truncatingIfNeeded: code) {
        case 0x8010_001D: return "the smart-card service pcscd is not running (start pcscd)"
        case 0x8010_002E: return "no card reader is connected"
        case 0x8010_0009: return "the card reader is unknown (unplugged?)"
        case 0x8010_0017: return "the card reader is not available (unplugged?)"
        case 0x8010_000B: return "the card is in use by another program"
        case 0x8010_000C: return "no card in the reader"
        case 0x8010_0069: return "the card was removed — put it back on the reader"
        case 0x8010_0068: return "the card was reset by another program — try again"
        case 0x8010_0066: return "the card does not answer — check its position on the reader"
        case 0x8010_0067: return "the card is not powered"
        case 0x8010_000A: return "the operation timed out"
        case 0x8010_0002: return "the operation was cancelled"
        case 0x8010_0003: return "the smart-card session is no longer valid (pcscd restarted?)"
        case 0x8010_0008: return "the answer does not fit the buffer"
        case 0x8010_000F: return "the card does not speak the requested protocol"
        case 0x8010_0016: return "the smart-card service is shutting down or a transaction is pending"
        case 0x8010_0001: return "internal error in the smart-card service"
        case 0x8010_0006: return "the smart-card service ran out of memory"
        case 0x8010_0004: return "invalid parameter passed to the smart-card service"
        case 0x8010_0014: return "unknown error in the smart-card service"
        default:
            return "PC/SC error 0x" + String(UInt32(truncatingIfNeeded: code), radix: 16, uppercase: true)
        }
    }
}
