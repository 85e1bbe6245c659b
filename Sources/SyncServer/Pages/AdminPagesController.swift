import Foundation
import Hummingbird
import KitCore
import Logging
import NIOCore

/// The back office's browser pages under `/admin/`: login with the operator token, the fleet,
/// the conflicts with their resolve actions, the hand-offs and the cases (``CasePagesController``). Server-rendered HTML, no scripts, no external assets.
/// Operator routes like `/v1/admin`: no kit client certificate is involved.
struct AdminPagesController {
    static let loginPath = "/admin/login"
    static let conflictsPath = "/admin/conflicts"
    /// Form bodies are a few short fields.
    static let maximumFormBytes = 8_192

    let store: any SyncStore
    let tokenHash: [UInt8]
    let sessions: OperatorSessions
    let throttle: AuthenticationThrottle
    /// "Vorgänge": the case list, case pages and evidence views.
    var cases: CasePagesController?

    struct LoginForm: Decodable {
        var name: String?
        var password: String?
        var token: String?
    }

    struct ResolveForm: Decodable {
        var resolution: String?
        var note: String?
        /// "1" once the person confirmed the decision on the confirmation step.
        var confirmed: String?
    }

    func register(on router: Router<SyncRequestContext>) {
        let admin = router.group("admin").add(middleware: PageSecurityHeadersMiddleware())
        admin.get("login") { request, _ -> Response in
            let ended = request.uri.queryParameters.get("abgemeldet") != nil
            return PageResponse.html(
                LoginPage(problem: ended ? .sessionEnded : nil, tokenAllowed: try await tokenLoginAllowed()).render())
        }
        admin.post("login") { request, context -> Response in
            try await login(request, context: context)
        }

        let pages = admin.group().add(middleware: OperatorSessionMiddleware(tokenHash: tokenHash, sessions: sessions))
        pages.get { _, _ -> Response in
            PageResponse.redirect(to: "/admin/fleet")
        }
        pages.get("fleet") { request, _ -> Response in
            let query = request.uri.queryParameters
            let (sort, ascending) = FleetPage.sorting(sort: query.get("sortierung"), direction: query.get("richtung"))
            let openConflicts = try await store.conflicts(openOnly: true)
            let facts = FleetAction.FleetFacts(
                openConflicts: Dictionary(grouping: openConflicts, by: \.kitId).mapValues(\.count),
                certificateExpiries: try await store.currentCertificateExpiries())
            return PageResponse.html(
                FleetPage(kits: try await store.kits(), facts: facts, now: Date(), sort: sort, ascending: ascending)
                    .render())
        }
        pages.post("fleet/:kit/lost") { _, context -> Response in
            // Same-origin and session checks: OperatorSessionMiddleware. The store audits it.
            guard let kitId = context.parameters.get("kit"), kitId.utf8.count <= 64 else {
                throw HTTPError(.notFound, message: "no such kit")
            }
            try await store.markKitLost(
                kitId: kitId, orderId: UUID().uuidString.lowercased(), by: "operator", at: Date())
            return PageResponse.redirect(to: "/admin/fleet")
        }
        pages.get("handoff") { request, _ -> Response in
            PageResponse.html(
                HandoffPage(
                    dossiers: try await store.dossiers(rejectedOnly: false), now: Date(),
                    pushQueue: try await store.pushQueue(),
                    notice: request.uri.queryParameters.get("ergebnis").flatMap(
                        PushDeliverySection.Notice.init(rawValue:))
                ).render())
        }
        pages.post("handoff/:id/redeliver") { _, context -> Response in
            // Same-origin and session checks: OperatorSessionMiddleware, as for the conflicts.
            guard let id = context.parameters.get("id"), id.utf8.count <= 64 else {
                throw HTTPError(.notFound, message: "no such dossier")
            }
            if let refusal = Self.refusal(.redeliver, context: context) { return refusal }
            let requeued = try await store.requeuePush(dossierId: id, by: Self.actor(context), at: Date())
            let notice: PushDeliverySection.Notice = requeued ? .requeued : .notDeadLetter
            return PageResponse.redirect(to: "/admin/handoff?ergebnis=\(notice.rawValue)")
        }
        pages.get("conflicts") { request, _ -> Response in
            let notice = request.uri.queryParameters.get("ergebnis").flatMap(ConflictsPage.Notice.init(rawValue:))
            return PageResponse.html(try await conflictsPage(notice: notice, problem: nil).render())
        }
        pages.post("conflicts/:id/resolve") { request, context -> Response in
            guard let id = context.parameters.get("id", as: Int64.self) else {
                throw HTTPError(.notFound, message: "no such conflict")
            }
            if let refusal = Self.refusal(.resolveConflict, context: context) { return refusal }
            let form = try await Self.form(ResolveForm.self, from: request)
            return try await resolve(id: id, form: form, actor: Self.actor(context))
        }
        cases?.register(on: pages)
        pages.post("logout") { request, _ -> Response in
            if let sessionId = request.cookies[OperatorSessions.cookieName]?.value {
                await sessions.end(sessionId)
            }
            var response = PageResponse.redirect(to: "\(Self.loginPath)?abgemeldet=1")
            response.setCookie(Self.sessionCookie(value: "", maxAge: 0))
            return response
        }
    }

