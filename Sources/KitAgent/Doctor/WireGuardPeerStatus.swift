import Foundation

/// One WireGuard peer as `wg show` reports it: when it last completed a handshake and how many
/// bytes went each way in this session. Parsed from the cross-platform userspace API answer to
/// `get=1` (wireguard.com/xplatform: `key=value` lines, a peer starts at `public_key=` with the key
/// in hex, the answer ends with `errno=N`) or from `wg show INTERFACE dump` (kernel WireGuard:
/// tab-separated, one line for the interface, then one per peer with the key in base64).
public struct WireGuardPeerStatus: Sendable, Equatable {
    /// The peer's public key in base64, as `wg show` and the configuration files write it.
    public var publicKey: String
    /// `HOST:PORT` the peer was last seen at, nil when it has none yet.
    public var endpoint: String?
    /// The latest completed handshake, nil when there never was one.
    public var latestHandshake: Date?
    public var receivedBytes: UInt64
    public var sentBytes: UInt64

    public init(
        publicKey: String, endpoint: String? = nil, latestHandshake: Date? = nil, receivedBytes: UInt64 = 0,
        sentBytes: UInt64 = 0
    ) {
        self.publicKey = publicKey
        self.endpoint = endpoint
        self.latestHandshake = latestHandshake
        self.receivedBytes = receivedBytes
        self.sentBytes = sentBytes
    }

    /// The longest answer accepted: a kit has one peer; thousands of lines are not a WireGuard answer.
    public static let maximumAnswerBytes = 256 * 1024

