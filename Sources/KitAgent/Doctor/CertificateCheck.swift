import Foundation
import X509

/// The kit's TLS client certificate: warns when it expires within the renewal window (the running
/// agent should have renewed it by then) and fails once it has expired (the server's handshake
/// refuses it; only a new enrollment helps). Reads the files only, so it works offline.
public struct ClientCertificateCheck: DoctorCheck {
    public let name = "tls-certificate"
    let keys: KitKeyStore?
    let warnBefore: TimeInterval
    let now: @Sendable () -> Date

    public init(
        keys: KitKeyStore?, warnBefore: TimeInterval = CertificateRenewal.defaultRenewBefore,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.keys = keys
        self.warnBefore = warnBefore
        self.now = now
    }

    public func run() async -> DoctorFinding {
        guard let keys else { return .skipped(name, "the kit is not enrolled yet") }
        let identity: KitTLSIdentity
        do {
            guard let loaded = try KitTLSIdentity.load(from: keys) else {
                return .skipped(name, "no client certificate (not enrolled, or a server without TLS)")
            }
            identity = loaded
        } catch {
            return .failure(
                name, error.description,
                fix: "enroll the kit again: kit-agent enroll --server URL --kit-id ID --token TOKEN --ca-file CA")
        }
        let certificate = identity.clientCertificate
        let expiry = certificate.notValidAfter
        let day = Self.dayFormatter.string(from: expiry)
        let left = expiry.timeIntervalSince(now())
        let serial = certificate.serialNumber.bytes.map { String(format: "%02x", $0) }.joined()
        if left <= 0 {
            return .failure(
                name, "the kit's client certificate (serial \(serial)) expired on \(day); the server refuses it",
                fix:
                    "a renewal needs a valid certificate: create a new token (sync-server kits enroll --kit-id ID) and "
                    + "run kit-agent enroll again")
        }
        let days = Int(left / 86_400)
        if left < warnBefore {
            return .warning(
                name, "the kit's client certificate (serial \(serial)) expires on \(day), in \(days) days",
                fix:
                    "run kit-agent renew-certificate (the running agent renews by itself after a sync; if it did not, "
                    + "its log says why)")
        }
        return .ok(name, "client certificate (serial \(serial)) valid until \(day), \(days) days left")
    }

    static var dayFormatter: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter
    }
}
