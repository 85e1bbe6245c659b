import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import KitCore
import KitDrivers
import KitTestSupport
import NIOCore
import NIOFoundationCompat
import Testing

@testable import SyncServer

/// "Vorgänge": the case list with its states, filter and paging, the case page, and the evidence
/// view — opened in memory, logged with operator, case, step and time, and refused politely once
/// retention deleted the evidence. Against both stores.
@Suite("Admin pages: Vorgänge")
struct CasePagesTests {
    static let backends = StoreBackend.available
    static let form: HTTPFields = [
        .contentType: "application/x-www-form-urlencoded", .origin: AdminPagesTests.ownOrigin,
    ]

    static func bearer(_ server: AdminPagesTests.Server) -> HTTPFields {
        [.authorization: "Bearer \(server.adminToken)"]
    }

    /// The seeded city behind a router whose server opens evidence with the city's data key.
    static func server(_ store: any SyncStore, city: CaseCity) throws -> AdminPagesTests.Server {
        let state = try StateDirectory.prepare(temporaryPath("case-pages"))
        let base = try ServerKeys.loadOrCreate(in: state)
        try PrivateFile.write(
            Array(city.city.server.dataKey.pemRepresentation.utf8), to: base.directory + "/data-key.pem")
        let keys = try ServerKeys.loadOrCreate(in: state)
        #expect(keys.dataKey.publicKey.rawRepresentation == city.city.server.dataKey.publicKey.rawRepresentation)
        let token = try String(contentsOfFile: keys.adminTokenPath, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let app = Application(
            router: SyncServerApplication.router(
                store: store, keys: keys, requireClientCertificate: true, retentionDays: 30))
        return AdminPagesTests.Server(store: store, app: app, adminToken: token)
    }

    @Test(arguments: backends)
    func storeDerivesEachCaseState(backend: StoreBackend) async throws {
        try await withFreshStore(backend) { store, _ in
            var city = CaseCity()
            try await city.seed(store, fillers: 3)
            let all = try await store.caseOverview(progress: nil, offset: 0, limit: 100)
            let states = Dictionary(uniqueKeysWithValues: all.cases.map { ($0.caseId, $0.progress) })
            #expect(states[CaseCity.handedOff] == .rejected)
            #expect(states[CaseCity.atKit] == .atKit)
            #expect(states[CaseCity.conflict] == .conflict)
            #expect(states[CaseCity.deleted] == .evidenceDeleted)
            #expect(states[CaseCity.accepted] == .accepted)
            #expect(states[CaseCity.waiting] == .handedOff)
            #expect(states["2026-MZ-1002"] == .atKit)
            #expect(all.total(nil) == 9 && all.counts[.atKit] == 4)
            #expect(all.cases.map(\.caseId) == all.cases.map(\.caseId).sorted(by: >), "newest case id first")
            let rejected = try #require(all.cases.first { $0.caseId == CaseCity.handedOff })
            #expect(rejected.dossiers.map(\.consumer) == ["ausweisbehoerde", "e-akte", "stadtkasse"])
            #expect(rejected.dossiers.first { $0.consumer == "stadtkasse" }?.reason == CaseCity.rejectionReason)
            #expect(all.cases.first { $0.caseId == CaseCity.deleted }?.evidenceDeletedAt != nil)

            let conflicts = try await store.caseOverview(progress: .conflict, offset: 0, limit: 100)
            #expect(conflicts.cases.map(\.caseId) == [CaseCity.conflict])
            let second = try await store.caseOverview(progress: .atKit, offset: 2, limit: 2)
            #expect(second.cases.map(\.caseId) == ["2026-MZ-1000", CaseCity.atKit])

            let detail = try #require(try await store.caseDetail(caseId: CaseCity.handedOff))
            #expect(
                detail.steps.map(\.kind) == [
                    "identity.checked", "signature.captured", "fingerprints.captured", "payment.outcome",
                    "case.completed",
                ])
            #expect(detail.steps.allSatisfy { $0.evidenceHeld && $0.kitTime != nil })
            #expect(detail.title == "Ummeldung")
            let gone = try #require(try await store.caseDetail(caseId: CaseCity.deleted))
            #expect(gone.steps.allSatisfy { !$0.evidenceHeld && $0.evidenceDeletedAt != nil && $0.kitTime != nil })
            #expect(try await store.caseDetail(caseId: "2026-MZ-9999") == nil)
        }
    }

