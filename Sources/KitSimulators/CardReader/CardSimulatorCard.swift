import KitDrivers

/// A simulated smart card as vsmartcard's vpcd sees it: an ATR, power and reset, and a
/// response APDU for each command APDU (ISO/IEC 7816-3 §8 ATR; ISO/IEC 7816-4:2013 §5 APDUs).
///
/// Cards are used from one thread only (the vpcd link's I/O thread).
public protocol CardSimulatorCard: AnyObject {
    /// The answer to reset.
    var atr: [UInt8] { get }
    /// The card got power: volatile state (selected files, sessions) starts fresh.
    func powerOn()
    /// The card lost power.
    func powerOff()
    /// Warm reset: volatile state starts fresh.
    func reset()
    /// Answers one command APDU with response bytes (data + SW1 SW2).
    func respond(to apdu: [UInt8]) -> [UInt8]
}

/// ATRs of the simulated cards (ISO/IEC 7816-3 §8.2: TS T0 TD1 TD2 historical bytes TCK).
public enum CardSimulatorATR {
    /// A T=1 contact-card ATR with the given historical bytes (at most 15) and the check byte TCK:
    /// TD1 = 81 (T=1 follows), TD2 = 31 (TA3 IFSC = FE, TB3 BWI/CWI = 45).
    public static func t1(historicalBytes: [UInt8]) -> [UInt8] {
        let historical = Array(historicalBytes.prefix(15))
        var bytes: [UInt8] = [0x3B, 0x80 | UInt8(historical.count), 0x81, 0x31, 0xFE, 0x45] + historical
        bytes.append(bytes.dropFirst().reduce(0, ^))
        return bytes
    }

    /// The plain ISO 7816 test card: category indicator 00, "KITSIM ISO", status 9000.
    public static let iso = t1(historicalBytes: [0x00] + Array("KITSIM ISO".utf8) + [0x90, 0x00])

    /// The German ID card test specimen ATR (`3B 84 80 01 00 00 90 00 95`), as listed by OpenSC's npa driver.
    public static let germanIDCardTest: [UInt8] = [0x3B, 0x84, 0x80, 0x01, 0x00, 0x00, 0x90, 0x00, 0x95]
}

/// Builds a response APDU's bytes.
enum CardSimulatorResponse {
    static func status(_ sw: UInt16) -> [UInt8] {
        [UInt8(truncatingIfNeeded: sw >> 8), UInt8(truncatingIfNeeded: sw)]
    }

    static func data(_ data: [UInt8], _ sw: UInt16 = 0x9000) -> [UInt8] {
        data + status(sw)
    }
}
