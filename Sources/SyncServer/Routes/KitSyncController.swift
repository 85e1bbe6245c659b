import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import KitCore
import Logging
import NIOCore

extension IngestReply: ResponseEncodable {}
extension CheckoutPage: ResponseEncodable {}
extension RegisterLookupAnswer: ResponseEncodable {}

/// Kit routes: `POST /v1/ingest`, `POST /v1/kits/{id}/report`, `GET /v1/kits/{id}/cases?cursor=` and
/// `POST /v1/register/lookup` (a walk-in at the counter).
///
/// Ingest reads at most ``IngestLimits/maxRequestBytes`` (announced in `/v1/version` and in the
/// `Kit-Ingest-Max-Bytes` header); a larger body is refused with 413 and logged and counted with
/// kit and size, so a jam is visible on the server too. The report route carries the kit's queue
/// and sync problem on its own small request, so the fleet view learns of a kit whose ingest
/// requests keep failing.
struct KitSyncController {
    let store: any SyncStore
    let engine: IngestEngine
    let metrics: ServerMetrics
    let limits: IngestLimits
    /// Signs wipe orders to kits marked lost (``WipeOrder``).
    let orderKey: P256.Signing.PrivateKey
    let logger: Logger
    /// Handed to kits with the checkout, for walk-in cases (issue #20).
    var catalogue: ServiceCatalogue = .city
    /// Backpressure: batches decided at once, the line and its wait (issue #18).
    var admission = IngestAdmission.standard()

    /// Most bytes of a report (device list and problem text).
    static let maximumReportBytes = 64 << 10

    func register(on group: RouterGroup<SyncRequestContext>) {
        group.post("ingest") { request, context -> Response in
            let kitId = try Self.kit(context)
            do {
                return try await admission.withSlot(kitId: kitId) {
                    try await ingest(request, context, kitId: kitId)
                }
            } catch let refusal as IngestAdmission.Refusal {
                throw busy(refusal, kitId: kitId)
            }
        }
        group.post("kits/:kit/report") { request, context -> HTTPResponse.Status in
            let kitId = try Self.kit(context)
            guard try context.parameters.require("kit") == kitId else {
                throw refuse(.forbidden, kitId: kitId, "a kit can only report for itself")
            }
            let report = try await decode(KitReport.self, request, context, kitId: kitId, upTo: Self.maximumReportBytes)
            try await store.updateReport(kitId: kitId, report: report, at: Date())
            if let problem = report.syncProblem {
                logger.warning(
                    "kit reports that its queue does not drain",
                    metadata: [
                        "kit": "\(kitId)", "problem": "\(problem.kind.rawValue)", "seq": "\(problem.seq ?? 0)",
                        "attempts": "\(problem.attempts)", "reason": "\(problem.reason)",
                    ])
            }
            return .noContent
        }
        group.get("kits/:kit/cases") { request, context -> CheckoutPage in
            let kitId = try Self.kit(context)
            guard try context.parameters.require("kit") == kitId else {
                throw HTTPError(.forbidden, message: "a kit can only check out its own cases")
            }
            let orderKeyPEM = orderKey.publicKey.pemRepresentation
            if let record = try await store.kit(kitId: kitId), let lostAt = record.lostAt,
                let orderId = record.lostOrderId
            {
                // A lost kit gets no more cases, only the order to wipe itself; its queue was
                // taken first (the kit checks out after sending).
                logger.warning("a kit marked lost made contact: wipe order sent", metadata: ["kit": "\(kitId)"])
                let order = try WipeOrder.signed(kitId: kitId, orderId: orderId, issuedAt: lostAt, key: orderKey)
                return CheckoutPage(
                    cases: [], resolutions: [], nextCursor: nil, wipeOrder: order, orderKey: orderKeyPEM)
            }
            let limit = min(max(request.uri.queryParameters.get("limit", as: Int.self) ?? 50, 1), 200)
            var page = try await store.checkout(
                kitId: kitId, after: request.uri.queryParameters.get("cursor"), limit: limit)
            page.orderKey = orderKeyPEM
            if request.uri.queryParameters.get("cursor") == nil {
                // The clerk list travels with the first page (revoked clerks lose their key slot).
                page.clerks = try await store.clerks(kitId: kitId)
                page.serviceCatalogue = catalogue
            }
            return page
        }
        group.post("register/lookup") { request, context -> RegisterLookupAnswer in
            // A walk-in at the counter (issue #20): an unknown citizen is an answer, not an error.
            let kitId = try Self.kit(context)
            let lookup = try await decode(RegisterLookupRequest.self, request, context, kitId: kitId, upTo: 4096)
            let probe = WalkInCitizen(
                givenNames: lookup.givenNames, familyName: lookup.familyName, dateOfBirth: lookup.dateOfBirth)
            if let problem = probe.problem {
                throw refuse(.badRequest, kitId: kitId, "register lookup: \(problem)")
            }
            return RegisterLookupAnswer(record: try await store.registerRecord(matching: lookup, lookedUpBy: kitId))
        }
        group.post("kits/:kit/wiped") { request, context -> HTTPResponse.Status in
            let kitId = try Self.kit(context)
            guard try context.parameters.require("kit") == kitId else {
                throw refuse(.forbidden, kitId: kitId, "a kit can only report its own wipe")
            }
            let report = try await decode(WipeReport.self, request, context, kitId: kitId, upTo: 4096)
            guard
                try await store.recordKitWiped(
                    kitId: kitId, orderId: report.orderId, lastSeq: report.lastSeq, at: report.wipedAt)
            else {
                throw refuse(.conflict, kitId: kitId, "no open wipe order \(report.orderId) for this kit")
            }
            logger.notice(
                "a lost kit reported its wipe", metadata: ["kit": "\(kitId)", "lastSeq": "\(report.lastSeq)"])
            return .noContent
        }
    }

