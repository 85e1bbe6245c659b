import Foundation
import Hummingbird
import KitCore
import KitDrivers
import Logging

/// Device steps that produce evidence (issues #7 and #8), for the clerk UI and office software:
///
/// - `POST /v1/cases/{caseId}/signature` `{"text": "…", "timeoutSeconds": 180}` shows the text on
///   the signature pad and records the signature bound to it (the wait: ``DeviceWaitPolicy``);
/// - `POST /v1/cases/{caseId}/fingerprints` `{"skip": {"leftIndex": "injured"}}` runs the BSI
///   finger plan on the scanner and records the finger set.
///
/// - `POST /v1/cases/{caseId}/identity` `{"can": "123456"}` checks the ID card against the case
///   (PACE, Terminal and Chip Authentication, DG4/DG5/DG8);
/// - `POST /v1/cases/{caseId}/address` `{"can": …, "street": …, "zip": …, "city": …}` writes the new
///   place of residence to the card (DG17) and records the register change — only after a matching
///   identity check and only to the case's citizen's card (re-read before writing); a repeated
///   address step answers 200 with the transaction recorded before;
/// - `POST /v1/cases/{caseId}/identity/override` `{"reason": "…"}` records the clerk's documented
///   override of a failed identity check: steps without the card may follow, the chip write never.
///
/// All answer 201 with the outbox seq once the one transaction is durable, and an error with
/// nothing recorded otherwise. They hold the request open while the citizen signs or scans.
struct EvidenceController<Context: RequestContext> {
    let runtime: KitRuntime
    let signatures: SignatureStation
    let fingerprints: FingerprintStation
    let identity: IdentityStation
    let cardReaderName: String?
    let sync: SyncService
    /// Where the finger-by-finger prompts go (`step.progress`), for the clerk's screen.
    var events: AgentEventHub? = nil
    /// The device steps waiting right now, for `POST /v1/cases/{caseId}/cancel`.
    var running = RunningDeviceSteps()
    /// How long each step may wait for the device; the clients wait for it (issue #19).
    var waits = DeviceWaitPolicy.standard

    struct Cancelled: ResponseEncodable {
        var seq: UInt64
        var txId: String
        /// The device step that was cancelled (`signature`, `fingerprints`, `identity`, `address`).
        var step: String
    }

    struct IdentityRequest: Decodable {
        /// The six-digit card access number printed on the card's front.
        var can: String
    }

    struct OverrideRequest: Decodable {
        /// Why the clerk continues without a matching card (how the person was identified instead).
        var reason: String
    }

    struct AddressRequest: Decodable {
        var can: String
        var street: String
        var zip: String
        var city: String
    }

    struct IdentityChecked: ResponseEncodable {
        var seq: UInt64
        var txId: String
        var result: IdentityStation.IdentityResult
        /// For a card that does not match: the differing values side by side, for the clerk's
        /// screen only (not recorded).
        var differences: [IdentityDifference]
    }

    struct SignatureRequest: Decodable {
        var text: String
        var timeoutSeconds: Int?
    }

    struct FingerprintRequest: Decodable {
        var skip: [String: String]?
    }

    struct Recorded: ResponseEncodable {
        var seq: UInt64
        var txId: String
        /// For finger sets: the kept fingers with their scores and the skipped ones.
        var kept: [StepPayload.FingerprintSet.Finger]?
        var skipped: [StepPayload.FingerprintSet.Skip]?
        /// For the address step: true when the change was recorded before and nothing happened now.
        var alreadyRecorded: Bool?
    }

