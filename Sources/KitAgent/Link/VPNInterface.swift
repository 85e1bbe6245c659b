import Foundation

/// The state of the kit's VPN interface (e.g. `wg0`) as the kernel shows it in
/// `/sys/class/net/<name>/` (Linux `Documentation/ABI/testing/sysfs-class-net`): whether the
/// interface exists, is administratively up (`flags` bit IFF_UP) and has its link (`operstate`).
///
/// WireGuard and other tunnel devices have no carrier, so their `operstate` is `unknown` while
/// they work: `unknown` with IFF_UP counts as up.
public enum VPNInterfaceState: String, Sendable, Codable, Equatable {
    /// The interface is up: packets can flow, the server may be probed.
    case up
    /// The interface exists but is down (administratively or no link).
    case down
    /// No interface of that name (VPN software not started, wrong name in the configuration).
    case absent

    /// Reads the state of `name` below `root` (the real one is `/sys/class/net`).
    public static func read(_ name: String, root: String = "/sys/class/net") -> VPNInterfaceState {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else { return .absent }
        let directory = root + "/" + name
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue
        else { return .absent }
        return decide(flags: attribute(directory + "/flags"), operstate: attribute(directory + "/operstate"))
    }

    /// The rule, from the two attribute texts (nil when unreadable).
    public static func decide(flags: String?, operstate: String?) -> VPNInterfaceState {
        let iffUp: UInt32 = 0x1
        if let flags, let value = UInt32(flags.hasPrefix("0x") ? String(flags.dropFirst(2)) : flags, radix: 16) {
            guard value & iffUp != 0 else { return .down }
        }
        switch operstate {
        case "up", "unknown", "dormant": return .up
        case nil: return flags == nil ? .absent : .up
        default: return .down  // down, lowerlayerdown, notpresent, testing
        }
    }

    private static func attribute(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// What IT staff read in `kit-agent status` and the doctor.
    public func describe(_ name: String) -> String {
        switch self {
        case .up: return "VPN interface \(name) is up"
        case .down:
            return "VPN interface \(name) is down: the VPN link is not established (check the mobile connection)"
        case .absent:
            return "VPN interface \(name) does not exist: the VPN software is not running or link.vpnInterface is wrong"
        }
    }
}
