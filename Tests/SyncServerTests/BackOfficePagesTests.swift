import Foundation
import Hummingbird
import HummingbirdTesting
import KitCore
import KitTestSupport
import NIOCore
import Testing

@testable import SyncServer

/// Issue #20, "Back office": the fleet's "Handlungsbedarf" column with problem kits first and
/// server-side sorting, and the conflicts page with the citizen, both sides and a decision that
/// needs a note.
@Suite("Back office: fleet actions and conflict decisions")
struct BackOfficePagesTests {
    static let now = Date(timeIntervalSince1970: 1_796_000_000)

    static func kit(
        _ id: String, seen: TimeInterval? = 60, version: String = "1.4.0", devices: [DeviceHealthSummary] = [],
        problem: SyncProblem? = nil, active: Bool = true
    ) -> KitRecord {
        KitRecord(
            kitId: id, active: active, enrolledAt: now, lastSeq: 3,
            lastSeenAt: seen.map { now.addingTimeInterval(-$0) },
            report: KitReport(
                agentVersion: version, queueDepth: 0, oldestWaitingAt: nil, lastSeq: 3, devices: devices,
                syncProblem: problem))
    }

    static func texts(_ kit: KitRecord, _ facts: FleetAction.FleetFacts = .init()) -> [String] {
        FleetAction.actions(for: kit, facts: facts, now: now).map(\.text)
    }

    // MARK: Fleet

    @Test func eachKindOfTroubleIsNamedInGerman() throws {
        #expect(Self.texts(Self.kit("ok", devices: [.init(device: "signature-pad", state: "ok")])).isEmpty)

        let failed = FleetAction.actions(
            for: Self.kit(
                "pad", devices: [.init(device: "signature-pad", state: "failure", detail: "no HID device 0x056a")]),
            facts: .init(), now: Self.now)
        #expect(failed.map(\.text) == ["Unterschriften-Pad: gestört"])
        #expect(failed.first?.severity == .critical)
        #expect(failed.first?.technicalDetail == "signature-pad: no HID device 0x056a")

        let parked = Self.kit(
            "parked", devices: [.init(device: "queue", state: "warning", detail: "4 waiting, 2 parked, last seq 9")])
        #expect(Self.texts(parked) == ["2 Transaktionen im Koffer zurückgestellt (warten auf eine Entscheidung)"])

        #expect(Self.texts(Self.kit("c"), .init(openConflicts: ["c": 1])) == ["1 offener Konflikt"])
        #expect(Self.texts(Self.kit("c"), .init(openConflicts: ["c": 3])) == ["3 offene Konflikte"])

        let due = Self.texts(
            Self.kit("due"), .init(certificateExpiries: ["due": Self.now.addingTimeInterval(10 * 86_400)]))
        #expect(due.count == 1)
        #expect(due.first?.hasPrefix("Koffer-Zertifikat läuft am ") == true)
        #expect(due.first?.hasSuffix("ab (noch 10 Tage): erneuern") == true)
        #expect(
            Self.texts(Self.kit("far"), .init(certificateExpiries: ["far": Self.now.addingTimeInterval(40 * 86_400)]))
                .isEmpty)
        let expired = FleetAction.actions(
            for: Self.kit("old"), facts: .init(certificateExpiries: ["old": Self.now.addingTimeInterval(-60)]),
            now: Self.now)
        #expect(expired.first?.text.hasPrefix("Koffer-Zertifikat abgelaufen am ") == true)
        #expect(expired.first?.severity == .critical)

