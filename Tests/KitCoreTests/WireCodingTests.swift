import Foundation
import KitCore
import Testing

@Suite("Wire types")
struct WireCodingTests {
    @Test func agentStatusRoundTrips() throws {
        let status = AgentStatus(
            agentVersion: "1.2.3", processID: 42, startedAt: Date(timeIntervalSince1970: 1_700_000_000),
            stateDirectory: "/var/lib/kit-agent",
            server: ServerLinkStatus(
                url: "https://sync.example:8443", reachability: .reachable,
                lastProbeAt: Date(timeIntervalSince1970: 1_700_000_100), roundTripMilliseconds: 12.5,
                serverVersion: ServerVersionInfo(
                    service: "sync-server", version: "1.0.0", apiVersion: 1, storage: "sqlite", schemaMigrations: ["v1"]
                )))
        let data = try WireCoding.encoder().encode(status)
        #expect(try WireCoding.decoder().decode(AgentStatus.self, from: data) == status)
        // Dates travel as ISO 8601 text, keys sorted: stable output for logs and golden files.
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"startedAt\":\"2023-11-14T22:13:20Z\""))
        #expect(text.hasPrefix("{\"agentVersion\""))
    }

    @Test func garbageIsRejected() {
        #expect(throws: DecodingError.self) {
            try WireCoding.decoder().decode(ServerVersionInfo.self, from: Data("{\"service\":1}".utf8))
        }
    }
}
