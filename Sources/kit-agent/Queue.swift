import ArgumentParser
import Foundation
import KitAgent
import KitCore

extension KitAgentCommand {
    struct Queue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the outbox: transactions waiting for, sent to or answered by the sync server.",
            discussion: "Metadata only: payloads are sealed to the server and cannot be read on the kit.",
            subcommands: [List.self, Show.self, Stats.self],
            defaultSubcommand: List.self
        )

        struct QueueOptions: ParsableArguments {
            @OptionGroup var agent: AgentOptions
            @Flag(help: "Print JSON.") var json = false

            func outbox() async throws -> Outbox.Reader {
                let stateDirectory = try await agent.resolveStateDirectory()
                return try Outbox.Reader(stateDirectory: stateDirectory)
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List transactions, newest first.")
            @OptionGroup var options: QueueOptions
            @Option(help: "Only this state: pending, sent, acknowledged, shredded or parked.")
            var state: OutboxState?
            @Option(help: "At most this many rows.") var limit = 50

            func run() async throws {
                let entries = try await options.outbox().entries(state: state, limit: limit)
                if options.json { return try printJSON(entries) }
                guard !entries.isEmpty else { return print("the queue is empty") }
                print(
                    QueueTable.render(
                        header: ["seq", "state", "kind", "case", "recorded", "size", "answer"],
                        rows: entries.map {
                            [
                                "\($0.seq)", $0.state.rawValue, $0.kind, $0.caseId, $0.recordedAt.formatted(.iso8601),
                                "\($0.envelopeSize)", $0.answer ?? ($0.parkReason ?? ""),
                            ]
                        }))
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show one transaction.")
            @OptionGroup var options: QueueOptions
            @Argument(help: "The transaction's seq.") var seq: UInt64

            func run() async throws {
                let entry = try await options.outbox().entry(seq: seq)
                if options.json { return try printJSON(entry) }
                let rows: [(String, String)] =
                    [
                        ("seq", "\(entry.seq)"), ("transaction id", entry.txId), ("kind", entry.kind),
                        ("case", "\(entry.caseId) (version \(entry.baseVersion))"),
                        ("recorded", entry.recordedAt.formatted(.iso8601)), ("state", entry.state.rawValue),
                        ("state since", entry.stateChangedAt.formatted(.iso8601)),
                        ("send attempts", "\(entry.attempts)"),
                        (
                            "envelope",
                            "\(entry.envelopeSize) bytes, " + (entry.envelopeRetained ? "stored" : "shredded")
                        ),
                        ("envelope hash", entry.envelopeHash), ("server answer", entry.answer ?? "none yet"),
                    ] + (entry.parkReason.map { [("parked because", $0)] } ?? [])
                let width = rows.map(\.0.count).max() ?? 0
                print(
                    rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(
                        separator: "\n"))
            }
        }

        struct Stats: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Counts per state and the oldest waiting transaction.")
            @OptionGroup var options: QueueOptions

            func run() async throws {
                let stats = try await options.outbox().stats()
                if options.json { return try printJSON(stats) }
                var lines = OutboxState.allCases.map { "\($0.rawValue): \(stats.byState[$0.rawValue] ?? 0)" }
                lines.append("last seq: \(stats.lastSeq)")
                lines.append("waiting for the server: \(stats.queueDepth)")
                lines.append(
                    "oldest waiting: " + (stats.oldestUnacknowledgedAt.map { $0.formatted(.iso8601) } ?? "none"))
                lines.append("sealed bytes stored: \(stats.retainedBytes)")
                print(lines.joined(separator: "\n"))
            }
        }
    }
}

extension OutboxState: ExpressibleByArgument {}

func printJSON(_ value: some Encodable) throws {
    let encoder = WireCoding.encoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Plain text tables for the terminal.
enum QueueTable {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.indices.map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(
                separator: "  ")
        }.joined(separator: "\n")
    }
}
