import ArgumentParser
import Foundation
import KitAgent
import KitCore

extension KitAgentCommand {
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask the running agent for its state and its link to the sync server.",
            discussion: "Exit code 0: agent running and server reachable; 3: agent running, server not reachable."
        )

        @OptionGroup var options: AgentOptions

        @Flag(help: "Print the status document as JSON.")
        var json = false

        @Flag(name: .customLong("no-refresh"), help: "Report the last probe instead of probing the server now.")
        var noRefresh = false

        func run() async throws {
            let stateDirectory = try await options.resolveStateDirectory()
            let client = try LocalAPIClient(stateDirectory: stateDirectory)
            let status = try await client.status(refresh: !noRefresh)
            if json {
                let encoder = WireCoding.encoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
                print(String(decoding: try encoder.encode(status), as: UTF8.self))
            } else {
                print(StatusReport(status).text)
            }
            if status.server.reachability != .reachable {
                throw ExitCode(3)
            }
            if status.syncProblem != nil {
                // Reachable, but the queue does not drain: an error for scripts and monitoring.
                throw ExitCode(1)
            }
        }
    }
}

/// The human-readable form of an ``AgentStatus``.
struct StatusReport {
    let status: AgentStatus
    init(_ status: AgentStatus) { self.status = status }

    var text: String {
        let server = status.server
        var rows: [(String, String)] = [
            (
                "agent",
                "kit-agent \(status.agentVersion), pid \(status.processID), running since \(Self.time(status.startedAt))"
            ),
            ("kit", status.kitId ?? "unknown"),
            ("state directory", status.stateDirectory),
            (
                "lock",
                status.unlocked == true
                    ? "unlocked" + (status.clerk.map { " by \($0.name) (\($0.id))" } ?? "")
                    : "locked (case data unreadable until kit-agent unlock)"
            ),
            ("sync server", server.url),
        ]
        switch server.reachability {
        case .reachable:
            let rtt = server.roundTripMilliseconds.map { String(format: " in %.1f ms", $0) } ?? ""
            rows.append(("link", "reachable\(rtt)"))
        case .unreachable, .incompatible:
            rows.append(("link", "\(server.reachability.rawValue): \(server.lastError ?? "no reason recorded")"))
            rows.append(("failed probes", "\(server.consecutiveFailures) in a row"))
        case .unknown:
            rows.append(("link", "unknown: no probe has finished yet"))
        }
        if let info = server.serverVersion {
            rows.append(
                (
                    server.reachability == .reachable ? "server" : "last server seen",
                    "\(info.service) \(info.version), API \(info.apiVersion), storage \(info.storage)"
                ))
            rows.append(("server schema", info.schemaMigrations.joined(separator: ", ")))
        }
        if let queue = status.queue {
            let oldest = queue.oldestUnacknowledgedAt.map { ", oldest from " + Self.time($0) } ?? ""
            rows.append(
                (
                    "queue",
                    "\(queue.queueDepth) waiting for the server\(oldest), \(queue.byState["parked"] ?? 0) parked, last seq \(queue.lastSeq)"
                ))
        } else if let problem = status.outboxProblem {
            rows.append(("queue", "cannot record transactions: \(problem)"))
        }
        if let problem = status.syncProblem {
            rows.append(
                (
                    "SYNC JAMMED",
                    "\(problem.kind.rawValue)\(problem.seq.map { " at seq \($0)" } ?? ""), \(problem.attempts) attempt(s) "
                        + "since \(Self.time(problem.since)): \(problem.reason)"
                ))
        }
        if let open = status.unresolvedPayments, open > 0 {
            rows.append(
                ("card payments", "\(open) with unknown outcome: do not charge again (`kit-agent pay --list`)"))
        }
        rows.append(("last probe", server.lastProbeAt.map(Self.time) ?? "never"))
        rows.append(("last reachable", server.lastReachableAt.map(Self.time) ?? "never"))
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }
            .joined(separator: "\n")
    }

    static func time(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
