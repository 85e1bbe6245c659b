import Foundation
import Hummingbird
import HummingbirdTesting
import KitCore
import KitTestSupport
import NIOCore
import Testing

@testable import SyncServer

/// The back office's browser pages: rendering (escaping, stale kits), login with the operator
/// token, session cookie, CSRF checks, and resolving a conflict made by a real ingest.
@Suite("Admin pages: fleet, conflicts, login")
struct AdminPagesTests {
    static let backends = StoreBackend.available
    static let hostile = "<script>alert('x')</script>"
    /// The router test client sends requests for `http://localhost`.
    static let ownOrigin = "http://localhost"
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .origin: ownOrigin]

    // MARK: Rendering

    @Test func renderFunctionsEscapeHostileText() {
        let now = Date()
        let report = KitReport(
            agentVersion: "\"><b>1", queueDepth: 1, oldestWaitingAt: now, lastSeq: 1,
            devices: [DeviceHealthSummary(device: Self.hostile, state: "error", detail: Self.hostile)])
        let fleet = FleetPage(
            kits: [
                KitRecord(
                    kitId: Self.hostile, active: true, enrolledAt: now, lastSeq: 1, lastSeenAt: now, report: report)
            ], now: now
        ).render()
        let conflict = ConflictRecord(
            id: 7, kitId: Self.hostile, seq: 3, caseId: Self.hostile, kind: Self.hostile, reason: .staleBase,
            detail: Self.hostile, openedAt: now, resolution: nil, resolvedBy: nil, resolvedAt: nil)
        var settled = conflict
        settled.resolution = .discard
        settled.resolvedBy = Self.hostile
        settled.resolvedAt = now
        let context = ConflictCaseContext(
            caseId: Self.hostile, title: Self.hostile, citizenName: Self.hostile, citizenId: "c",
            caseAddress: CaseSnapshot.Address(street: Self.hostile, zip: "1", city: Self.hostile),
            caseRegisterVersion: 1, registerAddress: CaseSnapshot.Address(street: Self.hostile, zip: "2", city: "x"),
            registerVersion: 2, feeCents: 100, feePaid: true)
        let conflicts = ConflictsPage(
            open: [conflict], resolved: [settled], contexts: [Self.hostile: context], notes: [7: Self.hostile],
            now: now, notice: nil,
            problem: ConflictsPage.FormProblem(conflictId: 7, message: "x", resolution: nil, note: Self.hostile)
        ).render()
        let confirmation = ConflictConfirmationPage(
            conflict: conflict, context: context, resolution: .accept, note: Self.hostile
        ).render()
        for page in [fleet, conflicts, confirmation] {
            #expect(!page.contains("<script"))
            #expect(!page.contains("<b>"))
            #expect(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        }
        #expect(fleet.contains("&quot;&gt;&lt;b&gt;1"))
        #expect(HTMLEscaping.escape("a&b<c>\"'") == "a&amp;b&lt;c&gt;&quot;&#39;")
    }

    @Test func fleetHighlightsStaleKitsAndShowsTheReportedQueue() throws {
        let now = Date()
        func report(depth: Int, oldest: TimeInterval?) -> KitReport {
            KitReport(
                agentVersion: "1.0", queueDepth: depth, oldestWaitingAt: oldest.map { now.addingTimeInterval(-$0) },
                lastSeq: 9, devices: [DeviceHealthSummary(device: "signature-pad", state: "ok")])
        }
        let kits = [
            KitRecord(
                kitId: "kit-fresh", active: true, enrolledAt: now, lastSeq: 9, lastSeenAt: now.addingTimeInterval(-300),
                report: report(depth: 3, oldest: 600)),
            KitRecord(
                kitId: "kit-silent", active: true, enrolledAt: now, lastSeq: 4,
                lastSeenAt: now.addingTimeInterval(-30 * 3_600), report: report(depth: 17, oldest: nil)),
            KitRecord(
                kitId: "kit-backlog", active: true, enrolledAt: now, lastSeq: 5, lastSeenAt: now,
                report: report(depth: 2, oldest: 50 * 3_600)),
            KitRecord(
                kitId: "kit-revoked", active: false, enrolledAt: now, lastSeq: 1,
                lastSeenAt: now.addingTimeInterval(-90 * 86_400), report: nil),
        ]
        let html = FleetPage(kits: kits, now: now).render()
        func row(_ kitId: String) throws -> String {
            try #require(html.components(separatedBy: "<tr").first { $0.contains("<code>\(kitId)</code>") })
        }
        #expect(try !row("kit-fresh").contains("class=\"stale\""))
        #expect(try row("kit-fresh").contains("<td>3</td>"))
        #expect(try row("kit-fresh").contains("vor 5 Min."))
        #expect(try row("kit-silent").hasPrefix(" class=\"stale\""))
        #expect(try row("kit-silent").contains("<td>17</td>"))
        #expect(try row("kit-silent").contains("Seit 30 Std. ohne Kontakt"))
        #expect(try row("kit-backlog").hasPrefix(" class=\"stale\""))
        #expect(try row("kit-backlog").contains("Ältester nicht übertragener Eintrag ist 2 Tage alt"))
        #expect(try row("kit-backlog").contains("2 Tage"))
        #expect(try row("kit-revoked").hasPrefix(" class=\"revoked\""))
        #expect(try row("kit-revoked").contains("gesperrt"))
        #expect(html.contains("<strong>4</strong> Koffer"))
        #expect(html.contains("<strong>2</strong> mit Handlungsbedarf"))
        #expect(html.contains("<strong>22</strong> Transaktionen in Warteschlangen"))
    }

    // MARK: Through the router

    /// A server over a fresh store, with its keys and operator token.
    struct Server {
        let store: any SyncStore
        let app: Application<RouterResponder<SyncRequestContext>>
        let adminToken: String
    }

    static func server(_ store: any SyncStore) throws -> Server {
        let keys = try ServerKeys.loadOrCreate(in: try StateDirectory.prepare(temporaryPath("pages")))
        let token = try String(contentsOfFile: keys.adminTokenPath, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let app = Application(
            router: SyncServerApplication.router(store: store, keys: keys, requireClientCertificate: true))
        return Server(store: store, app: app, adminToken: token)
    }

    /// Kit B changes a citizen's address against a register version kit A already moved on: one
    /// open `stale_base` conflict, made by the real ingest engine.
    static func makeStaleBaseConflict(in store: any SyncStore) async throws -> ConflictRecord {
        let fixture = ServerFixture()
        var kitA = TestKit("kit-a", server: fixture)
        var kitB = TestKit("kit-b", server: fixture)
        try await kitA.enrol(in: store)
        try await kitB.enrol(in: store)
        try await store.upsertCase(makeCase("case-a", citizenId: "citizen-9"), assignedKit: "kit-a")
        try await store.upsertCase(makeCase("case-<b>", citizenId: "citizen-9"), assignedKit: "kit-b")
        let first = CaseSnapshot.Address(street: "Domkloster 4", zip: "50667", city: "Köln")
        let second = CaseSnapshot.Address(street: "Roncalliplatz 1", zip: "50667", city: "Köln")
        let applied = try await store.ingest(
            envelopes: [
                try kitA.identityCheck(caseId: "case-a"),
                try kitA.addressChange(caseId: "case-a", citizenId: "citizen-9", to: first),
            ], kitId: "kit-a", engine: fixture.engine)
        #expect(applied.outcomes == [.applied, .applied])
        let stale = try await store.ingest(
            envelopes: [
                try kitB.identityCheck(caseId: "case-<b>"),
                try kitB.addressChange(caseId: "case-<b>", citizenId: "citizen-9", to: second),
            ], kitId: "kit-b", engine: fixture.engine)
        #expect(stale.outcomes == [.applied, .conflict])
        let open = try await store.conflicts(openOnly: true)
        #expect(open.count == 1)
        return try #require(open.first { $0.reason == .staleBase })
    }

    /// A fee of `feeCents` paid twice for case `c-pay` on kit `kit-c`: the double-payment conflict.
    static func makeDoublePaymentConflict(
        in store: any SyncStore, citizenId: String = "citizen-1", feeCents: Int = 3700
    ) async throws -> ConflictRecord {
        let fixture = ServerFixture()
        var kit = TestKit("kit-c", server: fixture)
        try await kit.enrol(in: store)
        try await store.upsertCase(makeCase("c-pay", citizenId: citizenId, feeCents: feeCents), assignedKit: "kit-c")
        let paid = StepPayload.Payment(approved: true, amountCents: feeCents, trace: "000123")
        _ = try await store.ingest(
            envelopes: [
                try kit.next(.paymentOutcome, caseId: "c-pay", facts: paid),
                try kit.next(.paymentOutcome, caseId: "c-pay", facts: paid),
            ], kitId: "kit-c", engine: fixture.engine)
        return try #require(try await store.conflicts(openOnly: true).first { $0.reason == .doublePayment })
    }

    /// Logs in through the form and returns the session cookie's value.
    static func login(_ client: some TestClientProtocol, token: String) async throws -> String {
        try await client.execute(
            uri: "/admin/login", method: .post, headers: form, body: ByteBuffer(string: "token=\(token)")
        ) { response in
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/admin/fleet")
            let cookie = try #require(response.headers[.setCookie])
            let attributes = cookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(attributes.contains("HttpOnly"))
            #expect(attributes.contains("Secure"))
            #expect(attributes.contains("SameSite=Strict"))
            #expect(attributes.contains("Path=/admin"))
            let pair = try #require(attributes.first)
            #expect(pair.hasPrefix("\(OperatorSessions.cookieName)="))
            let value = String(pair.dropFirst(OperatorSessions.cookieName.count + 1))
            #expect(value.count >= 32)
            #expect(!value.contains(token) && !cookie.contains(token), "the cookie must not carry the token")
            return value
        }
    }

    @Test(arguments: backends)
    func resolvingAConflictFromTheBrowser(backend: StoreBackend) async throws {
        try await withFreshStore(backend) { store, _ in
            let conflict = try await Self.makeStaleBaseConflict(in: store)
            try await store.updateReport(
                kitId: "kit-b",
                report: KitReport(
                    agentVersion: "1.2.3", queueDepth: 42, oldestWaitingAt: Date().addingTimeInterval(-120), lastSeq: 1,
                    devices: [DeviceHealthSummary(device: "card-reader", state: "missing", detail: "pcscd stopped")]),
                at: Date())
            let server = try Self.server(store)
            try await server.app.test(.router) { client in
                let session = try await Self.login(client, token: server.adminToken)
                let cookie: HTTPFields = [.cookie: "\(OperatorSessions.cookieName)=\(session)"]

                try await client.execute(uri: "/admin/fleet", method: .get, headers: cookie) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                    let html = String(buffer: response.body)
                    #expect(html.contains("<code>kit-b</code>"))
                    #expect(html.contains("<td>42</td>"))
                    #expect(html.contains("Ausweislesegerät: gestört"))
                    #expect(html.contains("<span lang=\"en\">card-reader: pcscd stopped</span>"))
                }
                try await client.execute(uri: "/admin/conflicts", method: .get, headers: cookie) { response in
                    #expect(response.status == .ok)
                    #expect(
                        response.headers[.contentSecurityPolicy]
                            == "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'"
                    )
                    let html = String(buffer: response.body)
                    #expect(html.contains("<h2>Offen (1)</h2>"))
                    #expect(html.contains("<code>case-&lt;b&gt;</code>"))
                    #expect(html.contains("Melderegister inzwischen geändert"))
                    #expect(html.contains("action=\"/admin/conflicts/\(conflict.id)/resolve\""))
                    #expect(html.contains(">Erneut besuchen</label>"))
                }

                var post = Self.form
                post[.cookie] = "\(OperatorSessions.cookieName)=\(session)"
                try await client.execute(
                    uri: "/admin/conflicts/\(conflict.id)/resolve", method: .post, headers: post,
                    body: ByteBuffer(string: "resolution=revisit&note=Termin+vereinbart&confirmed=1")
                ) { response in
                    #expect(response.status == .seeOther)
                    #expect(response.headers[.location] == "/admin/conflicts?ergebnis=erledigt")
                }
                let after = try await store.conflicts(openOnly: false)
                #expect(after.first { $0.id == conflict.id }?.resolution == .revisit)
                #expect(after.first { $0.id == conflict.id }?.resolvedBy == "Betriebs-Token")
                #expect(try await store.conflicts(openOnly: true).isEmpty)
                let audit = try await store.auditLog(limit: 20)
                #expect(
                    audit.contains {
                        $0.action == "conflict-resolved" && $0.actor == "Betriebs-Token"
                            && $0.detail == "conflict \(conflict.id): revisit – Notiz: Termin vereinbart"
                    })

                // Resolving again: not open any more, said on the page.
                try await client.execute(
                    uri: "/admin/conflicts/\(conflict.id)/resolve", method: .post, headers: post,
                    body: ByteBuffer(string: "resolution=accept&note=x&confirmed=1")
                ) { response in
                    #expect(response.headers[.location] == "/admin/conflicts?ergebnis=nicht-offen")
                }
                try await client.execute(
                    uri: "/admin/conflicts?ergebnis=erledigt", method: .get, headers: cookie
                ) { response in
                    let html = String(buffer: response.body)
                    #expect(html.contains("Der Konflikt ist entschieden"))
                    #expect(html.contains("<h2>Offen (0)</h2>"))
                    #expect(
                        html.contains(
                            "<td>Erneut besuchen</td><td>Betriebs-Token</td><td class=\"note\">Termin vereinbart</td>"))
                }
            }
        }
    }

    @Test(arguments: backends)
    func accessWithoutSessionOrFromAnotherSiteIsRefused(backend: StoreBackend) async throws {
        try await withFreshStore(backend) { store, _ in
            let conflict = try await Self.makeStaleBaseConflict(in: store)
            let server = try Self.server(store)
            try await server.app.test(.router) { client in
                // No session: to the login page, for pages and for actions.
                for uri in ["/admin/fleet", "/admin/conflicts", "/admin"] {
                    try await client.execute(uri: uri, method: .get) { response in
                        #expect(response.status == .seeOther, "\(uri)")
                        #expect(response.headers[.location] == "/admin/login", "\(uri)")
                        #expect(response.headers[.contentSecurityPolicy] != nil)
                    }
                }
                try await client.execute(
                    uri: "/admin/conflicts/\(conflict.id)/resolve", method: .post, headers: Self.form,
                    body: ByteBuffer(string: "resolution=discard")
                ) { response in
                    #expect(response.status == .seeOther)
                    #expect(response.headers[.location] == "/admin/login")
                }
                // An invented session id is no session.
                try await client.execute(
                    uri: "/admin/fleet", method: .get,
                    headers: [.cookie: "\(OperatorSessions.cookieName)=\(BearerToken.generate())"]
                ) { response in
                    #expect(response.status == .seeOther)
                }
                try await client.execute(uri: "/admin/login", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body).contains("name=\"token\""))
                    #expect(
                        response.headers[.contentSecurityPolicy]
                            == "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'"
                    )
                }

                // A wrong token: the login page again with a German message, and no cookie.
                try await client.execute(
                    uri: "/admin/login", method: .post, headers: Self.form,
                    body: ByteBuffer(string: "token=\(BearerToken.generate())")
                ) { response in
                    #expect(response.status == .unauthorized)
                    #expect(response.headers[.setCookie] == nil)
                    #expect(String(buffer: response.body).contains("Das Token ist falsch."))
                }
                // A foreign site cannot sign the browser in.
                try await client.execute(
                    uri: "/admin/login", method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded", .origin: "https://evil.example"],
                    body: ByteBuffer(string: "token=\(server.adminToken)")
                ) { response in
                    #expect(response.status == .forbidden)
                    #expect(response.headers[.setCookie] == nil)
                }

                let session = try await Self.login(client, token: server.adminToken)
                let sessionCookie = "\(OperatorSessions.cookieName)=\(session)"
                func resolve(_ headers: HTTPFields) async throws -> HTTPResponse.Status {
                    try await client.execute(
                        uri: "/admin/conflicts/\(conflict.id)/resolve", method: .post, headers: headers,
                        body: ByteBuffer(string: "resolution=discard&note=Skript&confirmed=1")
                    ) { $0.status }
                }
                // Cross-origin POSTs with a valid session cookie: refused, nothing resolved.
                #expect(try await resolve([.cookie: sessionCookie, .origin: "https://evil.example"]) == .forbidden)
                #expect(try await resolve([.cookie: sessionCookie, .origin: "http://localhost:8443"]) == .forbidden)
                #expect(try await resolve([.cookie: sessionCookie, .origin: "null"]) == .forbidden)
                #expect(
                    try await resolve([.cookie: sessionCookie, .referer: "https://evil.example/admin/conflicts"])
                        == .forbidden)
                #expect(try await resolve([.cookie: sessionCookie]) == .forbidden, "a cookie alone is not enough")
                #expect(try await store.conflicts(openOnly: true).map(\.id) == [conflict.id])

                // Wrong Bearer: 401; right Bearer without Origin (a script): allowed.
                #expect(try await resolve([.authorization: "Bearer \(BearerToken.generate())"]) == .unauthorized)
                #expect(try await resolve([.authorization: "Bearer \(server.adminToken)"]) == .seeOther)
                #expect(try await store.conflicts(openOnly: true).isEmpty)

                // Logout ends the session on the server, not only in the browser.
                try await client.execute(
                    uri: "/admin/logout", method: .post, headers: [.cookie: sessionCookie, .origin: Self.ownOrigin]
                ) { response in
                    #expect(response.status == .seeOther)
                    #expect(response.headers[.location] == "/admin/login?abgemeldet=1")
                    #expect(response.headers[.setCookie]?.contains("Max-Age=0") == true)
                }
                try await client.execute(uri: "/admin/fleet", method: .get, headers: [.cookie: sessionCookie]) {
                    response in
                    #expect(response.status == .seeOther)
                    #expect(response.headers[.location] == "/admin/login")
                }
                try await client.execute(uri: "/admin/login?abgemeldet=1", method: .get) { response in
                    #expect(String(buffer: response.body).contains("Abgemeldet."))
                }
            }
        }
    }

    // MARK: Parts

    @Test func throttleBlocksWrongTokensFromASourceButNeverTheRightOne() async {
        let throttle = AuthenticationThrottle(maximumFailures: 3, window: 600, failureDelay: .zero)
        let now = Date()
        for _ in 0..<3 {
            #expect(await throttle.judge(source: "10.0.0.7", tokenIsRight: false, now: now) == .refused)
        }
        #expect(
            await throttle.judge(source: "10.0.0.7", tokenIsRight: false, now: now.addingTimeInterval(5)) == .blocked)
        #expect(
            await throttle.judge(source: "10.0.0.7", tokenIsRight: true, now: now.addingTimeInterval(10)) == .admitted,
            "someone with the right token behind the same address is not locked out")
        #expect(
            await throttle.judge(source: "10.0.0.7", tokenIsRight: false, now: now.addingTimeInterval(11)) == .blocked,
            "a success does not refill the budget")
        #expect(await throttle.retryAfter(source: "10.0.0.7", now: now.addingTimeInterval(100)) == 500)
        #expect(await throttle.judge(source: "10.0.0.8", tokenIsRight: false, now: now) == .refused)
        #expect(
            await throttle.judge(source: "10.0.0.7", tokenIsRight: true, now: now.addingTimeInterval(601)) == .admitted)
        #expect(
            await throttle.judge(source: "10.0.0.7", tokenIsRight: false, now: now.addingTimeInterval(602)) == .refused)
    }

    @Test func parallelGuessesAreCountedBeforeAnyPasses() async {
        let throttle = AuthenticationThrottle(maximumFailures: 5, window: 600, failureDelay: .zero)
        let now = Date()
        let verdicts = await withTaskGroup(of: AuthenticationThrottle.Verdict.self) { group in
            for _ in 0..<40 {
                group.addTask { await throttle.judge(source: "192.0.2.1", tokenIsRight: false, now: now) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(verdicts.filter { $0 == .refused }.count == 5)
        #expect(verdicts.filter { $0 == .blocked }.count == 35)
    }
}
