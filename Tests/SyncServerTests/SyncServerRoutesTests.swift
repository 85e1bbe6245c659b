import Foundation
import Hummingbird
import HummingbirdTesting
import KitCore
import KitTestSupport
import Logging
import NIOCore
import SyncServer
import Testing

@Suite("Sync server: health, version, start-up errors")
struct SyncServerRoutesTests {
    let stateDirectory = temporaryPath("srv")

    func application() throws -> SyncServerApplication {
        SyncServerApplication(
            configuration: ServerConfiguration(port: 0, stateDirectory: stateDirectory),
            logger: quietLogger())
    }

    @Test func healthAndVersionAnswerFromTheDatabase() async throws {
        let store = try await application().openStore()
        let keys = try ServerKeys.loadOrCreate(in: try application().stateDirectory())
        let app = Application(
            router: SyncServerApplication.router(store: store, keys: keys, requireClientCertificate: true))
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("\"status\":\"ok\""))
            }
            try await client.execute(uri: "/v1/version", method: .get) { response in
                #expect(response.status == .ok)
                let info = try WireCoding.decoder().decode(
                    ServerVersionInfo.self, from: Data(String(buffer: response.body).utf8))
                #expect(info.service == "sync-server")
                #expect(info.apiVersion == KitVersion.apiVersion)
                #expect(info.storage == "sqlite")
                #expect(
                    info.schemaMigrations == ServerSchema.migrations)
            }
            try await client.execute(uri: "/v1/nothing-here", method: .get) { response in
                #expect(response.status == .notFound)
                let body = try JSONDecoder().decode(
                    ErrorBody.self, from: Data(String(buffer: response.body).utf8))
                #expect(body.error.status == 404)
                #expect(body.error.message.contains("no route for GET /v1/nothing-here"))
            }
        }
        await store.close()
    }

    /// The reason in a JSON error body; expects the JSON content type.
    static func problem(_ response: TestResponse) throws -> ErrorBody.Problem {
        #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
        return try JSONDecoder().decode(ErrorBody.self, from: Data(String(buffer: response.body).utf8)).error
    }

    /// The JSON body of every 4xx (docs/openapi/sync-server.yaml, `components.responses.Error`).
    struct ErrorBody: Decodable {
        struct Problem: Decodable {
            var status: Int
            var title: String
            var message: String
        }
        var error: Problem
    }

    @Test func every4xxHasAJSONReasonMetricsNeedTheOperatorAndFailedTokensAreThrottled() async throws {
        let store = try await application().openStore()
        let keys = try ServerKeys.loadOrCreate(in: try application().stateDirectory())
        let adminToken = try String(contentsOfFile: keys.adminTokenPath, encoding: .utf8)
        let app = Application(
            router: SyncServerApplication.router(store: store, keys: keys, requireClientCertificate: false))
        try await app.test(.router) { client in
            // Metrics name kits: the operator token only.
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .unauthorized)
                let problem = try Self.problem(response)
                #expect(problem.message == "operator token missing or wrong")
            }
            try await client.execute(
                uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(adminToken)"]
            ) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("sync_ingest_transactions_total"))
            }
            // Five wrong secrets from one address (of any kind) spend its budget ...
            for attempt in 0..<5 {
                let headers: HTTPFields = [.authorization: "Bearer wrong-\(attempt)"]
                let uri = attempt % 2 == 0 ? "/v1/admin/fleet" : "/v1/kits/kit-a/cases"
                try await client.execute(uri: uri, method: .get, headers: headers) { response in
                    #expect(response.status == .unauthorized)
                    let problem = try Self.problem(response)
                    #expect(problem.status == 401)
                }
            }
            // ... further wrong ones are refused with 429 and a Retry-After ...
            try await client.execute(
                uri: "/v1/admin/fleet", method: .get, headers: [.authorization: "Bearer wrong-again"]
            ) { response in
                #expect(response.status == .tooManyRequests)
                #expect(Int(response.headers[.retryAfter] ?? "") ?? 0 > 0)
                let problem = try Self.problem(response)
                #expect(problem.message.contains("too many failed authentications from this address"))
            }
            try await client.execute(
                uri: "/v1/enroll", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: "{}")
            ) { response in
                #expect(response.status == .badRequest, "a malformed request is no authentication attempt")
                let problem = try Self.problem(response)
                #expect(problem.message.isEmpty == false)
            }
            // ... but the right token behind the same address still passes.
            try await client.execute(
                uri: "/v1/admin/fleet", method: .get, headers: [.authorization: "Bearer \(adminToken)"]
            ) { response in
                #expect(response.status == .ok)
            }
        }
        await store.close()
    }

    @Test func healthReportsAClosedDatabaseAs503() async throws {
        let store = try await application().openStore()
        await store.close()
        let keys = try ServerKeys.loadOrCreate(in: try application().stateDirectory())
        let app = Application(
            router: SyncServerApplication.router(store: store, keys: keys, requireClientCertificate: true))
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("database does not answer"))
            }
        }
    }

    @Test func reopeningKeepsTheSchema() async throws {
        let first = try await application().openStore()
        let before = try await first.appliedMigrations()
        await first.close()
        let second = try await application().openStore()
        #expect(try await second.appliedMigrations() == before)
        await second.close()
    }

    @Test func portInUseIsOneClearError() async throws {
        let occupied = try ListeningSocket()
        let app = SyncServerApplication(
            configuration: ServerConfiguration(port: occupied.port, stateDirectory: stateDirectory),
            logger: quietLogger())
        do {
            try await app.run()
            Issue.record("server started on an occupied port")
        } catch {
            #expect(
                error.description
                    == "sync-server cannot listen on 127.0.0.1:\(occupied.port): the port is already in use by another program (choose another with --port)"
            )
        }
    }

    @Test func unusableStateDirectoryIsOneClearError() async throws {
        let app = SyncServerApplication(
            configuration: ServerConfiguration(port: 0, stateDirectory: "/proc/version/state"),
            logger: quietLogger())
        await #expect(throws: SyncServerError.self) { try await app.openStore() }
    }

    @Test func configurationFromLayers() async throws {
        let layered = try await LayeredConfiguration.load(
            flags: ["http.port": "9000"], environmentPrefix: ServerConfiguration.environmentPrefix, file: nil,
            environment: ["SYNC_SERVER_STATE_DIRECTORY": "/srv/sync", "SYNC_SERVER_LOG_LEVEL": "debug"])
        let configuration = try ServerConfiguration(layered)
        #expect(configuration == ServerConfiguration(port: 9000, stateDirectory: "/srv/sync", logLevel: .debug))
        #expect(configuration.tlsEnabled)
        #expect(configuration.tlsHostnames == ["localhost", "127.0.0.1"])
        #expect(configuration.clientCertificateDays == 365)

        let tls = try ServerConfiguration(
            try await LayeredConfiguration.load(
                flags: [:], environmentPrefix: ServerConfiguration.environmentPrefix, file: nil,
                environment: [
                    "SYNC_SERVER_TLS_ENABLED": "false", "SYNC_SERVER_TLS_HOSTNAMES": "sync.example, 10.8.0.1",
                    "SYNC_SERVER_TLS_CLIENT_CERTIFICATE_DAYS": "30",
                ]))
        #expect(!tls.tlsEnabled)
        #expect(tls.tlsHostnames == ["sync.example", "10.8.0.1"])
        #expect(tls.clientCertificateDays == 30)
        await #expect(throws: ConfigurationError.self) {
            _ = try ServerConfiguration(
                try await LayeredConfiguration.load(
                    flags: [:], environmentPrefix: ServerConfiguration.environmentPrefix, file: nil,
                    environment: ["SYNC_SERVER_TLS_ENABLED": "maybe"]))
        }
    }
}
