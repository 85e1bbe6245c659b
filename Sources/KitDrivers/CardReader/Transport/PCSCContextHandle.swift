import CPCSCLite

/// An owned `SCARDCONTEXT` for the monitor and card connections (PC/SC Workgroup spec part 5,
/// `SCardEstablishContext`). Unlike ``PCSCContext`` it exposes the raw handle to the driver
/// files that need it (`SCardGetStatusChange`, `SCardConnect`, `SCardCancel`).
///
/// pcsc-lite serialises calls on one context internally; `SCardCancel` is documented as callable
/// from another thread while `SCardGetStatusChange` blocks.
final class PCSCContextHandle: @unchecked Sendable {
    let raw: SCARDCONTEXT

    init() throws(PCSCError) {
        var handle: SCARDCONTEXT = 0
        let result = SCardEstablishContext(DWORD(SCARD_SCOPE_SYSTEM), nil, nil, &handle)
        guard result == PCSCError.successCode else {
            throw PCSCError(code: result, operation: "connect to the smart-card service")
        }
        raw = handle
    }

    deinit {
        SCardReleaseContext(raw)
    }

    /// Whether pcscd still knows this context (`SCardIsValidContext`).
    var isValid: Bool { SCardIsValidContext(raw) == PCSCError.successCode }

    /// Interrupts a blocking `SCardGetStatusChange` on this context.
    func cancel() {
        SCardCancel(raw)
    }

    /// Names of the readers pcscd offers now.
    func readers() throws(PCSCError) -> [String] {
        var length: DWORD = 0
        var result = SCardListReaders(raw, nil, nil, &length)
        if result == PCSCError.noReadersCode { return [] }
        guard result == PCSCError.successCode else {
            throw PCSCError(code: result, operation: "list card readers")
        }
        var buffer = [CChar](repeating: 0, count: Int(length))
        result = SCardListReaders(raw, nil, &buffer, &length)
        if result == PCSCError.noReadersCode { return [] }
        guard result == PCSCError.successCode else {
            throw PCSCError(code: result, operation: "list card readers")
        }
        return PCSCContext.splitMultiString(buffer)
    }
}
