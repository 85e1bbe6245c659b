/// Negative acknowledgement `84 xx`, where `xx` is a result code such as 0x83 "function not
/// possible" or 0x9C "please wait" (ZVT spec rev. 13.x, chapter 2 "Acknowledgement").
public struct ZVTNegativeAcknowledgement: Sendable, Equatable {
    /// The INSTR byte read as result code.
    public let resultCode: ZVTResultCode
    /// Data bytes, normally empty.
    public let data: [UInt8]

    public init(resultCode: ZVTResultCode, data: [UInt8] = []) {
        self.resultCode = resultCode
        self.data = data
    }
}
