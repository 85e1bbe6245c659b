import Foundation
import Hummingbird
import KitCore

/// `POST /v1/steps`: record a completed step of a case (clerk UI, office software). Answers
/// 201 with the outbox seq once the transaction is durable.
struct StepController<Context: RequestContext> {
    let recorder: StepRecorder
    let sync: SyncService

    struct Recorded: ResponseEncodable {
        var seq: UInt64
        var txId: String
    }

    func register(on group: RouterGroup<Context>) {
        group.post("steps") { request, context -> EditedResponse<Recorded> in
            let step = try await request.decode(as: StepRecorder.Step.self, context: context)
            return try await self.record(step)
        }
    }

    func record(_ step: StepRecorder.Step) async throws -> EditedResponse<Recorded> {
        try await WorkflowGate.check(recorder.runtime, caseId: step.caseId, kind: step.kind)
        let receipt: Outbox.Receipt
        do {
            receipt = try await recorder.record(step)
        } catch {
            throw ClerkFacingError(Self.status(for: error), error.clerkText, detail: error.description)
        }
        await sync.trigger()
        return EditedResponse(
            status: .created, response: Recorded(seq: receipt.seq, txId: receipt.txId.uuidString.lowercased()))
    }

    static func status(for error: StepError) -> HTTPResponse.Status {
        switch error {
        case .caseUnavailable(let caseError): return caseError.httpStatus
        case .missingFacts, .notRecordable, .factsInvalid: return .badRequest
        case .needsCard: return .conflict
        case .outbox(.tooLargeForServer): return .contentTooLarge
        case .notReady, .outbox: return .serviceUnavailable
        }
    }
}