    @Test(arguments: backends)
    func caseListShowsStatesFiltersAndPages(backend: StoreBackend) async throws {
        try await withFreshStore(backend) { store, _ in
            var city = CaseCity()
            try await city.seed(store, fillers: CasesPage.pageSize)
            let server = try Self.server(store, city: city)
            try await server.app.test(.router) { client in
                try await client.execute(uri: "/admin/cases", method: .get, headers: Self.bearer(server)) { response in
                    #expect(response.status == .ok)
                    let html = String(buffer: response.body)
                    #expect(html.contains("<h1>Vorgänge</h1>"))
                    #expect(html.contains("aria-current=\"page\">Vorgänge"))
                    #expect(html.contains("56 Vorgänge insgesamt."))
                    #expect(html.contains("Seite 1 von 2"))
                    #expect(html.contains("rel=\"next\">Nächste Seite"))
                    #expect(html.contains("<option value=\"konflikt\">Konflikt offen (1)</option>"))
                    #expect(html.contains("<th scope=\"col\">Stand</th>"))
                }
                try await client.execute(uri: "/admin/cases?seite=2", method: .get, headers: Self.bearer(server)) {
                    response in
                    let html = String(buffer: response.body)
                    #expect(html.contains("Seite 2 von 2"))
                    #expect(html.contains("rel=\"prev\">Vorherige Seite"))
                    #expect(html.contains(CaseCity.handedOff))
                    #expect(html.contains("<code>stadtkasse</code>: abgelehnt – „\(CaseCity.rejectionReason)“"))
                    #expect(html.contains("<code>e-akte</code>: angenommen"))
                    #expect(html.contains("<td>Nachweise gelöscht</td>"))
                }
                try await client.execute(
                    uri: "/admin/cases?stand=konflikt", method: .get, headers: Self.bearer(server)
                ) { response in
                    let html = String(buffer: response.body)
                    #expect(html.contains("1 Vorgang im Stand „Konflikt offen“."))
                    #expect(html.contains("/admin/case?id=2026-MZ-0502"))
                    #expect(!html.contains("2026-MZ-0500"))
                    #expect(html.contains("<option value=\"konflikt\" selected>"))
                }
            }
        }
    }

