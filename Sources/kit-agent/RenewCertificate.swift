import ArgumentParser
import Foundation
import KitAgent
import KitCore
import Logging

extension KitAgentCommand {
    struct RenewCertificate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "renew-certificate",
            abstract: "Renew this kit's TLS client certificate with the sync server now (a new key).",
            discussion: """
                The running agent renews by itself after a sync once fewer than tls.renewBeforeDays (default 30) \
                days are left; this command renews at once, or with --if-due only inside that window. It needs the \
                kit's current, unexpired certificate; an expired or replaced one needs a new enrollment. The old \
                certificate stays in use until the new one is stored. Safe to run while the agent runs; if a \
                renewal was interrupted, this finishes it.
                """
        )

        @OptionGroup var options: AgentOptions
        @Flag(name: .customLong("if-due"), help: "Renew only when the certificate expires within the renewal window.")
        var ifDue = false
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let layered = try await options.layered()
            let directory = try StateDirectory.prepare(
                layered.string(AgentConfiguration.Key.stateDirectory) ?? AgentConfiguration.defaultStateDirectory)
            let days = try layered.integer(AgentConfiguration.Key.certificateRenewalDays, in: 1...300) ?? 30
            let logger = bootstrapLogging(level: .warning)
            let keys = try KitKeyStore(stateDirectory: directory)
            let connection = ServerConnection(keys: keys)
            let renewal = CertificateRenewal(
                keys: keys, connection: connection, logger: logger, renewBefore: TimeInterval(days) * 86_400)
            let outcome: CertificateRenewal.Outcome
            do {
                outcome = ifDue ? try await renewal.renewIfDue() : try await renewal.renew()
            } catch {
                await connection.shutdown()
                throw error
            }
            await connection.shutdown()
            let day = ISO8601DateFormatter()
            switch outcome {
            case .notDue(let notValidAfter):
                print(
                    json
                        ? #"{"renewed":false,"notValidAfter":"\#(day.string(from: notValidAfter))"}"#
                        : "not due: the certificate is valid until \(day.string(from: notValidAfter))")
            case .renewed(let serial, let notValidAfter, let recovered):
                print(
                    json
                        ? #"{"renewed":true,"serial":"\#(serial)","notValidAfter":"\#(day.string(from: notValidAfter))","recovered":\#(recovered)}"#
                        : "certificate renewed: serial \(serial), valid until \(day.string(from: notValidAfter))"
                            + (recovered ? " (finished an interrupted renewal)" : ""))
            }
        }
    }
}
