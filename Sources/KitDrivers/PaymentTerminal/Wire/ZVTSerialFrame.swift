/// Serial (RS-232) framing of ZVT APDUs (ZVT spec rev. 13.x, serial transport protocol
/// annex): `DLE STX <APDU, every 0x10 doubled> DLE ETX CRC-lo CRC-hi`, the CRC-16/KERMIT
/// taken over the unstuffed APDU plus ETX. The receiver answers each frame with one byte,
/// ACK 0x06 or NAK 0x15.
public enum ZVTSerialFrame {
    /// Data link escape.
    public static let dle: UInt8 = 0x10
    /// Start of text.
    public static let stx: UInt8 = 0x02
    /// End of text.
    public static let etx: UInt8 = 0x03
    /// Frame received correctly.
    public static let ack: UInt8 = 0x06
    /// Frame damaged; please repeat.
    public static let nak: UInt8 = 0x15

    /// The checksum a frame carries for this APDU.
    public static func checksum(of apdu: [UInt8]) -> UInt16 {
        ZVTCRC16.kermit([etx], initial: ZVTCRC16.kermit(apdu))
    }

    /// The serial frame for one APDU's bytes.
    public static func encode(_ apdu: [UInt8]) -> [UInt8] {
        var frame: [UInt8] = [dle, stx]
        frame.reserveCapacity(apdu.count + 8)
        for byte in apdu {
            frame.append(byte)
            if byte == dle { frame.append(dle) }
        }
        let crc = checksum(of: apdu)
        frame += [dle, etx, UInt8(crc & 0xFF), UInt8(crc >> 8)]
        return frame
    }
}
