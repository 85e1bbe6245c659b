import AsyncHTTPClient
import Foundation
import KitAgent
import KitCore
import KitTestSupport
import Logging
import NIOCore
import NIOHTTP1
import Testing

@Suite("Agent ↔ sync server link, end to end over loopback")
struct AgentLinkTests {
    @Test func statusShowsAReachableServer() async throws {
        try await withSyncServer(tls: false) { serverPort in
            try await withAgent(serverURL: "http://127.0.0.1:\(serverPort)") { endpoint, stateDirectory in
                let status = try await LocalAPIClient(stateDirectory: stateDirectory)
                    .status(refresh: true)
                #expect(status.server.reachability == .reachable)
                #expect(status.server.serverVersion?.storage == "sqlite")
                #expect(
                    status.server.serverVersion?.schemaMigrations == ServerSchema.migrations)
                #expect(status.server.consecutiveFailures == 0)
                #expect(status.server.lastError == nil)
                #expect(status.stateDirectory.hasSuffix(URL(fileURLWithPath: stateDirectory).lastPathComponent))
                #expect(status.processID == ProcessInfo.processInfo.processIdentifier)
                #expect(endpoint.port > 0)
            }
        }
    }

    @Test func stoppedServerIsReportedAsRefused() async throws {
        let port = try withSyncServerPortThenStop()
        try await withAgent(serverURL: "http://127.0.0.1:\(port)") { _, stateDirectory in
            let client = try LocalAPIClient(stateDirectory: stateDirectory)
            let first = try await client.status(refresh: true)
            let second = try await client.status(refresh: true)
            #expect(second.server.reachability == .unreachable)
            #expect(second.server.lastError == LinkProblem.connectionRefused.description)
            // (The agent's own start-up probe may finish between the two refreshes: at least one more.)
            #expect(second.server.consecutiveFailures >= first.server.consecutiveFailures + 1)
            #expect(first.server.consecutiveFailures >= 1)
            #expect(second.server.lastReachableAt == nil)
        }
    }

    /// A port that was free a moment ago and has nobody listening now.
    func withSyncServerPortThenStop() throws -> Int {
        let socket = try ListeningSocket()
        return socket.port
    }

    @Test func aWebServerThatIsNotASyncServerIsNotReachable() async throws {
        try await withFixedAnswerServer(status: 200, body: "<html>Welcome to the hotel Wi-Fi</html>") { port in
            let monitor = LinkMonitor(
                serverURL: URL(string: "http://127.0.0.1:\(port)")!, interval: 60, timeout: 2,
                logger: quietLogger())
            let status = await monitor.probe()
            #expect(status.reachability == .unreachable)
            #expect(status.lastError == LinkProblem.notASyncServer.description)
        }
    }

    @Test func wrongVersionDocumentFromAnotherServiceIsNotReachable() async throws {
        let json = #"{"service":"nginx","version":"1","apiVersion":1,"storage":"x","schemaMigrations":[]}"#
        try await withFixedAnswerServer(status: 200, body: json) { port in
            let monitor = LinkMonitor(
                serverURL: URL(string: "http://127.0.0.1:\(port)")!, interval: 60, timeout: 2,
                logger: quietLogger())
            #expect(await monitor.probe().lastError == LinkProblem.notASyncServer.description)
        }
    }

    @Test func serverErrorStatusIsReported() async throws {
        try await withFixedAnswerServer(status: 502, body: "upstream down") { port in
            let monitor = LinkMonitor(
                serverURL: URL(string: "http://127.0.0.1:\(port)")!, interval: 60, timeout: 2,
                logger: quietLogger())
            #expect(await monitor.probe().lastError == LinkProblem.unexpectedStatus(502).description)
        }
    }

    @Test func incompatibleAPIVersionIsReported() async throws {
        let json = #"{"service":"sync-server","version":"9","apiVersion":99,"storage":"sqlite","schemaMigrations":[]}"#
        try await withFixedAnswerServer(status: 200, body: json) { port in
            let monitor = LinkMonitor(
                serverURL: URL(string: "http://127.0.0.1:\(port)")!, interval: 60, timeout: 2,
                logger: quietLogger())
            let status = await monitor.probe()
            #expect(status.reachability == .incompatible)
            #expect(status.lastError?.contains("API version 99") == true)
        }
    }

    @Test func silentServerTimesOut() async throws {
        // Accepts connections (kernel backlog) but never answers.
        let silent = try ListeningSocket()
        let monitor = LinkMonitor(
            serverURL: URL(string: "http://127.0.0.1:\(silent.port)")!, interval: 60, timeout: 0.3,
            logger: quietLogger())
        let status = await monitor.probe()
        #expect(status.reachability == .unreachable)
        #expect(status.lastError == LinkProblem.timeout.description)
    }
}