    /// The conflicts page as it stands, with a form's problem shown at its conflict.
    func conflictsPage(notice: ConflictsPage.Notice?, problem: ConflictsPage.FormProblem?) async throws
        -> ConflictsPage
    {
        let all = try await store.conflicts(openOnly: false)
        let resolved = all.filter { $0.resolution != nil }
            .sorted { ($0.resolvedAt ?? .distantPast) > ($1.resolvedAt ?? .distantPast) }
            .prefix(ConflictsPage.recentlyResolvedLimit)
        let open = all.filter { $0.resolution == nil }
        let caseIds = Set((open + resolved).map(\.caseId))
        return ConflictsPage(
            open: open, resolved: Array(resolved),
            contexts: try await store.conflictContexts(caseIds: caseIds.sorted()),
            notes: try await store.conflictNotes(ids: resolved.map(\.id)), now: Date(), notice: notice, problem: problem
        )
    }

    /// A decision on the page: refused with the form kept when the note or the choice is missing,
    /// the confirmation step first, then recorded (the store audits it with the person and note).
    func resolve(id: Int64, form: ResolveForm, actor: String) async throws -> Response {
        guard let conflict = try await store.conflicts(openOnly: true).first(where: { $0.id == id }) else {
            return PageResponse.redirect(to: "\(Self.conflictsPath)?ergebnis=\(ConflictsPage.Notice.notOpen.rawValue)")
        }
        let resolution = form.resolution.flatMap(ConflictResolution.init(rawValue:))
        let checkedNote = ConflictsPage.validNote(form.note)
        var problems: [String] = []
        if resolution == nil { problems.append(ConflictTexts.decisionMissing) }
        if case .failure(let refusal) = checkedNote { problems.append(refusal.message) }
        guard let resolution, case .success(let note) = checkedNote else {
            let problem = ConflictsPage.FormProblem(
                conflictId: id, message: problems.joined(separator: " "), resolution: resolution,
                note: String((form.note ?? "").prefix(ConflictsPage.maximumNoteLength)))
            return PageResponse.html(
                try await conflictsPage(notice: nil, problem: problem).render(), status: .unprocessableContent)
        }
        guard form.confirmed == "1" else {
            let context = try await store.conflictContexts(caseIds: [conflict.caseId])[conflict.caseId]
            return PageResponse.html(
                ConflictConfirmationPage(conflict: conflict, context: context, resolution: resolution, note: note)
                    .render())
        }
        let resolved = try await store.resolveConflict(
            id: id, resolution: resolution, note: note, by: actor, at: Date())
        let notice: ConflictsPage.Notice = resolved ? .resolved : .notOpen
        return PageResponse.redirect(to: "\(Self.conflictsPath)?ergebnis=\(notice.rawValue)")
    }

