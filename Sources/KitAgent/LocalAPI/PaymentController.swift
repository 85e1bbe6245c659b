import Foundation
import Hummingbird
import KitCore
import NIOCore

extension PaymentResult: ResponseEncodable {}
extension PaymentIntentRecord: ResponseEncodable {}

/// `POST /v1/cases/{caseId}/payment` `{"amountCents": 1250}` (amount optional: the case's fees):
/// takes a card payment on the EC terminal and answers its outcome — approved with trace and
/// receipt number, not paid with the reason, or unknown (the kit asks the terminal by itself).
/// `GET /v1/payments`: payments whose outcome is not recorded yet.
struct PaymentController<Context: RequestContext> {
    let desk: PaymentDesk
    let runtime: KitRuntime
    let sync: SyncService

    struct Body: Decodable {
        var amountCents: Int?
    }

    /// `POST /v1/payments/{intentSeq}/resolve`: a person settles a payment the terminal cannot account for.
    struct ManualResolution: Decodable {
        var paid: Bool
        var receiptNumber: Int?
        var traceNumber: Int?
        var note: String
    }

    func register(on group: RouterGroup<Context>) {
        group.post("cases/:caseId/payment") { request, context -> PaymentResult in
            let caseId = try context.parameters.require("caseId")
            let bytes = try await request.body.collect(upTo: 64 * 1024)
            var amount: Int?
            if bytes.readableBytes > 0 {
                do {
                    amount = try JSONDecoder().decode(Body.self, from: Data(bytes.readableBytesView)).amountCents
                } catch {
                    throw ClerkFacingError(
                        .badRequest, ClerkText(.inputInvalid),
                        detail: "the body must be JSON like {\"amountCents\": 1250}")
                }
            }
            try await WorkflowGate.check(runtime, caseId: caseId, kind: .paymentOutcome)
            return try await self.pay(caseId: caseId, amountCents: amount)
        }
        group.get("payments") { _, _ -> [PaymentIntentRecord] in
            try await self.unresolved()
        }
        group.post("payments/:intentSeq/resolve") { request, context -> PaymentResult in
            guard let seq = context.parameters.get("intentSeq", as: UInt64.self) else {
                throw ClerkFacingError(
                    .badRequest, ClerkText(.inputInvalid), detail: "the payment is named by its intent seq (a number)")
            }
            let body = try await request.decode(as: ManualResolution.self, context: context)
            let result: PaymentResult
            do throws(PaymentError) {
                result = try await desk.resolveByHand(
                    intentSeq: seq, paid: body.paid, receiptNumber: body.receiptNumber, traceNumber: body.traceNumber,
                    note: body.note)
            } catch {
                throw ClerkFacingError(Self.status(for: error), error.clerkText, detail: error.description)
            }
            await sync.trigger()
            return result
        }
    }

    func unresolved() async throws -> [PaymentIntentRecord] {
        do {
            return try await desk.unresolved()
        } catch {
            throw ClerkFacingError(Self.status(for: error), error.clerkText, detail: error.description)
        }
    }

    func pay(caseId: String, amountCents: Int?) async throws -> PaymentResult {
        let result: PaymentResult
        do {
            result = try await desk.pay(caseId: caseId, amountCents: amountCents)
        } catch {
            throw ClerkFacingError(Self.status(for: error), error.clerkText, detail: error.description)
        }
        await sync.trigger()
        return result
    }

    static func status(for error: PaymentError) -> HTTPResponse.Status {
        switch error {
        case .caseUnavailable(let caseError): return caseError.httpStatus
        case .noAmount, .invalidAmount, .manualResolutionRefused: return .badRequest
        case .unresolvedPayment, .busy, .alreadyResolved: return .conflict
        case .noSuchIntent: return .notFound
        case .noTerminal, .notReady, .outbox, .stopping: return .serviceUnavailable
        }
    }
}
