import Crypto
import Foundation
import KitCore
import Testing

@testable import SyncServer

/// The server's side of the photo's chain of custody: `photo.captured` is evidence for an open case,
/// proves the `photo` step, routes the case to the document authority, and is rejected when its
/// record or image does not match the SHA-256 in its signed facts.
@Suite("Conflict rules: photo.captured")
struct PhotoRulesTests {
    static let header = TransactionHeader(
        kitId: "kit-a", seq: 2, txId: UUID(), caseId: "c-1", baseVersion: 1, kind: "photo.captured",
        monotonicNanos: 1, wallMillis: 1, prevHash: TransactionHeader.genesisHash)

    static func state(open: Bool = true, applied: Set<String> = []) -> CaseState {
        CaseState(
            caseId: "c-1", version: 1, assignedKit: "kit-a", open: open, feeCents: 0, feePaid: false,
            requiredSteps: [.identify, .photo, .complete], appliedKinds: applied, verifiedCardBindings: [])
    }

    /// A minimal 19794-5 record: header, facial information, no feature points, image information, image.
    static func record(image: [UInt8]) -> [UInt8] {
        let length = 14 + 20 + 12 + image.count
        var bytes = Array("FAC".utf8) + [0] + Array("010".utf8) + [0]
        bytes += [0, 0, UInt8(length >> 8), UInt8(length & 0xFF), 0, 1]
        bytes +=
            [0, 0, UInt8((length - 14) >> 8), UInt8((length - 14) & 0xFF), 0, 0] + [UInt8](repeating: 0, count: 14)
        bytes += [2, 0, 0, 4, 0, 4, 1, 6, 0, 0, 0, 0]
        return bytes + image
    }

    static func payload(image: [UInt8] = [0xFF, 0xD8, 1, 2, 3, 0xFF, 0xD9], tamper: Bool = false) throws -> [UInt8] {
        let record = record(image: image)
        let facts = StepPayload.Photo(
            imageSHA256: Hex.encode(Array(SHA256.hash(data: image))),
            recordSHA256: Hex.encode(Array(SHA256.hash(data: record))), format: "test", width: 4, height: 4,
            eyes: [], checks: [], framesTaken: 1)
        var attachment = record
        if tamper { attachment[attachment.count - 2] ^= 0x01 }
        return try StepPayload.compose(facts: facts, attachment: attachment)
    }

    @Test("A photo whose facts name its record and image is recorded")
    func matchingPhotoApplies() throws {
        let decision = ConflictRules.decide(
            header: Self.header, payload: try Self.payload(), state: Self.state(), lookups: RuleLookups())
        #expect(decision == .apply(.recordOnly))
    }

    @Test("A swapped image is rejected; so are unreadable facts and a missing record")
    func swappedImageIsRejected() throws {
        let swapped = ConflictRules.decide(
            header: Self.header, payload: try Self.payload(tamper: true), state: Self.state(), lookups: RuleLookups())
        guard case .reject(let reason) = swapped else {
            Issue.record("expected a rejection, got \(swapped)")
            return
        }
        #expect(reason.contains("SHA-256"))
        for payload in [Array("{}".utf8), Array("garbage".utf8), []] {
            let decision = ConflictRules.decide(
                header: Self.header, payload: payload, state: Self.state(), lookups: RuleLookups())
            if case .reject = decision {} else { Issue.record("accepted \(payload)") }
        }
    }

    @Test("A photo after the case was closed is a conflict; a recorded photo proves the photo step")
    func closedCaseAndCompletion() throws {
        let closed = ConflictRules.decide(
            header: Self.header, payload: try Self.payload(), state: Self.state(open: false), lookups: RuleLookups())
        if case .conflict(let reason, _, _) = closed {
            #expect(reason == .caseClosed)
        } else {
            Issue.record("expected a conflict, got \(closed)")
        }
        let completion = TransactionHeader(
            kitId: "kit-a", seq: 3, txId: UUID(), caseId: "c-1", baseVersion: 1, kind: "case.completed",
            monotonicNanos: 2, wallMillis: 2, prevHash: TransactionHeader.genesisHash)
        let without = ConflictRules.decide(
            header: completion, payload: Array("{}".utf8), state: Self.state(applied: ["identity.checked"]),
            lookups: RuleLookups())
        if case .conflict(let reason, _, _) = without {
            #expect(reason == .incomplete)
        } else {
            Issue.record("expected incomplete, got \(without)")
        }
        let with = ConflictRules.decide(
            header: completion, payload: Array("{}".utf8),
            state: Self.state(applied: ["identity.checked", "photo.captured"]), lookups: RuleLookups())
        #expect(with == .apply(.closeCase))
        #expect(
            HandoffRouting.procedures(appliedKinds: ["photo.captured"], feePaid: false).contains(.documentAuthority))
    }
}