    func login(_ request: Request, context: SyncRequestContext) async throws -> Response {
        // Login CSRF: a foreign page must not sign the browser in; scripts may omit the headers.
        guard SameOriginCheck.verdict(request) != .foreign else {
            throw HTTPError(.forbidden, message: "cross-origin request refused")
        }
        let source = context.channel.remoteAddress?.ipAddress ?? "unknown"
        let form = try await Self.form(LoginForm.self, from: request)
        let name = (form.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let token = (form.token ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let tokenAllowed = try await tokenLoginAllowed()
        var account: OperatorAccount?
        let credentialIsRight: Bool
        if !name.isEmpty {
            account = try await signIn(name: name, password: form.password ?? "")
            credentialIsRight = account != nil
        } else {
            // Once named accounts exist, the token signs in scripts only (Bearer), not browsers:
            // every decision on the pages then names a person.
            credentialIsRight =
                tokenAllowed && !token.isEmpty && SecretToken.constantTimeEqual(BearerToken.hash(token), tokenHash)
        }
        let now = Date()
        switch await throttle.judge(source: source, tokenIsRight: credentialIsRight, now: now) {
        case .blocked:
            context.logger.warning("operator login refused: too many failures", metadata: ["source": "\(source)"])
            return PageResponse.html(LoginPage(problem: .tooManyAttempts).render(), status: .tooManyRequests)
        case .refused:
            context.logger.notice("operator login failed", metadata: ["source": "\(source)"])
            try await Task.sleep(for: throttle.failureDelay)
            let problem: LoginPage.Problem =
                name.isEmpty ? (tokenAllowed ? .wrongToken : .accountNeeded) : .wrongPassword
            return PageResponse.html(
                LoginPage(problem: problem, tokenAllowed: tokenAllowed).render(), status: .unauthorized)
        case .admitted:
            break
        }
        let sessionId: String
        do {
            sessionId = try await sessions.start(now: now, operatorName: account?.name)
        } catch {
            context.logger.error("operator session not stored", metadata: ["reason": "\(error)"])
            throw HTTPError(
                .serviceUnavailable, message: "the server's database cannot store the sign-in now: try again shortly")
        }
        context.logger.info(
            "operator signed in", metadata: ["source": "\(source)", "operator": "\(account?.name ?? "token")"])
        var response = PageResponse.redirect(to: "/admin/fleet")
        response.setCookie(Self.sessionCookie(value: sessionId, maxAge: Int(sessions.lifetime)))
        return response
    }

    /// The token signs in browsers only until the first named account exists.
    func tokenLoginAllowed() async throws -> Bool {
        try await !store.operators().contains { $0.active }
    }

    /// The active account whose password this is; scrypt runs for unknown names too, so the
    /// answer time does not tell which names exist.
    func signIn(name: String, password: String) async throws -> OperatorAccount? {
        let credential = OperatorAccount.isValidName(name) ? try await store.operatorCredential(name: name) : nil
        guard let (account, stored) = credential, let stored, account.active else {
            _ = OperatorPassword.decoy.matches(password)
            return nil
        }
        return stored.matches(password) ? account : nil
    }

    /// Who the audit trail names for a decision on the pages.
    static func actor(_ context: SyncRequestContext) -> String {
        (context.operatorIdentity ?? .token).actor
    }

    /// A German refusal page when the signed-in role may not do `action`, else nil.
    static func refusal(_ action: OperatorAction, context: SyncRequestContext) -> Response? {
        guard !(context.operatorIdentity ?? .token).may(action) else { return nil }
        return PageResponse.html(
            PageLayout.document(
                title: "Nicht erlaubt", section: nil,
                body: "<p class=\"error\" role=\"alert\">\(HTMLEscaping.escape(action.refusal))</p>\n"),
            status: .forbidden)
    }

    /// `HttpOnly; Secure; SameSite=Strict; Path=/admin`: never readable by scripts, never sent over
    /// plain HTTP by a browser, never sent with a request started by another site.
    static func sessionCookie(value: String, maxAge: Int) -> Cookie {
        Cookie(
            name: OperatorSessions.cookieName, value: value, maxAge: maxAge, path: "/admin", secure: true,
            httpOnly: true, sameSite: .strict)
    }

    static func form<Form: Decodable>(_ type: Form.Type, from request: Request) async throws -> Form {
        let body = try await request.body.collect(upTo: maximumFormBytes)
        do {
            return try URLEncodedFormDecoder().decode(Form.self, from: String(buffer: body))
        } catch {
            throw HTTPError(.badRequest, message: "the form cannot be read")
        }
    }
}
