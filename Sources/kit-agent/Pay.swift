import ArgumentParser
import Foundation
import KitAgent
import KitCore

extension KitAgentCommand {
    struct Pay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take a case's fee on the EC terminal (the running agent drives the terminal).",
            discussion: """
                The payment is recorded before the terminal is asked, so it is never lost and never taken twice: \
                when the outcome is unknown (the link to the terminal broke), the agent asks the terminal by itself \
                and refuses new payments until it knows. Exit code 0 only when the terminal approved; 2 not paid; \
                3 outcome unknown. The command waits as long as the agent may take (DeviceWaitPolicy: the \
                terminal is asked to abort after 5 minutes and may stay silent 3 minutes more). With --list, \
                shows payments whose outcome is not known yet.

                When the terminal cannot tell (replaced, journal cleared), settle an open payment by hand after \
                checking the paper receipt, the terminal's end-of-day report or the acquirer's statement: \
                kit-agent pay --resolve INTENT_SEQ --paid --receipt 123 --note "Beleg 123 liegt vor". The note is \
                required and goes, sealed, to the back office with the outcome.
                """
        )

        @OptionGroup var options: AgentOptions
        @Option(name: .customLong("case"), help: "The case id.") var caseId: String?
        @Option(help: "Amount in euro cents (default: the sum of the case's fees).") var amount: Int?
        @Flag(help: "List payments whose outcome is not recorded yet instead of paying.") var list = false
        @Option(help: "Settle the open payment with this intent seq by hand (see --list).") var resolve: UInt64?
        @Flag(help: "With --resolve: the fee was paid.") var paid = false
        @Flag(name: .customLong("not-paid"), help: "With --resolve: the fee was not paid.") var notPaid = false
        @Option(help: "With --resolve --paid: the receipt number on the paper receipt.") var receipt: Int?
        @Option(help: "With --resolve: the terminal's trace number, if known.") var trace: Int?
        @Option(help: "With --resolve: what was checked (required).") var note: String?
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            if resolve != nil {
                guard paid != notPaid else {
                    throw ValidationError("With --resolve give exactly one of --paid, --not-paid.")
                }
                guard let note, !note.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw ValidationError("With --resolve give --note: what was checked (receipt, end-of-day report).")
                }
                guard caseId == nil, !list else { throw ValidationError("--resolve goes without --case and --list.") }
                return
            }
            guard list || caseId != nil else { throw ValidationError("Give --case ID (or --list).") }
            if let amount, amount <= 0 { throw ValidationError("--amount must be a positive number of cents.") }
        }

        func run() async throws {
            let stateDirectory = try await options.resolveStateDirectory()
            let client = try LocalAPIClient(stateDirectory: stateDirectory)
            if list {
                let open = try await client.unresolvedPayments()
                if json { return try printJSON(open) }
                guard !open.isEmpty else { return print("no card payment with unknown outcome") }
                print(
                    QueueTable.render(
                        header: ["intent seq", "case", "amount (cents)", "since", "attempts", "last finding"],
                        rows: open.map {
                            [
                                "\($0.intentSeq)", $0.caseId, "\($0.amountCents)", $0.createdAt.formatted(.iso8601),
                                "\($0.recoveryAttempts)", $0.reason ?? "",
                            ]
                        }))
                return
            }
            if let resolve {
                let result = try await client.resolvePayment(
                    intentSeq: resolve, paid: paid, receiptNumber: receipt, traceNumber: trace, note: note ?? "")
                if json { return try printJSON(result) }
                print(result.message)
                return
            }
            guard let caseId else { return }
            let result: PaymentResult
            switch await Self.pay(client, caseId: caseId, amountCents: amount) {
            case .success(let answer): result = answer
            case .failure(.noAnswerInTime(_, let seconds)):
                // The intent is recorded; the agent records the terminal's answer or recovers it.
                print(
                    "no answer from kit-agent within \(seconds) s: the outcome of this card payment is not known "
                        + "here. Do NOT take the fee again; `kit-agent pay --list` shows it until it is recorded.")
                throw ExitCode(3)
            case .failure(let error): throw error
            }
            if json {
                try printJSON(result)
            } else {
                print(result.message)
                if !result.receiptLines.isEmpty { print(result.receiptLines.joined(separator: "\n")) }
            }
            switch result.status {
            case .approved: return
            case .notPaid: throw ExitCode(2)
            case .unknown: throw ExitCode(3)
            }
        }

        static func pay(_ client: LocalAPIClient, caseId: String, amountCents: Int?) async -> Result<
            PaymentResult, AgentError
        > {
            do throws(AgentError) {
                return .success(try await client.pay(caseId: caseId, amountCents: amountCents))
            } catch {
                return .failure(error)
            }
        }
    }
}