    func register(on group: RouterGroup<Context>) {
        group.post("cases/:caseId/signature") { request, context -> EditedResponse<Recorded> in
            let caseId = try context.parameters.require("caseId")
            let body = try await request.decode(as: SignatureRequest.self, context: context)
            return try await self.sign(caseId: caseId, body)
        }
        group.post("cases/:caseId/identity") { request, context -> EditedResponse<IdentityChecked> in
            let caseId = try context.parameters.require("caseId")
            let body = try await request.decode(as: IdentityRequest.self, context: context)
            return try await self.checkIdentity(caseId: caseId, body)
        }
        group.post("cases/:caseId/identity/override") { request, context -> EditedResponse<Recorded> in
            let caseId = try context.parameters.require("caseId")
            let body = try await request.decode(as: OverrideRequest.self, context: context)
            return try await self.overrideIdentity(caseId: caseId, body)
        }
        group.post("cases/:caseId/address") { request, context -> EditedResponse<Recorded> in
            let caseId = try context.parameters.require("caseId")
            let body = try await request.decode(as: AddressRequest.self, context: context)
            return try await self.changeAddress(caseId: caseId, body)
        }
        group.post("cases/:caseId/cancel") { _, context -> EditedResponse<Cancelled> in
            let caseId = try context.parameters.require("caseId")
            return try await self.cancel(caseId: caseId)
        }
        group.post("cases/:caseId/fingerprints") { request, context -> EditedResponse<Recorded> in
            let caseId = try context.parameters.require("caseId")
            let body = try await request.decode(as: FingerprintRequest.self, context: context)
            return try await self.takeFingerprints(caseId: caseId, skips: try Self.skips(body.skip ?? [:]))
        }
    }