@Suite("Local API access control")
struct LocalAPIAccessTests {
    func get(_ endpoint: LocalAPIEndpoint, headers: [(String, String)]) async throws -> HTTPResponseStatus {
        var request = HTTPClientRequest(url: endpoint.baseURL + "/v1/status")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        _ = try await response.body.collect(upTo: 1 << 20)
        return response.status
    }

    @Test func tokenAndOriginAreEnforced() async throws {
        try await withAgent(serverURL: "http://127.0.0.1:9", probeTimeout: 0.3) { endpoint, stateDirectory in
            #expect(try await get(endpoint, headers: []) == .unauthorized)
            #expect(try await get(endpoint, headers: [("Authorization", "Bearer wrong")]) == .unauthorized)
            #expect(try await get(endpoint, headers: [("Authorization", "Bearer \(endpoint.token)")]) == .ok)
            #expect(
                try await get(
                    endpoint,
                    headers: [("Authorization", "Bearer \(endpoint.token)"), ("Origin", "https://evil.example")])
                    == .forbidden)
            #expect(
                try await get(
                    endpoint,
                    headers: [
                        ("Authorization", "Bearer \(endpoint.token)"), ("Origin", "http://127.0.0.1:\(endpoint.port)"),
                    ]) == .ok)
            // The endpoint file with the token is readable by the agent's user only.
            let attributes = try FileManager.default.attributesOfItem(
                atPath: LocalAPIEndpoint.path(in: stateDirectory))
            #expect(try #require(attributes[.posixPermissions] as? NSNumber).intValue & 0o777 == 0o600)
            #expect(endpoint.token.count == 64)
        }
    }

    @Test func theOpenAPIDocumentIsServedBehindTheTokenAndNamesEveryDeviceRoute() async throws {
        try await withAgent(serverURL: "http://127.0.0.1:9", probeTimeout: 0.3) { endpoint, _ in
            var request = HTTPClientRequest(url: endpoint.baseURL + "/v1/openapi.yaml")
            let refused = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            _ = try await refused.body.collect(upTo: 1 << 20)
            #expect(refused.status == .unauthorized)
            request.headers.add(name: "Authorization", value: "Bearer \(endpoint.token)")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
            #expect(response.status == .ok)
            #expect(response.headers.first(name: "Content-Type")?.hasPrefix("application/yaml") == true)
            #expect(text.hasPrefix("openapi: 3.1.0"))
            for path in [
                "/v1/status", "/v1/unlock", "/v1/lock", "/v1/queue", "/v1/queue/stats", "/v1/queue/{seq}", "/v1/sync",
                "/v1/steps", "/v1/cases/{caseId}/signature", "/v1/cases/{caseId}/fingerprints",
                "/v1/cases/{caseId}/identity", "/v1/cases/{caseId}/address", "/v1/cases/{caseId}/payment",
                "/v1/payments",
            ] {
                #expect(text.contains("\n  \(path):\n"), "\(path) is not documented")
            }
        }
    }

    @Test func endpointFileIsRemovedOnStopAndStatusThenSaysNotRunning() async throws {
        let stateDirectory = try await withAgent(serverURL: "http://127.0.0.1:9", probeTimeout: 0.3) { _, directory in
            #expect(FileManager.default.fileExists(atPath: LocalAPIEndpoint.path(in: directory)))
            return directory
        }
        #expect(!FileManager.default.fileExists(atPath: LocalAPIEndpoint.path(in: stateDirectory)))
        #expect(throws: AgentError.self) { try LocalAPIClient(stateDirectory: stateDirectory) }
    }

    @Test func secondAgentOnTheSamePortFailsClearly() async throws {
        let occupied = try ListeningSocket()
        let agent = AgentDaemon(
            configuration: AgentConfiguration(
                stateDirectory: temporaryPath("agent2"), serverURL: URL(string: "http://127.0.0.1:9")!,
                apiPort: occupied.port),
            logger: quietLogger())
        do {
            try await agent.run()
            Issue.record("agent started on an occupied port")
        } catch {
            #expect(error.description.contains("already in use"))
            #expect(error.description.contains("127.0.0.1:\(occupied.port)"))
        }
    }
}
