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
                3 outcome unknown. With --list, shows payments whose outcome is not known yet.
                """
        )

        @OptionGroup var options: AgentOptions
        @Option(name: .customLong("case"), help: "The case id.") var caseId: String?
        @Option(help: "Amount in euro cents (default: the sum of the case's fees).") var amount: Int?
        @Flag(help: "List payments whose outcome is not recorded yet instead of paying.") var list = false
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
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
            guard let caseId else { return }
            let result = try await client.pay(caseId: caseId, amountCents: amount)
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
    }
}