    @Test(arguments: backends)
    func evidenceIsShownOnlyToOperatorsAndEveryViewIsLogged(backend: StoreBackend) async throws {
        try await withFreshStore(backend) { store, _ in
            var city = CaseCity()
            try await city.seed(store)
            let server = try Self.server(store, city: city)
            let kit = city.city.kit.kitId
            try await server.app.test(.router) { client in
                try await client.execute(
                    uri: "/admin/case?id=\(CaseCity.handedOff)", method: .get, headers: Self.bearer(server)
                ) { response in
                    #expect(response.status == .ok)
                    let html = String(buffer: response.body)
                    #expect(html.contains("<h1>Vorgang 2026-MZ-0500</h1>"))
                    #expect(html.contains("<td>Fingerabdrücke</td>"))
                    #expect(html.contains("Nachweis ansehen"))
                    #expect(html.contains("Kassenzeichen fehlt"))
                    #expect(html.contains("Noch niemand hat Nachweise dieses Vorgangs angesehen."))
                    #expect(html.contains("Die Nachweise werden gelöscht, wenn alle Fachverfahren angenommen haben"))
                }
                // No session, no token: the login page, and nothing is opened or logged.
                try await client.execute(
                    uri: "/admin/case/evidence", method: .post, headers: Self.form,
                    body: ByteBuffer(string: "case=\(CaseCity.handedOff)&kit=\(kit)&seq=2")
                ) { response in
                    #expect(response.status == .seeOther)
                    #expect(response.headers[.location] == AdminPagesController.loginPath)
                }
                let session = try await AdminPagesTests.login(client, token: server.adminToken)
                let cookie = "\(OperatorSessions.cookieName)=\(session)"
                // A session but a foreign page: refused (CSRF).
                try await client.execute(
                    uri: "/admin/case/evidence", method: .post,
                    headers: [
                        .cookie: cookie, .contentType: "application/x-www-form-urlencoded",
                        .origin: "https://evil.example",
                    ],
                    body: ByteBuffer(string: "case=\(CaseCity.handedOff)&kit=\(kit)&seq=2")
                ) { response in
                    #expect(response.status == .forbidden)
                }
                #expect(try await store.caseDetail(caseId: CaseCity.handedOff)?.views.isEmpty == true)

                var headers = Self.form
                headers[.cookie] = cookie
                func evidence(_ seq: Int) async throws -> (HTTPResponse.Status, String, String?) {
                    try await client.execute(
                        uri: "/admin/case/evidence", method: .post, headers: headers,
                        body: ByteBuffer(string: "case=\(CaseCity.handedOff)&kit=\(kit)&seq=\(seq)")
                    ) { response in
                        (response.status, String(buffer: response.body), response.headers[.cacheControl])
                    }
                }
                let (status, signature, cache) = try await evidence(2)
                #expect(status == .ok && cache == "no-store")
                let png = try CaseCity.signature().png
                #expect(signature.contains("src=\"data:image/png;base64,\(Data(png).base64EncodedString())\""))
                #expect(signature.contains("alt=\"Unterschrift, erfasst auf dem Unterschriftenpad"))
                #expect(signature.contains("STU-540"))
                #expect(signature.contains("Diese Einsichtnahme ist protokolliert: Betreiber (Sitzung "))
                let (_, fingers, _) = try await evidence(3)
                #expect(fingers.contains("<th scope=\"row\">rechter Zeigefinger</th><td>82</td><td>ja</td>"))
                #expect(fingers.contains("<th scope=\"row\">linker Zeigefinger</th><td>31</td>"))
                #expect(fingers.contains("<th scope=\"row\">linker Daumen</th><td>verletzt</td>"))
                let (_, receipt, _) = try await evidence(4)
                #expect(receipt.contains(CaseCity.receiptLines.joined(separator: "\n")))
                #expect(receipt.contains("37,00 €"))

                let views = try #require(try await store.caseDetail(caseId: CaseCity.handedOff)?.views)
                #expect(views.map(\.seq) == [4, 3, 2], "newest first")
                #expect(views.allSatisfy { $0.viewer.hasPrefix("Betreiber (Sitzung ") && $0.kitId == kit })
                let audit = try await store.auditLog(limit: 20).filter { $0.action == "evidence-viewed" }
                #expect(
                    audit.map(\.detail) == [
                        "case 2026-MZ-0500 step \(kit)/4 (payment.outcome)",
                        "case 2026-MZ-0500 step \(kit)/3 (fingerprints.captured)",
                        "case 2026-MZ-0500 step \(kit)/2 (signature.captured)",
                    ])
                #expect(audit.allSatisfy { $0.actor == views[0].viewer })
                try await client.execute(uri: "/v1/admin/audit?limit=5", method: .get, headers: Self.bearer(server)) {
                    response in
                    let body = Data(buffer: response.body)
                    let entries = try JSONSerialization.jsonObject(with: body) as? [[String: Any]]
                    #expect(entries?.first?["action"] as? String == "evidence-viewed")
                }
                try await client.execute(
                    uri: "/admin/case?id=\(CaseCity.handedOff)", method: .get, headers: [.cookie: cookie]
                ) { response in
                    let html = String(buffer: response.body)
                    #expect(html.contains("<table id=\"einsichtnahmen\">"))
                    #expect(html.contains("<code>\(kit)/3</code> Fingerabdrücke"))
                }
            }
        }
    }

    @Test(arguments: backends)
    func deletedEvidenceIsExplainedAndNotLogged(backend: StoreBackend) async throws {
        try await withFreshStore(backend) { store, _ in
            var city = CaseCity()
            try await city.seed(store)
            let server = try Self.server(store, city: city)
            let kit = city.city.kit.kitId
            let detail = try #require(try await store.caseDetail(caseId: CaseCity.deleted))
            let signature = try #require(detail.steps.first { $0.kind == "signature.captured" })
            try await server.app.test(.router) { client in
                try await client.execute(
                    uri: "/admin/case?id=\(CaseCity.deleted)", method: .get, headers: Self.bearer(server)
                ) { response in
                    let html = String(buffer: response.body)
                    #expect(html.contains("Die Nachweise wurden am "))
                    #expect(!html.contains("Nachweis ansehen"))
                    #expect(html.contains("<td>gelöscht am "))
                }
                var headers = Self.form
                headers[.authorization] = "Bearer \(server.adminToken)"
                try await client.execute(
                    uri: "/admin/case/evidence", method: .post, headers: headers,
                    body: ByteBuffer(string: "case=\(CaseCity.deleted)&kit=\(kit)&seq=\(signature.seq)")
                ) { response in
                    #expect(response.status == .gone)
                    let html = String(buffer: response.body)
                    #expect(html.contains("nach Ablauf der Aufbewahrungsfrist gelöscht"))
                    #expect(html.contains("Nachweis: Unterschrift"))
                }
                try await client.execute(
                    uri: "/admin/case/evidence", method: .post, headers: headers,
                    body: ByteBuffer(string: "case=\(CaseCity.deleted)&kit=\(kit)&seq=999")
                ) { response in
                    #expect(response.status == .notFound)
                }
            }
            #expect(try await store.auditLog(limit: 100).allSatisfy { $0.action != "evidence-viewed" })
            #expect(try await store.caseDetail(caseId: CaseCity.deleted)?.views.isEmpty == true)
        }
    }

    @Test func pagesEscapeHostileText() {
        let hostile = "<script>alert('x')</script>"
        let now = Date()
        let summary = CaseSummary(
            caseId: hostile, version: 1, assignedKit: hostile, progress: .rejected, openConflicts: 0,
            lastActivity: now, evidenceDeletedAt: nil,
            dossiers: [
                DossierRecord(
                    dossierId: "a", caseId: hostile, consumer: hostile, procedure: .dms, recordedAt: now, builtAt: now,
                    outcome: .rejected, reason: hostile, acknowledgedAt: now)
            ])
        let list = CasesPage(
            page: CaseOverviewPage(cases: [summary], counts: [.rejected: 1]), filter: nil, pageNumber: 1, now: now
        ).render()
        #expect(!list.contains("<script"))
        #expect(list.contains("/admin/case?id=%3Cscript%3Ealert%28%27x%27%29%3C%2Fscript%3E"))
        let page = CasePage(
            detail: CaseDetail(
                summary: summary, title: hostile, open: false,
                steps: [
                    CaseStepRecord(
                        kitId: hostile, seq: 1, kind: hostile, outcome: "applied", receivedAt: now, kitTime: nil,
                        evidenceHeld: true, evidenceDeletedAt: nil)
                ], conflicts: [], views: []), retentionDays: 30, now: now
        ).render()
        #expect(!page.contains("<script"))
        let evidence = EvidencePage(
            caseId: hostile, kitId: hostile, seq: 1, kind: "payment.outcome",
            body: .shown(
                .payment(StepPayload.Payment(approved: true, amountCents: 105, receiptLines: [hostile])),
                viewer: "Betreiber", at: now)
        ).render()
        #expect(!evidence.contains("<script"))
        #expect(evidence.contains("1,05 €"))
    }

    @Test func evidenceReadingsAreStrict() throws {
        let capture = try CaseCity.signature()
        let png = capture.png
        let payload = try CaseCity.signaturePayload(capture)
        guard
            case .signature(let facts, let image) = EvidenceContent.decode(kind: "signature.captured", payload: payload)
        else {
            Issue.record("not read as a signature")
            return
        }
        #expect(facts.sampleCount == 120 && image == png)
        // The framing of the pad driver only: anything else is not taken for a picture.
        #expect(SignatureAttachment.png(in: Array("pen samples".utf8)[...]) == nil)
        var truncated = EvidenceContent.attachment(of: payload)
        truncated.removeLast()
        #expect(SignatureAttachment.png(in: truncated) == nil)
        #expect(EvidenceContent.decode(kind: "fingerprints.captured", payload: Array("not json".utf8)) == .unreadable)
        #expect(EvidencePage.finger("rightLittle") == "rechter kleiner Finger")
        #expect(EvidencePage.finger("nose") == "nose")
        // The kit's clock from a header, and nothing from bytes that are not one.
        let header = TransactionHeader(
            kitId: "kit-1", seq: 7, txId: UUID(), caseId: "2026-1", baseVersion: 1, kind: "case.completed",
            monotonicNanos: 1, wallMillis: 1_780_000_000_123, prevHash: TransactionHeader.genesisHash)
        #expect(
            CaseEvidence.kitTime(header: header.encoded(), envelopeHead: nil)?.timeIntervalSince1970
                == 1_780_000_000.123)
        #expect(CaseEvidence.kitTime(header: Array(header.encoded().prefix(20)), envelopeHead: nil) == nil)
        #expect(CaseEvidence.kitTime(header: nil, envelopeHead: Array("BKTY".utf8) + [1]) == nil)
        #expect(
            CaseProgress.derive(
                open: true, openConflicts: 1, dossiers: 0, accepted: 0, rejected: 0, evidenceDeleted: false)
                == .conflict)
        #expect(
            CaseProgress.derive(
                open: false, openConflicts: 0, dossiers: 0, accepted: 0, rejected: 0, evidenceDeleted: false)
                == .completed)
        #expect(
            CaseProgress.derive(
                open: false, openConflicts: 0, dossiers: 2, accepted: 2, rejected: 0, evidenceDeleted: false)
                == .accepted)
        #expect(
            CaseProgress.derive(
                open: false, openConflicts: 0, dossiers: 2, accepted: 1, rejected: 0, evidenceDeleted: false)
                == .handedOff)
    }
}