    /// Reads and decodes a body of at most `limit` bytes; a larger or unreadable one is refused,
    /// logged and counted.
    private func decode<T: Decodable>(
        _ type: T.Type, _ request: Request, _ context: SyncRequestContext, kitId: String, upTo limit: Int
    ) async throws -> T {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw refuse(
                .contentTooLarge, kitId: kitId, size: length,
                "the request has \(length) bytes, this server accepts at most \(limit) (ingest.maxRequestBytes)")
        }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw refuse(
                .contentTooLarge, kitId: kitId,
                "the request has more than \(limit) bytes, the most this server accepts (ingest.maxRequestBytes)")
        }
        do {
            return try WireCoding.decoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch {
            throw refuse(
                .badRequest, kitId: kitId, size: buffer.readableBytes, "the body is not a valid \(T.self) document")
        }
    }

    /// One admitted batch: decoded within the announced size, stored in one transaction, answered
    /// per envelope.
    private func ingest(_ request: Request, _ context: SyncRequestContext, kitId: String) async throws -> Response {
        let batch = try await decode(IngestBatch.self, request, context, kitId: kitId, upTo: limits.maxRequestBytes)
        guard batch.kitId == kitId else {
            throw refuse(.forbidden, kitId: kitId, "batch names kit \(batch.kitId), token belongs to \(kitId)")
        }
        guard batch.envelopes.count <= IngestBatch.maximumEnvelopes else {
            throw refuse(
                .contentTooLarge, kitId: kitId, "at most \(IngestBatch.maximumEnvelopes) envelopes per batch")
        }
        let reply: IngestReply
        do throws(StoreError) {
            if let report = batch.report {
                try await store.updateReport(kitId: kitId, report: report, at: Date())
            }
            reply = try await store.ingest(envelopes: batch.envelopes, kitId: kitId, engine: engine)
        } catch {
            throw storeFailed(error, kitId: kitId, envelopes: batch.envelopes.count)
        }
        metrics.count(reply.results.map(\.outcome))
        for result in reply.results where result.outcome == .refused {
            logger.warning(
                "ingest refused an envelope",
                metadata: ["kit": "\(kitId)", "seq": "\(result.seq)", "reason": "\(result.reason ?? "")"])
        }
        var response = try reply.response(from: request, context: context)
        if let name = HTTPField.Name(IngestLimits.headerName) {
            response.headers[name] = String(limits.maxRequestBytes)
        }
        return response
    }

    /// Turned away by the admission (saturated, or the kit's previous batch still inside): nothing
    /// was read or applied; the kit comes back after Retry-After. Counted, logged at debug level
    /// only (a reconnecting fleet would flood the log; the metrics show it).
    private func busy(_ refusal: IngestAdmission.Refusal, kitId: String) -> HTTPError {
        let status: HTTPResponse.Status
        let seconds: Int
        let reason: String
        switch refusal {
        case .saturated(let retryAfter):
            (status, seconds) = (.serviceUnavailable, retryAfter)
            reason = "the server is busy with other kits' batches: send again after \(retryAfter) s"
        case .kitBusy(let retryAfter):
            (status, seconds) = (.tooManyRequests, retryAfter)
            reason = "this kit's previous batch is still being decided: one batch at a time"
        }
        logger.debug("ingest turned away", metadata: ["kit": "\(kitId)", "status": "\(status.code)"])
        metrics.countRefusedRequest(status: status.code)
        return HTTPError(status, headers: [.retryAfter: String(seconds)], message: reason)
    }

    /// Logs and counts a refused kit request; the error carries the reason to the kit.
    /// The store could not commit (a failing disk, a lost database): nothing of the batch was
    /// applied, and the kit is told to come back (503 with Retry-After) instead of a bare 500.
    private func storeFailed(_ error: StoreError, kitId: String, envelopes: Int) -> HTTPError {
        logger.error(
            "the store could not commit a batch; nothing of it was applied and the kit will send it again",
            metadata: ["kit": "\(kitId)", "envelopes": "\(envelopes)", "problem": "\(error)"])
        metrics.countRefusedRequest(status: HTTPResponse.Status.serviceUnavailable.code)
        return HTTPError(
            .serviceUnavailable, headers: [.retryAfter: "5"],
            message: "the server could not store the batch; nothing of it was applied: send it again later")
    }

    private func refuse(_ status: HTTPResponse.Status, kitId: String, size: Int? = nil, _ reason: String) -> HTTPError {
        logger.warning(
            "kit request refused",
            metadata: [
                "kit": "\(kitId)", "status": "\(status.code)", "size": "\(size.map(String.init) ?? "?")",
                "reason": "\(reason)",
            ])
        metrics.countRefusedRequest(status: status.code)
        return HTTPError(status, message: reason)
    }

    static func kit(_ context: SyncRequestContext) throws -> String {
        guard let kitId = context.kitId else { throw HTTPError(.unauthorized) }
        return kitId
    }
}
