import Foundation
import KitCore
import KitDrivers

/// Where the kit's EC terminal is attached: ZVT over TCP (ZVT spec rev. 13.x, TCP/IP transport,
/// port 20007 by default) or over a serial line (DLE STX … DLE ETX framing, e.g. `/dev/ttyUSB0`).
/// Written `HOST:PORT`, `HOST` (port 20007), `[IPv6]:PORT`, or an absolute device path.
public enum PaymentTerminalAddress: Sendable, Equatable, CustomStringConvertible {
    case tcp(host: String, port: UInt16)
    case serial(path: String)

    /// Parses the configured text; `key` names the setting in the error.
    public static func parse(_ text: String, key: String) throws(ConfigurationError) -> PaymentTerminalAddress {
        let expected = "HOST:PORT (ZVT over TCP, port 20007 if left out) or a serial device path such as /dev/ttyUSB0"
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("/") { return .serial(path: trimmed) }
        var host = Substring(trimmed)
        var portText: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else {
                throw .invalidValue(key: key, value: text, expected: expected)
            }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { throw .invalidValue(key: key, value: text, expected: expected) }
                portText = rest.dropFirst()
            }
        } else if let colon = host.lastIndex(of: ":") {
            portText = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }) else {
            throw .invalidValue(key: key, value: text, expected: expected)
        }
        var port = ZVTTCPTransport.defaultPort
        if let portText {
            guard let parsed = UInt16(portText), parsed > 0 else {
                throw .invalidValue(key: key, value: text, expected: expected)
            }
            port = parsed
        }
        return .tcp(host: String(host), port: port)
    }

    public var description: String {
        switch self {
        case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .serial(let path): return path
        }
    }

    /// A transport for this address (not yet opened).
    public func makeTransport() -> any ZVTTransport {
        switch self {
        case .tcp(let host, let port): return ZVTTCPTransport(host: host, port: port)
        case .serial(let path): return ZVTSerialTransport(path: path)
        }
    }
}
