import Foundation
import KitCore
import Testing

@testable import KitAgent

/// The clerk's message catalogue (issue #20): every key has a German text, every key is used by the
/// agent, placeholders are filled, and what the clerk reads carries no English.
@Suite("Clerk message catalogue: German texts for every key, no unused keys")
struct ClerkMessageCatalogueTests {
    /// Words of the agent's English messages that never occur in German sentences.
    static let englishWords: Set<String> = [
        "the", "is", "not", "cannot", "failed", "wrong", "please", "after", "try", "again", "no", "connected",
        "declined", "aborted", "unlock", "secret", "nothing", "written", "recorded", "check", "kit", "card",
        "terminal's",
        "payment", "waits", "first", "missing", "unknown", "error", "plug", "found", "refused",
    ]

    static func words(_ text: String) -> [String] {
        text.lowercased().split(whereSeparator: { !$0.isLetter && $0 != "'" }).map(String.init)
    }

    @Test("every key has a German text without English words")
    func everyKeyHasAText() {
        for key in ClerkMessage.allCases {
            let text = ClerkMessageCatalogue.german[key]
            #expect(text != nil, "no text for \(key)")
            guard let text else { continue }
            #expect(!text.trimmingCharacters(in: .whitespaces).isEmpty, "empty text for \(key)")
            // Placeholder names ({missing}) are not words the clerk reads.
            let readable = text.replacing(/\{[a-zA-Z]+\}/, with: "")
            let english = Self.words(readable).filter(Self.englishWords.contains)
            #expect(english.isEmpty, "\(key) has English words \(english): \(text)")
        }
        #expect(ClerkMessageCatalogue.german.count == ClerkMessage.allCases.count)
    }

    @Test("every key is used in the agent's code")
    func noUnusedKeys() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/KitAgent")
        var code = ""
        let files = try #require(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil))
        for case let file as URL in files where file.pathExtension == "swift" {
            // The key list and the texts themselves do not count as uses.
            if ["ClerkMessage.swift", "ClerkMessageCatalogue.swift"].contains(file.lastPathComponent) { continue }
            code += try String(contentsOf: file, encoding: .utf8)
        }
        for key in ClerkMessage.allCases {
            let pattern = try Regex("\\.\(key.rawValue)(?![A-Za-z0-9_])")
            #expect(code.contains(pattern), "key \(key) is not used by the agent: remove it or use it")
        }
    }

    @Test("placeholders are filled where the agent names them")
    func placeholdersFilled() {
        let samples: [ClerkText] = [
            UnlockError.wrongSecret(failedAttempts: 1, remainingBeforeWait: 2).clerkText(),
            UnlockError.tooManyAttempts(retryAfter: Date()).clerkText(),
            UnlockError.secretTooShort(minimum: 8).clerkText(),
            WorkflowRefusal.notInCase(step: .fingerprints).clerkText,
            WorkflowRefusal.waitsFor(step: .complete, missing: [.sign, .pay]).clerkText,
            EvidenceError.overrideReasonMissing.clerkText,
            PaymentError.unresolvedPayment(caseId: "c", amountCents: 1250, intentTxId: "t").clerkText,
            ClerkText(.paymentApproved, ["amount": ClerkText.euros(1250)]),
            ClerkText(.paymentDeclined, ["terminal": "Karte gesperrt"]),
            ClerkText(.cardReaderProblem, ["reader": "Das Kartenlesegerät ist nicht angeschlossen."]),
        ]
        for sample in samples {
            #expect(!sample.german.contains("{"), "unfilled placeholder: \(sample.german)")
            #expect(
                ClerkText.placeholders(in: ClerkMessageCatalogue.german[sample.key] ?? "")
                    == Set(sample.arguments.keys), "\(sample.key): arguments \(sample.arguments.keys)")
        }
        #expect(
            WorkflowRefusal.waitsFor(step: .complete, missing: [.sign, .pay]).clerkText.german
                == "„Abschließen“ kommt erst nach „Unterschrift“, „Bezahlen“. Bitte zuerst das erledigen.")
        #expect(ClerkText(.paymentApproved, ["amount": ClerkText.euros(1250)]).german == "Bezahlt: 12,50 €.")
    }

    @Test("a lock-out names the local time: bis 14:32 Uhr")
    func lockOutLocalTime() throws {
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        // 2026-12-07 13:32 UTC is 14:32 in Berlin (CET).
        let until = Date(timeIntervalSince1970: 1_796_650_320)
        let text = UnlockError.tooManyAttempts(retryAfter: until).clerkText(
            now: until.addingTimeInterval(-60), timeZone: berlin)
        #expect(text.german == "Zu viele falsche Kennwörter: Der Koffer ist bis 14:32 Uhr gesperrt.")
        let tomorrow = UnlockError.tooManyAttempts(retryAfter: until).clerkText(
            now: until.addingTimeInterval(-86_400), timeZone: berlin)
        #expect(tomorrow.german.contains("bis 07.12.2026, 14:32 Uhr"), "\(tomorrow.german)")
        #expect(!text.german.contains("T13:32"))
    }

    @Test("every error the local API maps has a German text and an English detail apart")
    func errorsSeparateGermanFromDetail() {
        let errors: [(ClerkText, String)] = [
            (EvidenceError.noSignaturePad.clerkText, EvidenceError.noSignaturePad.description),
            (PaymentError.noTerminal.clerkText, PaymentError.noTerminal.description),
            (StepError.needsCard(.identityChecked).clerkText, StepError.needsCard(.identityChecked).description),
            (CaseStoreError.noSuchCase(caseId: "x").clerkText, CaseStoreError.noSuchCase(caseId: "x").description),
            (WorkflowRefusal.paymentPending.clerkText, WorkflowRefusal.paymentPending.description),
        ]
        for (text, detail) in errors {
            #expect(Self.words(text.german).filter(Self.englishWords.contains).isEmpty, "\(text.german)")
            #expect(text.german != detail)
        }
    }

    @Test("a declined payment's result names the terminal's German text")
    func declinedPaymentGerman() {
        let result = PaymentResult(
            status: .notPaid, caseId: "c", intentTxId: "t", amountCents: 1205, currencyCode: 978,
            reason: "declined: issuer declined")
        #expect(result.clerkMessage == ClerkText(.paymentNotPaid).german)
        let settled = PaymentResult(
            status: .notPaid, caseId: "c", intentTxId: "t", amountCents: 1205, currencyCode: 978,
            reason: "settled by hand: not paid")
        #expect(settled.clerkMessage == ClerkText(.paymentSettledNotPaid).german)
    }
}
