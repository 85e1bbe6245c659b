import Foundation
import Hummingbird
import HummingbirdTesting
import KitCore
import KitTestSupport
import NIOCore
import Testing

@testable import SyncServer

/// Issue #20, acceptance 6: two operators created with the real `sync-server operators add` sign
/// in with their own passwords and decide one conflict each — one keeps the kit's value, one the
/// register's — each with a note; the audit trail and the conflicts page name who decided, with
/// the note.
@Suite("Back office acceptance: two named operators decide with notes")
struct BackOfficeAcceptanceTests {
    static let operators = [
        ("pschmidt", "Petra Schmidt", "Rathaus-Mainz-2026-ps"), ("kyilmaz", "Kemal Yilmaz", "Rathaus-Mainz-2026-ky"),
    ]

    static func syncServerBinary() -> URL? {
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [folder, folder.deletingLastPathComponent()] {
            let binary = candidate.appendingPathComponent("sync-server")
            if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
        }
        Issue.record("sync-server not found next to the tests; build it with swift build --build-tests")
        return nil
    }

    /// `sync-server operators add NAME --display-name … --role sachbearbeitung --state-dir …`,
    /// the password as one line on standard input.
    static func addOperator(_ binary: URL, state: String, name: String, display: String, password: String) throws
        -> (Int32, String)
    {
        let process = Process()
        process.executableURL = binary
        process.arguments = [
            "operators", "add", name, "--display-name", display, "--role", "sachbearbeitung", "--state-dir", state,
        ]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data("\(password)\n".utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test func twoOperatorsFromTheCommandLineDecideOneConflictEachWithANote() async throws {
        let binary = try #require(Self.syncServerBinary())
        let state = try StateDirectory.prepare(temporaryPath("backoffice-acceptance"))
        for (name, display, password) in Self.operators {
            let (status, output) = try Self.addOperator(
                binary, state: state.path, name: name, display: display, password: password)
            #expect(status == 0, "operators add \(name): \(output)")
        }
        let keys = try ServerKeys.loadOrCreate(in: state)
        let store = try SQLiteSyncStore(path: state.appending("sync-server.sqlite"))
        defer { Task { await store.close() } }
        #expect(try await store.operators().map(\.name).sorted() == ["kyilmaz", "pschmidt"])

        // An address change against a register that moved on, and a fee paid twice.
        let stale = try await AdminPagesTests.makeStaleBaseConflict(in: store)
        let payment = try await AdminPagesTests.makeDoublePaymentConflict(in: store, citizenId: "citizen-p")

        let app = Application(
            router: SyncServerApplication.router(store: store, keys: keys, requireClientCertificate: true))
        try await app.test(.router) { client in
            var cookies: [String: String] = [:]
            for (name, _, password) in Self.operators {
                let (status, cookie) = try await OperatorAccountTests.login(
                    client, body: "name=\(name)&password=\(password)")
                #expect(status == .seeOther, "\(name) signs in with the own password")
                cookies[name] = try #require(cookie)
            }
            #expect(
                try await OperatorAccountTests.login(client, body: "name=pschmidt&password=Rathaus-Mainz-2026-ky").0
                    == .unauthorized, "the other person's password does not sign in")
            func decide(_ id: Int64, as name: String, _ form: String) async throws -> HTTPResponse.Status {
                var headers = AdminPagesTests.form
                headers[.cookie] = "\(OperatorSessions.cookieName)=\(cookies[name] ?? "")"
                return try await client.execute(
                    uri: "/admin/conflicts/\(id)/resolve", method: .post, headers: headers,
                    body: ByteBuffer(string: form)
                ) { $0.status }
            }
            // Petra keeps the kit's value (the new address), Kemal the register's (refund).
            #expect(
                try await decide(stale.id, as: "pschmidt", "resolution=accept&note=Umzug+per+Mietvertrag+belegt")
                    == .ok, "the confirmation step comes first")
            #expect(try await store.conflicts(openOnly: true).count == 2)
            #expect(
                try await decide(
                    stale.id, as: "pschmidt", "resolution=accept&note=Umzug+per+Mietvertrag+belegt&confirmed=1")
                    == .seeOther)
            #expect(
                try await decide(
                    payment.id, as: "kyilmaz",
                    "resolution=discard&note=Doppelt+bezahlt%2C+Erstattung+angewiesen&confirmed=1"
                ) == .seeOther)
            #expect(try await store.conflicts(openOnly: true).isEmpty)

            let audit = try await store.auditLog(limit: 50).filter { $0.action == "conflict-resolved" }
            #expect(audit.count == 2)
            #expect(
                audit.contains {
                    $0.actor == "Petra Schmidt (pschmidt)"
                        && $0.detail == "conflict \(stale.id): accept – Notiz: Umzug per Mietvertrag belegt"
                })
            #expect(
                audit.contains {
                    $0.actor == "Kemal Yilmaz (kyilmaz)"
                        && $0.detail
                            == "conflict \(payment.id): discard – Notiz: Doppelt bezahlt, Erstattung angewiesen"
                })
            #expect(
                try await store.conflictNotes(ids: [stale.id, payment.id])[stale.id] == "Umzug per Mietvertrag belegt")

            try await client.execute(
                uri: "/admin/conflicts", method: .get,
                headers: [.cookie: "\(OperatorSessions.cookieName)=\(cookies["kyilmaz"] ?? "")"]
            ) { response in
                let html = String(buffer: response.body)
                #expect(
                    html.contains(
                        "<td>Wert des Koffers übernommen</td><td>Petra Schmidt (pschmidt)</td>"
                            + "<td class=\"note\">Umzug per Mietvertrag belegt</td>"))
                #expect(
                    html.contains(
                        "<td>Zahlung des Koffers erstattet</td><td>Kemal Yilmaz (kyilmaz)</td>"
                            + "<td class=\"note\">Doppelt bezahlt, Erstattung angewiesen</td>"))
            }
        }
    }
}
