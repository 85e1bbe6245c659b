import Foundation
import Hummingbird
import HummingbirdTesting
import KitCore
import KitTestSupport
import NIOCore
import Testing

@testable import SyncServer

/// Named back-office accounts (issues #16, #20): each person signs in with an own password,
/// every decision and evidence view names that person, roles limit what each may do.
@Suite("Admin pages: named operator accounts")
struct OperatorAccountTests {
    static let fast = (n: 1 << 10, r: 8, p: 1)

    @Test("passwords: scrypt with its parameters stored; wrong or damaged forms never match")
    func passwordHashing() throws {
        let password = try OperatorPassword.hashing("Rathaus-Mainz-2026", cost: Self.fast)
        #expect(password.matches("Rathaus-Mainz-2026"))
        #expect(!password.matches("Rathaus-Mainz-2027"))
        #expect(!password.matches(""))
        let stored = try #require(OperatorPassword(encoded: password.encoded))
        #expect(stored == password && stored.matches("Rathaus-Mainz-2026"))
        #expect(try OperatorPassword.hashing("Rathaus-Mainz-2026", cost: Self.fast).salt != password.salt)
        for hostile in [
            "", "scrypt", "plain$secret", "scrypt$1024$8$1$00$00",
            "scrypt$1000$8$1$" + String(repeating: "00", count: 16)
                + "$" + String(repeating: "00", count: 32),
            "scrypt$1024$8$1$" + String(repeating: "zz", count: 16) + "$" + String(repeating: "00", count: 32),
            "scrypt$4194304$8$1$" + String(repeating: "00", count: 16) + "$" + String(repeating: "00", count: 32),
            password.encoded + "$",
        ] {
            #expect(OperatorPassword(encoded: hostile) == nil, "\(hostile)")
        }
        #expect(OperatorAccount.isValidName("p.schmidt-2"))
        for name in ["", "PSchmidt", "p schmidt", "ä", String(repeating: "a", count: 65), "a/b"] {
            #expect(!OperatorAccount.isValidName(name), "\(name)")
        }
    }