        #expect(
            Self.texts(Self.kit("v", version: "1.3.9"), .init(newestAgentVersion: "1.4.0"))
                == ["Veraltete Koffer-Software 1.3.9 (neueste in der Flotte: 1.4.0): aktualisieren"])
        #expect(Self.texts(Self.kit("v", version: "1.4.0"), .init(newestAgentVersion: "1.4.0")).isEmpty)

        #expect(Self.texts(Self.kit("silent", seen: 25 * 3_600)).first?.hasPrefix("Seit 25 Std. ohne Kontakt") == true)
        #expect(Self.texts(Self.kit("never", seen: nil)) == ["Noch nie mit dem Server verbunden"])

        let jam = FleetAction.actions(
            for: Self.kit(
                "jam",
                problem: SyncProblem(
                    kind: .tooLarge, seq: 7, reason: "HTTP 413 for 1 envelope of 9 MB", since: Self.now, attempts: 3)),
            facts: .init(), now: Self.now)
        #expect(jam.first?.text.hasPrefix("Übertragung staut sich seit ") == true)
        #expect(jam.first?.text.contains("(Vorgang 7)") == true)
        #expect(jam.first?.technicalDetail == "HTTP 413 for 1 envelope of 9 MB")

        var lost = Self.kit("lost")
        lost.lostAt = Self.now
        #expect(Self.texts(lost).first?.hasPrefix("Als verloren gemeldet am ") == true)
        lost.wipedAt = Self.now
        #expect(Self.texts(lost).count == 1)
        #expect(Self.texts(lost).first?.hasPrefix("Koffer gelöscht am ") == true)

        // A blocked kit is out of service: nothing to do about it.
        #expect(Self.texts(Self.kit("blocked", seen: 90 * 86_400, active: false)).isEmpty)
    }

    @Test func problemKitsComeFirstAndTheStatusIsNotGreenWhileSomethingIsToDo() throws {
        let kits = [
            Self.kit("a-fine"), Self.kit("b-pad", devices: [.init(device: "ec-terminal", state: "warning")]),
            Self.kit("c-silent", seen: 30 * 3_600),
        ]
        let page = FleetPage(kits: kits, now: Self.now)
        #expect(page.rows().map(\.kit.kitId) == ["c-silent", "b-pad", "a-fine"])
        let html = page.render()
        func row(_ id: String) throws -> String {
            try #require(html.components(separatedBy: "<tr").first { $0.contains("<code>\(id)</code>") })
        }
        #expect(try row("b-pad").contains("<span class=\"warn\">Handlungsbedarf</span>"))
        #expect(try row("b-pad").contains("EC-Kartenterminal: braucht bald Aufmerksamkeit"))
        #expect(try !row("b-pad").contains(">aktiv<"))
        #expect(try row("a-fine").contains("<span class=\"ok\">aktiv</span>"))
        #expect(try row("a-fine").contains("nichts zu tun"))
        #expect(
            html.contains(
                "<th scope=\"col\" aria-sort=\"descending\"><a href=\"/admin/fleet?sortierung=handlungsbedarf&amp;richtung=auf\">Handlungsbedarf</a></th>"
            ))
        #expect(html.contains("<caption>"))
        // Times in local time with "Uhr", never UTC.
        #expect(html.contains(" Uhr</span>") && !html.contains("UTC"))
    }

    @Test func columnsSortServerSide() {
        let kits = [
            Self.kit("k2", version: "1.10.0"), Self.kit("k1", version: "1.9.3"), Self.kit("k3", version: "1.2"),
        ]
        let (key, ascending) = FleetPage.sorting(sort: "kit", direction: "auf")
        let byName = FleetPage(kits: kits, now: Self.now, sort: key, ascending: ascending)
        #expect(byName.rows().map(\.kit.kitId) == ["k1", "k2", "k3"])
        let html = byName.render()
        #expect(
            html.contains("aria-sort=\"ascending\"><a href=\"/admin/fleet?sortierung=kit&amp;richtung=ab\">Koffer</a>"))
        #expect(html.components(separatedBy: "aria-sort=").count == 2, "only the sorted column is marked")
        #expect(
            FleetPage(kits: kits, now: Self.now, sort: .kit, ascending: false).rows().map(\.kit.kitId)
                == ["k3", "k2", "k1"])
        // Versions compare by number: 1.10.0 is newer than 1.9.3.
        #expect(
            FleetPage(kits: kits, now: Self.now, sort: .agent, ascending: true).rows().map(\.kit.kitId)
                == ["k3", "k1", "k2"])
        // Unknown or hostile query values fall back to the default.
        let fallback = FleetPage.sorting(sort: "<script>", direction: "seitwärts")
        #expect(fallback.0 == .action && fallback.1 == nil)
    }

    @Test func kitReportedTextsAreReadDefensively() {
        func parked(_ detail: String) -> Int {
            FleetAction.parkedCount(
                KitReport(
                    agentVersion: "1", queueDepth: 0, oldestWaitingAt: nil, lastSeq: 0,
                    devices: [.init(device: "queue", state: "warning", detail: detail)]))
        }
        #expect(parked("1 waiting, 3 parked, last seq 2") == 3)
        for hostile in [
            "parked", "-5 parked", "99999999999999999999 parked", "x parked", "", String(repeating: "9", count: 5_000),
            "<script> parked", "3\u{0}parked",
        ] {
            #expect(parked(hostile) == 0, "\(hostile.prefix(30))")
        }
        #expect(AgentVersion.parts("1.4.2-rc1") == [1, 4, 2])
        #expect(AgentVersion.parts("v1.4") == nil)
        #expect(AgentVersion.parts(String(repeating: "1.", count: 10_000)).map(\.count) ?? 0 <= 32)
        #expect(AgentVersion.parts("99999999999999999999.1") == nil)
        #expect(!AgentVersion.isOlder("garbage", than: "1.0"))
        #expect(AgentVersion.newest(["1.2", "x", "1.10", "1.9"]) == "1.10")
        #expect(DeviceLabels.name(String(repeating: "a", count: 500)).count < 60)
        #expect(DeviceLabels.state("Failure") == "gestört")
    }

    // MARK: Conflicts

    @Test func paymentFactsAreReadFromTheRuleDetailOnly() {
        let facts = PaymentConflictFacts(detail: "the fee was already paid: refund 3700 cents (trace 000123)")
        #expect(facts == PaymentConflictFacts(amountCents: 3700, trace: "000123"))
        for hostile in [
            "refund -1 cents (trace <b>)", "cents", "(trace", "refund 99999999999 cents (trace 1234567890123)",
            "refund x cents (trace ?)", String(repeating: "(trace ", count: 1_000),
        ] {
            let parsed = PaymentConflictFacts(detail: hostile)
            #expect(parsed.amountCents == nil && parsed.trace == nil, "\(hostile.prefix(30))")
        }
        #expect(ConflictsPage.euros(3700) == "37,00 €")
        #expect(ConflictsPage.euros(5) == "0,05 €")
        #expect(ConflictsPage.euros(-250) == "-2,50 €")
    }

    @Test func notesAreMandatoryAndBounded() throws {
        #expect(throws: ConflictsPage.NoteRefusal.self) { try ConflictsPage.validNote(nil).get() }
        #expect(throws: ConflictsPage.NoteRefusal.self) { try ConflictsPage.validNote(" \n\t ").get() }
        #expect(throws: ConflictsPage.NoteRefusal.self) {
            try ConflictsPage.validNote(String(repeating: "x", count: 1_001)).get()
        }
        #expect(try ConflictsPage.validNote("  Anruf beim Bürger  ").get() == "Anruf beim Bürger")
    }

    /// Through the router and a real store: the fleet counts the open conflict and the
    /// certificate due; the conflicts page shows the citizen, both addresses and both amounts.
    @Test(arguments: StoreBackend.available)
    func pagesShowTheFactsFromTheStore(backend: StoreBackend) async throws {
        try await withFreshStore(backend) { store, _ in
            let stale = try await AdminPagesTests.makeStaleBaseConflict(in: store)
            _ = try await AdminPagesTests.makeDoublePaymentConflict(in: store)
            let now = Date()
            #expect(
                try await store.replaceKitCertificate(
                    kitId: "kit-c", replacing: nil,
                    with: KitCertificateRecord(
                        kitId: "kit-c", serial: "0a", publicKeySHA256: Array(repeating: 1, count: 32),
                        notValidBefore: now.addingTimeInterval(-86_400),
                        notValidAfter: now.addingTimeInterval(5 * 86_400),
                        issuedAt: now, origin: .enrollment, certificatePEM: "-----BEGIN CERTIFICATE-----")))
            let expiries = try await store.currentCertificateExpiries()
            #expect(expiries.keys.sorted() == ["kit-c"])
            let contexts = try await store.conflictContexts(caseIds: ["case-<b>", "c-pay", "unknown"])
            #expect(contexts.keys.sorted() == ["c-pay", "case-<b>"])
            #expect(contexts["case-<b>"]?.citizenName == "Erika Mustermann")
            #expect(contexts["case-<b>"]?.registerAddress?.street == "Domkloster 4")
            #expect(contexts["case-<b>"]?.registerVersion == 2)
            #expect(contexts["c-pay"]?.feeCents == 3700)
            #expect(contexts["c-pay"]?.feePaid == true)

            let server = try AdminPagesTests.server(store)
            try await server.app.test(.router) { client in
                let session = try await AdminPagesTests.login(client, token: server.adminToken)
                let cookie: HTTPFields = [.cookie: "\(OperatorSessions.cookieName)=\(session)"]
                try await client.execute(uri: "/admin/fleet", method: .get, headers: cookie) { response in
                    let html = String(buffer: response.body)
                    let row = try #require(
                        html.components(separatedBy: "<tr").first { $0.contains("<code>kit-c</code>") })
                    #expect(row.contains("1 offener Konflikt"))
                    #expect(row.contains("Koffer-Zertifikat läuft am "))
                    #expect(row.contains("Handlungsbedarf"))
                }
                try await client.execute(uri: "/admin/fleet?sortierung=kit&richtung=ab", method: .get, headers: cookie)
                {
                    response in
                    let html = String(buffer: response.body)
                    let order = ["kit-c", "kit-b", "kit-a"].compactMap {
                        html.range(of: "<code>\($0)</code>")?.lowerBound
                    }
                    #expect(order.count == 3 && order == order.sorted())
                }
                try await client.execute(uri: "/admin/conflicts", method: .get, headers: cookie) { response in
                    let html = String(buffer: response.body)
                    #expect(html.contains("Konflikt \(stale.id): Melderegister inzwischen geändert – Erika Mustermann"))
                    #expect(html.contains("<td>Heidestraße 17, 51147 Köln</td><td>Domkloster 4, 50667 Köln</td>"))
                    #expect(html.contains("<td>37,00 €</td><td>37,00 € (bezahlt)</td>"))
                    #expect(html.contains("<td>000123</td>"))
                    #expect(html.contains("Wert des Koffers übernehmen") && html.contains("Registerwert behalten"))
                    #expect(html.contains("Zahlung des Koffers erstatten"))
                    #expect(html.contains("name=\"note\" rows=\"2\" maxlength=\"1000\" required"))
                    #expect(
                        html.contains(
                            "<summary>Details für die IT</summary><span lang=\"en\">the register record changed"))
                }
            }
        }
    }
}

