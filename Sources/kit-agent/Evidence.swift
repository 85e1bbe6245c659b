import ArgumentParser
import Foundation
import KitAgent
import KitCore

extension KitAgentCommand {
    struct Sign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Let the citizen sign a text on the signature pad and record the signature for the case.",
            discussion: """
                The pad shows the text, the citizen's name and OK / Wiederholen / Abbrechen. After OK the \
                signature (ISO/IEC 19794-7 record and picture), bound to the SHA-256 of exactly this text, is \
                sealed as one transaction. A cancelled signing or an unplugged pad records nothing. The pad \
                waits 180 s for OK, then is cleared and refuses a late OK; the command waits that long plus \
                30 s (DeviceWaitPolicy), so a signature the agent records is always reported here.
                """
        )

        @OptionGroup var options: AgentOptions
        @Option(name: .customLong("case"), help: "The case id.") var caseId: String
        @Option(help: "The text the citizen confirms with the signature.") var text: String

        func run() async throws {
            let stateDirectory = try await options.resolveStateDirectory()
            let client = try LocalAPIClient(stateDirectory: stateDirectory)
            let recorded = try await DeviceStepInterrupt.cancellingOnInterrupt(client, caseId: caseId) {
                try await client.captureSignature(caseId: caseId, text: text)
            }
            print("signature recorded for case \(caseId) as transaction \(recorded.seq)")
        }
    }

    struct Fingerprints: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take the fingerprints for an ID document on the scanner and record the finger set.",
            discussion: """
                BSI procedure: left and right index finger (thumb, middle, ring finger if one cannot be \
                taken), three captures each, the best kept. Name fingers to skip with their reason, e.g. \
                --skip leftIndex=injured (reasons: missing, injured, notCapturable).
                """
        )

        @OptionGroup var options: AgentOptions
        @Option(name: .customLong("case"), help: "The case id.") var caseId: String
        @Option(help: "A finger to skip as FINGER=REASON; repeatable.") var skip: [String] = []

        func run() async throws {
            var skips: [String: String] = [:]
            for entry in skip {
                let parts = entry.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { throw ValidationError("--skip \(entry) is not FINGER=REASON") }
                skips[String(parts[0])] = String(parts[1])
            }
            let stateDirectory = try await options.resolveStateDirectory()
            let client = try LocalAPIClient(stateDirectory: stateDirectory)
            let recorded = try await DeviceStepInterrupt.cancellingOnInterrupt(client, caseId: caseId) {
                try await client.captureFingerprints(caseId: caseId, skips: skips)
            }
            print("finger set recorded for case \(caseId) as transaction \(recorded.seq)")
            for finger in recorded.kept ?? [] {
                let note = finger.meetsThreshold ? "" : " (below the quality threshold)"
                print("  \(finger.position): score \(finger.score)\(note)")
            }
            for skipped in recorded.skipped ?? [] {
                print("  \(skipped.position): skipped, \(skipped.reason)")
            }
        }
    }
}

extension KitAgentCommand {
    struct Identity: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the citizen's ID card on the reader against the case and record the result.",
            discussion: """
                The kit opens the card with its card access number (CAN, six digits on the front), \
                authenticates as Änderungsterminal (certificates in card.terminalCredentials) and compares \
                names and date of birth with the case. Only the outcome is recorded, not the card's data.
                """
        )

        @OptionGroup var options: AgentOptions
        @Option(name: .customLong("case"), help: "The case id.") var caseId: String
        @Option(help: "The card access number printed on the ID card (6 digits).") var can: String?
        @Option(
            name: .customLong("override-reason"),
            help: """
                Instead of a card: record a documented override of a failed check (how the person was \
                identified). Later steps without the card may follow; the address is never written to a card.
                """)
        var overrideReason: String?

        func validate() throws {
            guard (can == nil) != (overrideReason == nil) else {
                throw ValidationError("give either --can (check the card) or --override-reason (no card)")
            }
        }

        func run() async throws {
            let stateDirectory = try await options.resolveStateDirectory()
            if let overrideReason {
                let seq = try await LocalAPIClient(stateDirectory: stateDirectory).overrideIdentity(
                    caseId: caseId, reason: overrideReason)
                print("identity override recorded for case \(caseId) as transaction \(seq); no card will be written")
                return
            }
            let can = self.can ?? ""
            let client = try LocalAPIClient(stateDirectory: stateDirectory)
            let (seq, result) = try await DeviceStepInterrupt.cancellingOnInterrupt(client, caseId: caseId) {
                try await client.checkIdentity(caseId: caseId, can: can)
            }
            if result.matchesCase {
                print("identity confirmed for case \(caseId) (transaction \(seq))")
            } else {
                print(
                    "the ID card does not match case \(caseId): \(result.mismatches.joined(separator: ", ")) "
                        + "differ (recorded as transaction \(seq))")
                throw ExitCode(2)
            }
        }
    }

    struct Address: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the citizen's new address to the ID card and record the change for the register.",
            discussion: """
                Only after `kit-agent identity` matched the case's citizen. The card's holder is read again in \
                the same secure session and another person's card is refused before anything is written. The \
                new address is read back from the card before the change is recorded; a case has one address \
                change, repeating the command answers with it.
                """
        )

        @OptionGroup var options: AgentOptions
        @Option(name: .customLong("case"), help: "The case id.") var caseId: String
        @Option(help: "The card access number printed on the ID card (6 digits).") var can: String
        @Option(help: "Street and house number.") var street: String
        @Option(help: "Five-digit postal code.") var zip: String
        @Option(help: "City.") var city: String

        func run() async throws {
            let stateDirectory = try await options.resolveStateDirectory()
            let client = try LocalAPIClient(stateDirectory: stateDirectory)
            let address = CaseSnapshot.Address(street: street, zip: zip, city: city)
            let recorded = try await DeviceStepInterrupt.cancellingOnInterrupt(client, caseId: caseId) {
                try await client.changeAddress(caseId: caseId, can: can, address: address)
            }
            if recorded.alreadyRecorded == true {
                print(
                    "the address change of case \(caseId) was already recorded as transaction \(recorded.seq); "
                        + "nothing was written or recorded now")
            } else {
                print(
                    "new address written to the ID card and recorded for case \(caseId) as transaction \(recorded.seq)")
            }
        }
    }
}
