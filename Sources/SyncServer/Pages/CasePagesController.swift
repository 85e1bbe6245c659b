import Crypto
import Foundation
import Hummingbird
import KitCore
import Logging

/// "Vorgänge" under `/admin` (behind the operator session): the case list, one case's page and the
/// evidence view. Evidence is opened with the server's data key in memory only, for the one
/// request that asked for it, after the store recorded the view with operator, case, step and time.
struct CasePagesController {
    let store: any SyncStore
    let opener: EnvelopeOpener
    let retentionDays: Int
    let logger: Logger

    struct EvidenceForm: Decodable {
        var `case`: String?
        var kit: String?
        var seq: String?
    }

    func register(on pages: RouterGroup<SyncRequestContext>) {
        pages.get("cases") { request, _ -> Response in
            let query = request.uri.queryParameters
            let filter = query.get("stand").flatMap { $0.isEmpty ? nil : CaseLabels.progress(slug: $0) }
            let pageNumber = max(1, query.get("seite").flatMap { Int($0) } ?? 1)
            let overview = try await store.caseOverview(
                progress: filter, offset: (pageNumber - 1) * CasesPage.pageSize, limit: CasesPage.pageSize)
            return PageResponse.html(
                CasesPage(page: overview, filter: filter, pageNumber: pageNumber, now: Date()).render())
        }
        pages.get("case") { request, _ -> Response in
            guard let caseId = request.uri.queryParameters.get("id"),
                let detail = try await store.caseDetail(caseId: caseId)
            else {
                return PageResponse.html(Self.notFoundPage(), status: .notFound)
            }
            return PageResponse.html(CasePage(detail: detail, retentionDays: retentionDays, now: Date()).render())
        }
        pages.post("case/evidence") { request, context -> Response in
            if let refusal = AdminPagesController.refusal(.viewEvidence, context: context) { return refusal }
            let form = try await AdminPagesController.form(EvidenceForm.self, from: request)
            guard let caseId = form.case, let kitId = form.kit, let seq = form.seq.flatMap({ UInt64($0) }) else {
                throw HTTPError(.badRequest, message: "case, kit and seq are required")
            }
            return try await evidence(
                caseId: caseId, kitId: kitId, seq: seq, viewer: Self.viewer(of: request, context: context))
        }
    }

    func evidence(caseId: String, kitId: String, seq: UInt64, viewer: String) async throws -> Response {
        let now = Date()
        switch try await store.evidenceForViewing(caseId: caseId, kitId: kitId, seq: seq, viewer: viewer, at: now) {
        case .notFound:
            return PageResponse.html(Self.notFoundPage(), status: .notFound)
        case .deleted(let date):
            let kind = try await store.caseDetail(caseId: caseId)?.steps.first { $0.kitId == kitId && $0.seq == seq }?
                .kind
            let page = EvidencePage(
                caseId: caseId, kitId: kitId, seq: seq, kind: kind ?? "", body: .deleted(date))
            return PageResponse.html(page.render(), status: .gone)
        case .held(let kind, let envelope):
            var page = EvidencePage(caseId: caseId, kitId: kitId, seq: seq, kind: kind, body: .cannotOpen)
            do {
                let payload = try opener.open(try TransactionEnvelope(decoding: envelope))
                page.body = .shown(EvidenceContent.decode(kind: kind, payload: payload), viewer: viewer, at: now)
            } catch {
                // Identifiers only: the step, never its content.
                logger.error(
                    "evidence cannot be opened with the data key",
                    metadata: ["kit": "\(kitId)", "seq": "\(seq)", "reason": "\(error)"])
            }
            logger.info("evidence viewed", metadata: ["kit": "\(kitId)", "seq": "\(seq)", "viewer": "\(viewer)"])
            return PageResponse.html(page.render())
        }
    }

    /// Who is looking, for the log: the named operator; for a session opened with the operator
    /// token, a short reference derived from the session id's hash (never the cookie); for
    /// scripts, the token.
    static func viewer(of request: Request, context: SyncRequestContext) -> String {
        if case .account(let account) = context.operatorIdentity { return account.actor }
        if let sessionId = request.cookies[OperatorSessions.cookieName]?.value, BearerToken.from(request) == nil {
            return "Betreiber (Sitzung \(Hex.encode(SecretToken.hash(sessionId)).prefix(8)))"
        }
        return "Betreiber (Token)"
    }

    static func notFoundPage() -> String {
        PageLayout.document(
            title: "Vorgang nicht gefunden", section: .cases,
            body: "<p>Diesen Vorgang oder Schritt gibt es nicht. <a href=\"/admin/cases\">Zu allen Vorgängen</a></p>\n")
    }
}
