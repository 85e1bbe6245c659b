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
        "cannot \(operation): \(hint) (\(name))"
    }

    /// The pcsc-lite entry for the code: name, English and German sentence.
    public var returnCode: PCSCReturnCode { PCSCReturnCode.lookup(UInt32(truncatingIfNeeded: code)) }

    /// A sentence saying what the code means and what to do (English, for the log and IT).
    public var hint: String { returnCode.english }

    /// The code's name in pcsclite.h, e.g. `SCARD_W_REMOVED_CARD`.
    public var name: String { returnCode.name }

    /// What the clerk reads: what happened and what to do, in German.
    public var clerkMessage: String { returnCode.german }
}