    static func checkCAN(_ can: String) throws {
        guard can.count == 6, can.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw ClerkFacingError(
                .badRequest, ClerkText(.inputCANFormat),
                detail: "the card access number (CAN) has six digits, printed on the card")
        }
    }

    func checkIdentity(caseId: String, _ body: IdentityRequest) async throws -> EditedResponse<IdentityChecked> {
        try Self.checkCAN(body.can)
        try await WorkflowGate.check(runtime, caseId: caseId, kind: .identityChecked)
        let outcome:
            (
                receipt: Outbox.Receipt, result: IdentityStation.IdentityResult, differences: [IdentityDifference]
            )
        do {
            let (identity, reader, cardWait) = (self.identity, cardReaderName, waits.cardWait)
            outcome = try await running.run(
                caseId: caseId, step: "identity", limit: waits.deviceWait(.identity)
            ) { () throws(EvidenceError) in
                try await identity.withCard(readerName: reader, cardWait: cardWait) { transport throws(EvidenceError) in
                    try await identity.checkIdentityShowingDifferences(caseId: caseId, can: body.can, over: transport)
                }
            }
        } catch {
            throw ClerkFacingError(Self.status(for: error), error.clerkText, detail: error.description)
        }
        await sync.trigger()
        return EditedResponse(
            status: .created,
            response: IdentityChecked(
                seq: outcome.receipt.seq, txId: outcome.receipt.txId.uuidString.lowercased(), result: outcome.result,
                differences: outcome.differences))
    }

    func changeAddress(caseId: String, _ body: AddressRequest) async throws -> EditedResponse<Recorded> {
        try Self.checkCAN(body.can)
        guard !body.street.isEmpty, !body.city.isEmpty, body.zip.count == 5, body.zip.allSatisfy(\.isNumber) else {
            throw ClerkFacingError(
                .badRequest, ClerkText(.inputAddress), detail: "the new address needs street, a five-digit zip and city"
            )
        }
        try await WorkflowGate.check(runtime, caseId: caseId, kind: .addressChanged)
        let address = CaseSnapshot.Address(street: body.street, zip: body.zip, city: body.city)
        let outcome: IdentityStation.AddressChangeOutcome
        do {
            // Refused before the reader is even opened: no matching identity check (the station
            // checks again, and re-reads the holder inside the secure channel).
            try identity.checkAddressStepAllowed(caseId: caseId)
            // A running device step like the others: the clerk's cancel and the agent's shutdown
            // (SIGTERM) end the wait for the card; a write the card has taken is recorded whole or,
            // cut before its record, found again on the chip by the next attempt.
            let (identity, reader, cardWait) = (self.identity, cardReaderName, waits.cardWait)
            outcome = try await running.run(caseId: caseId, step: "address", limit: waits.deviceWait(.address)) {
                () throws(EvidenceError) in
                try await identity.withCard(readerName: reader, cardWait: cardWait) { transport throws(EvidenceError) in
                    try await identity.changeAddress(caseId: caseId, can: body.can, to: address, over: transport)
                }
            }
        } catch {
            throw ClerkFacingError(Self.status(for: error), error.clerkText, detail: error.description)
        }
        if outcome.alreadyRecorded {
            return EditedResponse(
                status: .ok,
                response: Recorded(
                    seq: outcome.receipt.seq, txId: outcome.receipt.txId.uuidString.lowercased(),
                    alreadyRecorded: true))
        }
        return await recorded(outcome.receipt)
    }

    func overrideIdentity(caseId: String, _ body: OverrideRequest) async throws -> EditedResponse<Recorded> {
        try await WorkflowGate.check(runtime, caseId: caseId, kind: .identityChecked)
        let receipt: Outbox.Receipt
        do {
            receipt = try await identity.recordOverride(caseId: caseId, reason: body.reason)
        } catch {
            throw ClerkFacingError(Self.status(for: error), error.clerkText, detail: error.description)
        }
        return await recorded(receipt)
    }

    func sign(caseId: String, _ body: SignatureRequest) async throws -> EditedResponse<Recorded> {
        guard !body.text.isEmpty else {
            throw ClerkFacingError(.badRequest, ClerkText(.inputTextToSignEmpty), detail: "the text to sign is empty")
        }
        try await WorkflowGate.check(runtime, caseId: caseId, kind: .signatureCaptured)
        let timeout = waits.deviceWait(.signature, requested: body.timeoutSeconds.map { .seconds($0) })
        let receipt: Outbox.Receipt
        do {
            let signatures = self.signatures
            receipt = try await running.run(caseId: caseId, step: "signature") { () throws(EvidenceError) in
                try await signatures.signOnConnectedPad(caseId: caseId, text: body.text, timeout: timeout)
            }
        } catch {
            throw ClerkFacingError(Self.status(for: error), error.clerkText, detail: error.description)
        }
        return await recorded(receipt)
    }

    func takeFingerprints(
        caseId: String, skips: [FingerImageRecord.Position: FingerprintSkipReason]
    ) async throws -> EditedResponse<Recorded> {
        try await WorkflowGate.check(runtime, caseId: caseId, kind: .fingerprintsCaptured)
        let result: (receipt: Outbox.Receipt, set: FingerprintSet)
        do {
            let (events, fingerprints) = (self.events, self.fingerprints)
            var bsiPlan = FingerprintCapturePlan.bsiDefault
            bsiPlan.captureTimeout = waits.fingerCapture
            let plan = bsiPlan
            result = try await running.run(
                caseId: caseId, step: "fingerprints", limit: waits.deviceWait(.fingerprints)
            ) { () throws(EvidenceError) in
                try await fingerprints.captureOnConnectedScanner(
                    caseId: caseId, plan: plan, skips: skips,
                    notices: { notice in
                        events?.publish(
                            AgentEvent(
                                type: .stepProgress, caseId: caseId, step: "fingerprints", message: notice.german))
                    })
            }
        } catch {
            throw ClerkFacingError(Self.status(for: error), error.clerkText, detail: error.description)
        }
        let kept = result.set.keptFingers.map {
            StepPayload.FingerprintSet.Finger(
                position: String(describing: $0.position), score: $0.quality.score,
                meetsThreshold: $0.meetsQualityThreshold)
        }
        let skipped = result.set.skippedFingers.map {
            StepPayload.FingerprintSet.Skip(position: String(describing: $0.position), reason: $0.reason.rawValue)
        }
        return await recorded(result.receipt, kept: kept, skipped: skipped)
    }

    /// Cancels the case's waiting device step (the device is cleared, nothing of the step is
    /// recorded) and records `step.cancelled`; 409 when no step waits (or it just finished).
    func cancel(caseId: String) async throws -> EditedResponse<Cancelled> {
        guard let step = await running.cancel(caseId: caseId) else {
            throw ClerkFacingError(
                .conflict, ClerkText(.cancelNothingRunning),
                detail: "no device step is waiting for case \(caseId) (it finished or was never started)")
        }
        let receipt: Outbox.Receipt
        do throws(EvidenceError) {
            let snapshot: CaseSnapshot
            do { snapshot = try await runtime.cases.snapshot(caseId: caseId) } catch {
                throw EvidenceError.caseUnavailable(error)
            }
            receipt = try await EvidenceRecorder(runtime: runtime).enqueue(
                caseId: caseId, kind: .stepCancelled, baseVersion: snapshot.version,
                facts: StepPayload.StepCancelled(step: step))
        } catch {
            throw ClerkFacingError(Self.status(for: error), error.clerkText, detail: error.description)
        }
        await sync.trigger()
        return EditedResponse(
            status: .created,
            response: Cancelled(seq: receipt.seq, txId: receipt.txId.uuidString.lowercased(), step: step))
    }

    private func recorded(
        _ receipt: Outbox.Receipt, kept: [StepPayload.FingerprintSet.Finger]? = nil,
        skipped: [StepPayload.FingerprintSet.Skip]? = nil
    ) async -> EditedResponse<Recorded> {
        await sync.trigger()
        return EditedResponse(
            status: .created,
            response: Recorded(
                seq: receipt.seq, txId: receipt.txId.uuidString.lowercased(), kept: kept, skipped: skipped))
    }

    /// `{"leftIndex": "injured"}` → positions and reasons; unknown names are a 400.
    static func skips(_ raw: [String: String]) throws -> [FingerImageRecord.Position: FingerprintSkipReason] {
        var result: [FingerImageRecord.Position: FingerprintSkipReason] = [:]
        for (name, reasonName) in raw {
            guard let position = FingerImageRecord.Position.allCases.first(where: { "\($0)" == name }) else {
                throw ClerkFacingError(
                    .badRequest, ClerkText(.inputFingerUnknown),
                    detail: "unknown finger \"\(name)\" (use e.g. rightIndex, leftThumb)")
            }
            guard let reason = FingerprintSkipReason(rawValue: reasonName) else {
                let known = FingerprintSkipReason.allCases.map(\.rawValue).joined(separator: ", ")
                throw ClerkFacingError(
                    .badRequest, ClerkText(.inputFingerUnknown),
                    detail: "unknown skip reason \"\(reasonName)\" (use \(known))")
            }
            result[position] = reason
        }
        return result
    }

    static func status(for error: EvidenceError) -> HTTPResponse.Status {
        switch error {
        case .caseUnavailable(let caseError): return caseError.httpStatus
        case .noSignaturePad, .noFingerprintScanner, .signaturePad, .fingerprintScanner, .cardReader,
            .noTerminalCredentials:
            return .serviceUnavailable
        case .idCard(let error):
            if case .pace(.wrongPassword) = error { return .forbidden }
            return .conflict
        case .addressNotWritten, .identityNotConfirmed, .cardHolderDiffers, .identityAlreadyConfirmed,
            .addressAlreadyRecorded:
            return .conflict
        case .overrideReasonMissing: return .badRequest
        case .cancelledByClerk, .deviceWaitOver: return .conflict
        case .stoppedForShutdown: return .serviceUnavailable
        case .storage: return .serviceUnavailable
        case .fingerprintCapture, .bindingBroken, .emptyFingerprintSet: return .conflict
        case .notReady, .outbox, .signatureRecord, .fingerprintEncoding: return .serviceUnavailable
        }
    }
}