    /// The peers of a userspace API answer to `get=1`.
    public static func parseUserspaceAnswer(_ text: String) throws(WireGuardStatusError) -> [WireGuardPeerStatus] {
        guard text.utf8.count <= maximumAnswerBytes else { throw .tooLong(bytes: text.utf8.count) }
        var peers: [WireGuardPeerStatus] = []
        var current: WireGuardPeerStatus?
        var handshakeSeconds: Int64 = 0
        var handshakeNanoseconds: Int64 = 0
        var errno: Int?
        func finishPeer() {
            guard var peer = current else { return }
            if handshakeSeconds > 0 || handshakeNanoseconds > 0 {
                peer.latestHandshake = Date(
                    timeIntervalSince1970: Double(handshakeSeconds) + Double(handshakeNanoseconds) / 1e9)
            }
            peers.append(peer)
            current = nil
            handshakeSeconds = 0
            handshakeNanoseconds = 0
        }
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.isEmpty { continue }
            guard errno == nil else { throw .malformed(line: index + 1, reason: "text after errno") }
            guard let equals = line.firstIndex(of: "=") else {
                throw .malformed(line: index + 1, reason: "no key=value")
            }
            let key = String(line[..<equals])
            let value = String(line[line.index(after: equals)...])
            switch key {
            case "public_key":
                finishPeer()
                current = WireGuardPeerStatus(publicKey: try base64Key(fromHex: value, line: index + 1))
            case "errno":
                guard let number = Int(value), number >= 0 else {
                    throw .malformed(line: index + 1, reason: "errno is not a number")
                }
                errno = number
            case "endpoint", "last_handshake_time_sec", "last_handshake_time_nsec", "rx_bytes", "tx_bytes":
                guard current != nil else {
                    throw .malformed(line: index + 1, reason: "\(key) before any public_key")
                }
                switch key {
                case "endpoint": current?.endpoint = value.isEmpty ? nil : value
                case "last_handshake_time_sec":
                    handshakeSeconds = try number(value, key: key, line: index + 1, range: 0...Int64(UInt32.max) * 4)
                case "last_handshake_time_nsec":
                    handshakeNanoseconds = try number(value, key: key, line: index + 1, range: 0...999_999_999)
                case "rx_bytes": current?.receivedBytes = try counter(value, key: key, line: index + 1)
                default: current?.sentBytes = try counter(value, key: key, line: index + 1)
                }
            default:
                // Interface keys (private_key, listen_port, fwmark) and further peer keys
                // (allowed_ip, persistent_keepalive_interval, protocol_version) are not needed here.
                break
            }
        }
        guard let errno else { throw .truncated }
        guard errno == 0 else { throw .refused(errno: errno) }
        finishPeer()
        return peers
    }

    /// The peers of `wg show INTERFACE dump`.
    public static func parseDump(_ text: String) throws(WireGuardStatusError) -> [WireGuardPeerStatus] {
        guard text.utf8.count <= maximumAnswerBytes else { throw .tooLong(bytes: text.utf8.count) }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard let first = lines.first else { throw .truncated }
        // The interface line: private key, public key, listen port, fwmark.
        guard first.split(separator: "\t", omittingEmptySubsequences: false).count == 4 else {
            throw .malformed(line: 1, reason: "the interface line has not 4 fields")
        }
        var peers: [WireGuardPeerStatus] = []
        for (offset, line) in lines.dropFirst().enumerated() {
            let number = offset + 2
            // public key, preshared key, endpoint, allowed ips, latest handshake, rx, tx, keepalive
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 8 else { throw .malformed(line: number, reason: "a peer line has not 8 fields") }
            guard let key = Data(base64Encoded: fields[0]), key.count == 32 else {
                throw .malformed(line: number, reason: "the public key is not 32 bytes in base64")
            }
            let seconds = try Self.number(
                fields[4], key: "latest handshake", line: number, range: 0...Int64(UInt32.max) * 4)
            peers.append(
                WireGuardPeerStatus(
                    publicKey: key.base64EncodedString(), endpoint: fields[2] == "(none)" ? nil : fields[2],
                    latestHandshake: seconds == 0 ? nil : Date(timeIntervalSince1970: Double(seconds)),
                    receivedBytes: try counter(fields[5], key: "transfer rx", line: number),
                    sentBytes: try counter(fields[6], key: "transfer tx", line: number)))
        }
        return peers
    }

    private static func base64Key(fromHex hex: String, line: Int) throws(WireGuardStatusError) -> String {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { throw .malformed(line: line, reason: "public_key is not 64 hex digits") }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for index in stride(from: 0, to: 64, by: 2) {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else {
                throw .malformed(line: line, reason: "public_key is not hex")
            }
            bytes.append(high << 4 | low)
        }
        return Data(bytes).base64EncodedString()
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    private static func number(_ text: String, key: String, line: Int, range: ClosedRange<Int64>)
        throws(WireGuardStatusError) -> Int64
    {
        guard text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }), let value = Int64(text),
            range.contains(value)
        else { throw .malformed(line: line, reason: "\(key) is not a number in \(range)") }
        return value
    }

    private static func counter(_ text: String, key: String, line: Int) throws(WireGuardStatusError) -> UInt64 {
        guard text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }), let value = UInt64(text)
        else { throw .malformed(line: line, reason: "\(key) is not a byte count") }
        return value
    }
}

/// Why a WireGuard status answer could not be used.
public enum WireGuardStatusError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A line that is not `key=value` (userspace API) or not the expected fields (`wg show dump`).
    case malformed(line: Int, reason: String)
    /// The answer ended before `errno=`, or was empty.
    case truncated
    /// The WireGuard implementation answered with an error number.
    case refused(errno: Int)
    /// More text than any WireGuard interface reports.
    case tooLong(bytes: Int)

    public var description: String {
        switch self {
        case .malformed(let line, let reason): return "WireGuard status line \(line) cannot be read: \(reason)"
        case .truncated: return "the WireGuard status answer is incomplete"
        case .refused(let errno):
            return "WireGuard answered with error \(errno) (\(String(cString: strerror(Int32(clamping: errno)))))"
        case .tooLong(let bytes): return "the WireGuard status answer is too long (\(bytes) bytes)"
        }
    }
}
