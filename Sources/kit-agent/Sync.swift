import ArgumentParser
import Foundation
import KitAgent
import KitCore

extension KitAgentCommand {
    struct Enroll: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enroll this kit with the sync server using the one-time token IT gave you.",
            discussion: """
                Run once per kit, before the first `kit-agent run` (or restart the agent afterwards). Over https the \
                kit trusts only the CA certificate given with --ca-file: the server's keys/kit-ca.pem, handed over \
                by IT together with the token (compare the SHA-256 fingerprint `sync-server kits enroll` prints). \
                The kit creates its own TLS client key and receives its client certificate.
                """
        )

        @OptionGroup var options: AgentOptions

        @Option(name: .customLong("kit-id"), help: "The kit id the token was issued for.")
        var kitId: String

        @Option(help: "The one-time enrollment token (`sync-server kits enroll`).")
        var token: String

        @Option(
            name: .customLong("ca-file"),
            help: "The server's kit CA certificate (its keys/kit-ca.pem); required for https:// servers.")
        var caFile: String?

        func run() async throws {
            let layered = try await options.layered()
            guard let serverText = layered.string(AgentConfiguration.Key.serverURL) else {
                throw ValidationError("give --server URL")
            }
            let serverURL = try AgentConfiguration.parseServerURL(serverText)
            let directory = try StateDirectory.prepare(
                layered.string(AgentConfiguration.Key.stateDirectory) ?? AgentConfiguration.defaultStateDirectory)
            var caPEM: String?
            if let caFile {
                guard let data = FileManager.default.contents(atPath: caFile) else {
                    throw ValidationError("--ca-file \(caFile) cannot be read")
                }
                caPEM = String(decoding: data, as: UTF8.self)
            }
            let credentials = try await Enrollment.enroll(
                stateDirectory: directory, serverURL: serverURL, kitId: kitId, token: token, caCertificatePEM: caPEM)
            print("kit \(credentials.kitId) enrolled with \(credentials.serverURL)")
        }
    }

    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send the queue to the sync server now and refresh the checked-out cases."
        )

        @OptionGroup var options: AgentOptions
        @Flag(help: "Print JSON.") var json = false
        @Flag(name: .customLong("no-progress"), help: "No progress bar (it is shown only on a terminal).")
        var noProgress = false

        func run() async throws {
            let stateDirectory = try await options.resolveStateDirectory()
            let client = try LocalAPIClient(stateDirectory: stateDirectory)
            let showProgress = !json && !noProgress && isatty(STDERR_FILENO) == 1
            var progress = SyncProgress(total: (try? await client.queueStats().queueDepth) ?? 0)
            let finished = SyncFinished()
            let running = Task {
                defer { finished.set() }
                return try await client.sync()
            }
            if showProgress {
                // The sync runs in the agent; its queue depth tells how far it got.
                while !running.isCancelled {
                    if let stats = try? await client.queueStats() { progress.update(waitingNow: stats.queueDepth) }
                    FileHandle.standardError.write(Data(("\r" + progress.line()).utf8))
                    if progress.done >= progress.total { break }
                    try? await Task.sleep(for: .milliseconds(200))
                    if finished.isSet { break }
                }
            }
            let summary: SyncSummary
            do {
                summary = try await running.value
            } catch {
                if showProgress { FileHandle.standardError.write(Data("\n".utf8)) }
                throw error
            }
            if showProgress {
                progress.update(waitingNow: (try? await client.queueStats().queueDepth) ?? 0)
                FileHandle.standardError.write(Data(("\r" + progress.line() + "\n").utf8))
            }
            if json { return try printJSON(summary) }
            print(
                "acknowledged \(summary.acknowledged) (\(summary.duplicates) already on the server), "
                    + "parked \(summary.parked), cases refreshed \(summary.casesRefreshed)")
            if summary.resentAfterServerLoss > 0 {
                print("re-sent \(summary.resentAfterServerLoss) transactions the server had lost")
            }
            for note in summary.notes { print("note: \(note)") }
        }
    }
}

extension KitAgentCommand {
    struct Step: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a completed step of a checked-out case (works offline; sent on the next sync).",
            discussion: """
                Kinds: identity.checked, signature.captured, payment.outcome, fingerprints.captured, address.changed, \
                document.handed-out, case.completed. Facts as key=value, e.g. street="Rheinallee 1" zip=55116 city=Mainz.
                """
        )

        @OptionGroup var options: AgentOptions
        @Option(name: .customLong("case"), help: "The case id.") var caseId: String
        @Option(help: "The step kind.") var kind: TransactionKind
        @Option(name: .customLong("amount-cents"), help: "For payment.outcome: the amount.") var amountCents: Int?
        @Flag(help: "For payment.outcome: the terminal declined.") var declined = false
        @Argument(help: "Facts as key=value.") var facts: [String] = []

        func run() async throws {
            var parsed: [String: String] = [:]
            for fact in facts {
                let parts = fact.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { throw ValidationError("fact \(fact) is not key=value") }
                parsed[String(parts[0])] = String(parts[1])
            }
            let stateDirectory = try await options.resolveStateDirectory()
            let seq = try await LocalAPIClient(stateDirectory: stateDirectory).recordStep(
                StepRecorder.Step(
                    caseId: caseId, kind: kind, facts: parsed.isEmpty ? nil : parsed, amountCents: amountCents,
                    approved: kind == .paymentOutcome ? !declined : nil))
            print("recorded \(kind.rawValue) for case \(caseId) as transaction \(seq)")
        }
    }
}

extension TransactionKind: ExpressibleByArgument {}

/// Set when the sync request returned (the progress loop stops polling).
final class SyncFinished: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