extension BackOfficePagesTests {
    /// Scripts resolve over the JSON API with an optional note; it goes into the audit entry.
    @Test(arguments: StoreBackend.available)
    func theJSONRouteKeepsAnOptionalNote(backend: StoreBackend) async throws {
        try await withFreshStore(backend) { store, _ in
            let conflict = try await AdminPagesTests.makeStaleBaseConflict(in: store)
            let server = try AdminPagesTests.server(store)
            try await server.app.test(.router) { client in
                let headers: HTTPFields = [
                    .authorization: "Bearer \(server.adminToken)", .contentType: "application/json",
                ]
                let long = String(repeating: "x", count: 1_001)
                try await client.execute(
                    uri: "/v1/admin/conflicts/\(conflict.id)/resolve", method: .post, headers: headers,
                    body: ByteBuffer(string: #"{"resolution":"discard","by":"skript","note":"\#(long)"}"#)
                ) { #expect($0.status == .badRequest) }
                #expect(try await store.conflicts(openOnly: true).count == 1)
                try await client.execute(
                    uri: "/v1/admin/conflicts/\(conflict.id)/resolve", method: .post, headers: headers,
                    body: ByteBuffer(string: #"{"resolution":"discard","by":"skript","note":" Register gilt "}"#)
                ) { #expect($0.status == .noContent) }
            }
            let audit = try await store.auditLog(limit: 20).filter { $0.action == "conflict-resolved" }
            #expect(audit.map(\.detail) == ["conflict \(conflict.id): discard – Notiz: Register gilt"])
            #expect(try await store.conflictNotes(ids: [conflict.id, 999]) == [conflict.id: "Register gilt"])
        }
    }
}
