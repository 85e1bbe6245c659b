import Foundation
import KitDrivers

/// The Änderungsterminal's terminal certificates (`card.terminalCredentials`): fails when no chain
/// is valid today (no ID card can be read or written), warns when the chain that lasts longest
/// expires within the warning window (terminal certificates are short-lived; renewal needs the DV),
/// and lists every chain with its CVCA and expiry. Reads the files only, so it works offline.
public struct TerminalCertificateCheck: DoctorCheck {
    public let name = "terminal-certificates"
    let directory: String?
    let warnDays: Int
    let now: @Sendable () -> Date

    /// The default warning window in days.
    public static let defaultWarnDays = 14

    public init(directory: String?, warnDays: Int = defaultWarnDays, now: @escaping @Sendable () -> Date = Date.init) {
        self.directory = directory
        self.warnDays = warnDays
        self.now = now
    }

    public func run() async -> DoctorFinding {
        guard let directory else {
            return .skipped(name, "no terminal certificates configured (card.terminalCredentials): no ID-card work")
        }
        let store: NPATerminalCredentialStore
        do {
            store = try NPATerminalCredentialStore(directory: URL(fileURLWithPath: directory))
        } catch {
            return .failure(
                name, error.description,
                fix: "import the terminal certificate chain: kit-agent terminal-certificates import --from FOLDER")
        }
        let today = NPACVDate(now())
        let overview = store.chains.map { chain in
            "\(chain.name) (CVCA \(chain.credentials.cvca.holderReference), until \(chain.expirationDate))"
        }.joined(separator: "; ")
        let links = store.links.isEmpty ? "" : "; \(store.links.count) CVCA link certificate(s)"
        guard let best = try? store.preferred(on: today) else {
            return .failure(
                name, "no terminal certificate chain is valid today: \(overview)",
                fix: "renew the terminal certificate with the document verifier and import it "
                    + "(kit-agent terminal-certificates import --from FOLDER)")
        }
        let days = Self.days(from: today, to: best.expirationDate)
        if days < warnDays {
            return .warning(
                name,
                "the terminal certificate \(best.credentials.terminal.holderReference) expires on "
                    + "\(best.expirationDate), in \(days) days; chains: \(overview)\(links)",
                fix: "renew the terminal certificate with the document verifier before then and import it "
                    + "(kit-agent terminal-certificates import --from FOLDER)")
        }
        return .ok(
            name,
            "\(store.chains.count) chain(s), \(best.name) valid until \(best.expirationDate) "
                + "(\(days) days): \(overview)\(links)")
    }

    static func days(from start: NPACVDate, to end: NPACVDate) -> Int {
        guard let from = start.startOfDay, let to = end.startOfDay else { return 0 }
        return Int((to.timeIntervalSince(from) / 86_400).rounded())
    }
}
