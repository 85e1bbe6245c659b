/// CRC-16/KERMIT as used by the ZVT serial transport: reflected polynomial 0x1021 (0x8408),
/// initial value 0, no final XOR; "123456789" gives 0x2189 (ZVT spec rev. 13.x, serial
/// transport protocol annex).
public enum ZVTCRC16 {
    /// The checksum of `bytes`.
    public static func kermit(_ bytes: some Sequence<UInt8>, initial: UInt16 = 0) -> UInt16 {
        var crc = initial
        for byte in bytes {
            crc ^= UInt16(byte)
            for _ in 0..<8 {
                crc = crc & 1 != 0 ? (crc >> 1) ^ 0x8408 : crc >> 1
            }
        }
        return crc
    }
}
