import Hummingbird
import KitCore
import Synchronization

/// Counters for `/metrics` (Prometheus text exposition format 0.0.4).
public final class ServerMetrics: Sendable {
    private let outcomes = Mutex<[IngestOutcome: Int]>([:])
    private let certificateRefusals = Mutex<[CertificateRefusal: Int]>([:])
    private let certificateRenewals = Mutex<(renewed: Int, recovered: Int)>((0, 0))
    private let refusedRequests = Mutex<[Int: Int]>([:])
    private let connectionRefusals = Mutex<[String: Int]>([:])
    private let connectionTimeouts = Mutex<[String: Int]>([:])
    private let openConnections = Mutex<(@Sendable () -> Int)?>(nil)
    /// Push delivery to consumers (``HandoffPushService``).
    public let push = PushMetrics()

    public init() {}

    func count(_ results: [IngestOutcome]) {
        outcomes.withLock { counts in
            for outcome in results { counts[outcome, default: 0] += 1 }
        }
    }

    /// A kit request refused before ingest (too large, unreadable), by HTTP status.
    func countRefusedRequest(status: Int) {
        refusedRequests.withLock { $0[status, default: 0] += 1 }
    }

    func countCertificateRefusal(_ reason: CertificateRefusal) {
        certificateRefusals.withLock { $0[reason, default: 0] += 1 }
    }

    func countCertificateRenewal(recovered: Bool) {
        certificateRenewals.withLock { counts in
            if recovered { counts.recovered += 1 } else { counts.renewed += 1 }
        }
    }

    /// A connection closed right after the accept because a limit was reached (`reason`).
    func countConnectionRefusal(_ reason: String) {
        connectionRefusals.withLock { $0[reason, default: 0] += 1 }
    }

    /// A connection closed by a timeout (`stage`: tls-handshake, header, body, idle).
    func countConnectionTimeout(_ stage: String) {
        connectionTimeouts.withLock { $0[stage, default: 0] += 1 }
    }

    /// Where the number of open connections is read from (the server's connection limiter).
    func observeOpenConnections(_ count: @escaping @Sendable () -> Int) {
        openConnections.withLock { $0 = count }
    }

    func renderConnections() -> [String] {
        var lines = [
            "# HELP sync_connections_refused_total Connections closed at once because a connection limit was reached.",
            "# TYPE sync_connections_refused_total counter",
        ]
        let refusals = connectionRefusals.withLock { $0 }
        for reason in ["server-full", "address-full"] {
            lines.append("sync_connections_refused_total{reason=\"\(reason)\"} \(refusals[reason] ?? 0)")
        }
        lines.append("# HELP sync_connection_timeouts_total Connections closed by a timeout, by stage.")
        lines.append("# TYPE sync_connection_timeouts_total counter")
        let timeouts = connectionTimeouts.withLock { $0 }
        for stage in ["tls-handshake", "header", "body", "idle"] {
            lines.append("sync_connection_timeouts_total{stage=\"\(stage)\"} \(timeouts[stage] ?? 0)")
        }
        if let count = openConnections.withLock({ $0 }) {
            lines.append("# HELP sync_connections_open Client connections open now.")
            lines.append("# TYPE sync_connections_open gauge")
            lines.append("sync_connections_open \(count())")
        }
        return lines
    }

    func render(store: any SyncStore) async -> String {
        var lines = [
            "# HELP sync_ingest_transactions_total Transactions answered by ingest, by outcome.",
            "# TYPE sync_ingest_transactions_total counter",
        ]
        let counts = outcomes.withLock { $0 }
        for outcome in IngestOutcome.allCases {
            lines.append("sync_ingest_transactions_total{outcome=\"\(outcome.rawValue)\"} \(counts[outcome] ?? 0)")
        }
        lines.append("# HELP sync_kit_requests_refused_total Kit requests refused before ingest, by HTTP status.")
        lines.append("# TYPE sync_kit_requests_refused_total counter")
        for (status, count) in refusedRequests.withLock({ $0 }).sorted(by: { $0.key < $1.key }) {
            lines.append("sync_kit_requests_refused_total{status=\"\(status)\"} \(count)")
        }
        let refusals = certificateRefusals.withLock { $0 }
        lines.append(
            "# HELP sync_kit_certificate_refusals_total Kit-CA client certificates refused as not the kit's current one."
        )
        lines.append("# TYPE sync_kit_certificate_refusals_total counter")
        for reason in CertificateRefusal.allCases {
            lines.append("sync_kit_certificate_refusals_total{reason=\"\(reason.rawValue)\"} \(refusals[reason] ?? 0)")
        }
        let renewals = certificateRenewals.withLock { $0 }
        lines.append(
            "# HELP sync_kit_certificate_renewals_total Kit certificates renewed, or handed out again to recover.")
        lines.append("# TYPE sync_kit_certificate_renewals_total counter")
        lines.append("sync_kit_certificate_renewals_total{result=\"renewed\"} \(renewals.renewed)")
        lines.append("sync_kit_certificate_renewals_total{result=\"recovered\"} \(renewals.recovered)")
        lines += renderConnections()
        if let kits = try? await store.kits() {
            lines.append("# HELP sync_kits Enrolled kits by state.")
            lines.append("# TYPE sync_kits gauge")
            lines.append("sync_kits{state=\"active\"} \(kits.filter(\.active).count)")
            lines.append("sync_kits{state=\"revoked\"} \(kits.filter { !$0.active }.count)")
            lines.append("# HELP sync_kit_queue_depth Transactions waiting on each kit at its last sync.")
            lines.append("# TYPE sync_kit_queue_depth gauge")
            for kit in kits {
                lines.append("sync_kit_queue_depth{kit=\"\(kit.kitId)\"} \(kit.report?.queueDepth ?? 0)")
            }
        }
        if let open = try? await store.conflicts(openOnly: true) {
            lines.append("# HELP sync_conflicts_open Conflicts waiting for back office.")
            lines.append("# TYPE sync_conflicts_open gauge")
            lines.append("sync_conflicts_open \(open.count)")
        }
        lines += await push.render(store: store)
        return lines.joined(separator: "\n") + "\n"
    }

    /// `GET /metrics` for the operator token only: the series name enrolled kits.
    func register(
        on router: Router<SyncRequestContext>, store: any SyncStore, authentication: AdminAuthenticationMiddleware
    ) {
        router.group("metrics").add(middleware: authentication).get { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(string: await self.render(store: store))))
        }
    }
}