    @Test(
        "the store keeps accounts and who holds a session; disabling ends the sessions",
        arguments: StoreBackend.available)
    func storeKeepsAccounts(_ backend: StoreBackend) async throws {
        try await withFreshStore(backend) { store, _ in
            let petra = OperatorAccount(
                name: "pschmidt", displayName: "Petra Schmidt", role: .backOffice, createdAt: Date())
            try await store.addOperator(
                petra, password: try OperatorPassword.hashing("Rathaus-Mainz-2026", cost: Self.fast), by: "it")
            await #expect(throws: StoreError.self) {
                try await store.addOperator(
                    petra, password: try OperatorPassword.hashing("anderes-Passwort-1", cost: Self.fast), by: "it")
            }
            let (account, password) = try #require(try await store.operatorCredential(name: "pschmidt"))
            #expect(account.displayName == "Petra Schmidt" && account.role == .backOffice && account.active)
            #expect(password?.matches("Rathaus-Mainz-2026") == true)
            #expect(try await store.operatorCredential(name: "nobody") == nil)

            let now = Date()
            let idHash = SecretToken.hash("session-1")
            try await store.startOperatorSession(
                idHash: idHash, operatorName: "pschmidt", expiresAt: now.addingTimeInterval(60), now: now,
                maximumSessions: 10)
            #expect(try await store.operatorSession(idHash: idHash, now: now) == .account(account))
            let tokenSession = SecretToken.hash("session-2")
            try await store.startOperatorSession(
                idHash: tokenSession, operatorName: nil, expiresAt: now.addingTimeInterval(60), now: now,
                maximumSessions: 10)
            #expect(try await store.operatorSession(idHash: tokenSession, now: now) == .token)
            #expect(try await store.operatorSession(idHash: idHash, now: now.addingTimeInterval(61)) == nil)

            #expect(try await store.setOperatorActive(name: "pschmidt", active: false, by: "it"))
            #expect(try await store.operatorSession(idHash: idHash, now: now) == nil)
            #expect(try await !store.setOperatorActive(name: "nobody", active: false, by: "it"))
            #expect(try await store.operators().map(\.active) == [false])
            #expect(
                try await store.setOperatorPassword(
                    name: "pschmidt", password: try OperatorPassword.hashing("neues-Passwort-22", cost: Self.fast),
                    by: "it"))
            let audit = try await store.auditLog(limit: 10).map(\.action)
            #expect(audit.prefix(3) == ["operator-password-set", "operator-disabled", "operator-added"])
        }
    }

    static func login(_ client: some TestClientProtocol, body: String) async throws -> (HTTPResponse.Status, String?) {
        try await client.execute(
            uri: "/admin/login", method: .post, headers: AdminPagesTests.form, body: ByteBuffer(string: body)
        ) { response in
            let value = response.headers[.setCookie].flatMap { cookie -> String? in
                guard let pair = cookie.split(separator: ";").first else { return nil }
                return String(pair.dropFirst(OperatorSessions.cookieName.count + 1))
            }
            return (response.status, value)
        }
    }

    @Test(
        "two named operators decide conflicts; the audit and the page name each; roles are enforced",
        arguments: StoreBackend.available)
    func twoOperatorsDecide(_ backend: StoreBackend) async throws {
        try await withFreshStore(backend) { store, _ in
            let first = try await AdminPagesTests.makeStaleBaseConflict(in: store)
            // A second conflict: the same fee paid twice on another kit.
            let second = try await AdminPagesTests.makeDoublePaymentConflict(in: store)
            for (name, display, role) in [
                ("pschmidt", "Petra Schmidt", OperatorRole.backOffice), ("kyilmaz", "Kemal Yilmaz", .backOffice),
                ("dsb", "Dana Berg", .dataProtection),
            ] {
                try await store.addOperator(
                    OperatorAccount(name: name, displayName: display, role: role, createdAt: Date()),
                    password: try OperatorPassword.hashing("Passwort-von-\(name)", cost: Self.fast), by: "it")
            }
            let server = try AdminPagesTests.server(store)
            try await server.app.test(.router) { client in
                // With named accounts the token no longer signs in a browser; wrong passwords fail.
                #expect(try await Self.login(client, body: "token=\(server.adminToken)").0 == .unauthorized)
                #expect(try await Self.login(client, body: "name=pschmidt&password=falsch").0 == .unauthorized)
                #expect(
                    try await Self.login(client, body: "name=niemand&password=Passwort-von-niemand").0 == .unauthorized)
                try await client.execute(uri: "/admin/login", method: .get) { response in
                    let html = String(buffer: response.body)
                    #expect(html.contains("Benutzername") && !html.contains("id=\"token\""))
                }
                var sessions: [String: String] = [:]
                for name in ["pschmidt", "kyilmaz", "dsb"] {
                    let (status, cookie) = try await Self.login(
                        client, body: "name=\(name)&password=Passwort-von-\(name)")
                    #expect(status == .seeOther)
                    sessions[name] = try #require(cookie)
                }
                func resolve(_ id: Int64, as name: String, _ form: String) async throws -> (HTTPResponse.Status, String)
                {
                    var post = AdminPagesTests.form
                    post[.cookie] = "\(OperatorSessions.cookieName)=\(sessions[name] ?? "")"
                    return try await client.execute(
                        uri: "/admin/conflicts/\(id)/resolve", method: .post, headers: post,
                        body: ByteBuffer(string: form)
                    ) { ($0.status, String(buffer: $0.body)) }
                }
                // The data-protection officer may read but not decide.
                #expect(try await resolve(first.id, as: "dsb", "resolution=accept&note=x&confirmed=1").0 == .forbidden)
                // No note: refused in German, the choice kept, nothing decided.
                let (refusedStatus, refused) = try await resolve(first.id, as: "pschmidt", "resolution=accept&note=+++")
                #expect(refusedStatus == .unprocessableContent)
                #expect(refused.contains(ConflictTexts.noteMissing))
                #expect(
                    refused.contains(
                        "value=\"accept\" aria-describedby=\"k\(first.id)-accept-wirkung\" required checked"))
                // With a note: first the confirmation step, which decides nothing yet.
                let keepKit = "Meldebescheinigung+vom+Koffer+ist+die+aktuelle"
                let (confirmStatus, confirm) = try await resolve(
                    first.id, as: "pschmidt", "resolution=accept&note=\(keepKit)")
                #expect(confirmStatus == .ok)
                #expect(confirm.contains("Entscheidung bestätigen") && confirm.contains("Wert des Koffers übernehmen"))
                #expect(confirm.contains("Meldebescheinigung vom Koffer ist die aktuelle"))
                #expect(try await store.conflicts(openOnly: true).count == 2)
                #expect(
                    try await resolve(first.id, as: "pschmidt", "resolution=accept&note=\(keepKit)&confirmed=1").0
                        == .seeOther)
                #expect(
                    try await resolve(
                        second.id, as: "kyilmaz", "resolution=discard&note=Zweite+Zahlung+erstatten&confirmed=1"
                    ).0 == .seeOther)
                let decided = try await store.conflicts(openOnly: false)
                #expect(decided.first { $0.id == first.id }?.resolvedBy == "Petra Schmidt (pschmidt)")
                #expect(decided.first { $0.id == first.id }?.resolution == .accept)
                #expect(decided.first { $0.id == second.id }?.resolvedBy == "Kemal Yilmaz (kyilmaz)")
                #expect(decided.first { $0.id == second.id }?.resolution == .discard)
                let audit = try await store.auditLog(limit: 30).filter { $0.action == "conflict-resolved" }
                #expect(Set(audit.map(\.actor)) == ["Petra Schmidt (pschmidt)", "Kemal Yilmaz (kyilmaz)"])
                #expect(
                    audit.contains {
                        $0.actor == "Petra Schmidt (pschmidt)"
                            && $0.detail
                                == "conflict \(first.id): accept – Notiz: Meldebescheinigung vom Koffer ist die aktuelle"
                    })
                #expect(
                    audit.contains {
                        $0.actor == "Kemal Yilmaz (kyilmaz)"
                            && $0.detail == "conflict \(second.id): discard – Notiz: Zweite Zahlung erstatten"
                    })
                try await client.execute(
                    uri: "/admin/conflicts", method: .get,
                    headers: [.cookie: "\(OperatorSessions.cookieName)=\(sessions["dsb"] ?? "")"]
                ) { response in
                    #expect(response.status == .ok)
                    let html = String(buffer: response.body)
                    #expect(
                        html.contains(
                            "<td>Wert des Koffers übernommen</td><td>Petra Schmidt (pschmidt)</td>"
                                + "<td class=\"note\">Meldebescheinigung vom Koffer ist die aktuelle</td>"))
                    #expect(
                        html.contains(
                            "<td>Zahlung des Koffers erstattet</td><td>Kemal Yilmaz (kyilmaz)</td>"
                                + "<td class=\"note\">Zweite Zahlung erstatten</td>"))
                }
                // Evidence is for the back office only.
                var evidence = AdminPagesTests.form
                evidence[.cookie] = "\(OperatorSessions.cookieName)=\(sessions["dsb"] ?? "")"
                try await client.execute(
                    uri: "/admin/case/evidence", method: .post, headers: evidence,
                    body: ByteBuffer(string: "case=c-pay&kit=kit-c&seq=1")
                ) { response in
                    #expect(response.status == .forbidden)
                    #expect(String(buffer: response.body).contains("öffnet nur die Sachbearbeitung"))
                }
                // Disabled: the session ends at once.
                #expect(try await store.setOperatorActive(name: "kyilmaz", active: false, by: "it"))
                try await client.execute(
                    uri: "/admin/fleet", method: .get,
                    headers: [.cookie: "\(OperatorSessions.cookieName)=\(sessions["kyilmaz"] ?? "")"]
                ) { response in
                    #expect(response.status == .seeOther)
                    #expect(response.headers[.location] == "/admin/login")
                }
            }
        }
    }
}
