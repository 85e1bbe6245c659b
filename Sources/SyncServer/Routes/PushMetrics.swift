import Foundation
import Synchronization

/// The push delivery series of `/metrics`: attempts by consumer and result (counters since the
/// process started) and, read from the store, each push consumer's pending and dead-lettered
/// dossiers (gauges, shared by all server processes).
public final class PushMetrics: Sendable {
    public enum Result: String, Sendable, CaseIterable {
        case delivered
        case failed
        case deadLettered = "dead_lettered"
    }

    private let counts = Mutex<[String: [Result: Int]]>([:])

    public init() {}

    func count(consumer: String, _ result: Result) {
        counts.withLock { $0[consumer, default: [:]][result, default: 0] += 1 }
    }

    func render(store: any SyncStore) async -> [String] {
        var lines = [
            "# HELP sync_handoff_push_total Push attempts by consumer and result (dead_lettered: given up).",
            "# TYPE sync_handoff_push_total counter",
        ]
        let urls = (try? await store.pushURLs()) ?? [:]
        let counted = counts.withLock { $0 }
        for consumer in Set(urls.keys).union(counted.keys).sorted() {
            for result in Result.allCases {
                lines.append(
                    "sync_handoff_push_total{consumer=\"\(consumer)\",result=\"\(result.rawValue)\"} "
                        + "\(counted[consumer]?[result] ?? 0)")
            }
        }
        guard let queue = try? await store.pushQueue() else { return lines }
        lines.append("# HELP sync_handoff_push_pending Dossiers waiting for push delivery, by consumer.")
        lines.append("# TYPE sync_handoff_push_pending gauge")
        for consumer in urls.keys.sorted() {
            let pending = queue.filter { $0.consumer == consumer && $0.state == .pending }.count
            lines.append("sync_handoff_push_pending{consumer=\"\(consumer)\"} \(pending)")
        }
        lines.append("# HELP sync_handoff_push_dead_letter Dossiers whose push was given up, by consumer.")
        lines.append("# TYPE sync_handoff_push_dead_letter gauge")
        for consumer in urls.keys.sorted() {
            let dead = queue.filter { $0.consumer == consumer && $0.state == .deadLetter }.count
            lines.append("sync_handoff_push_dead_letter{consumer=\"\(consumer)\"} \(dead)")
        }
        return lines
    }
}
