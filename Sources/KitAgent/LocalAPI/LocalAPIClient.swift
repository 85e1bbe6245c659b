import AsyncHTTPClient
import Foundation
import KitCore
import NIOCore
import NIOHTTP1

/// A client of a running agent's local API, used by `kit-agent status` and the other
/// subcommands that talk to the daemon instead of opening its files.
public struct LocalAPIClient: Sendable {
    public let endpoint: LocalAPIEndpoint
    private let client: HTTPClient

    public init(endpoint: LocalAPIEndpoint, client: HTTPClient = .shared) {
        self.endpoint = endpoint
        self.client = client
    }

    /// Finds the agent running with this state directory.
    public init(stateDirectory: String) throws(AgentError) {
        self.init(endpoint: try LocalAPIEndpoint.read(fromStateDirectory: stateDirectory))
    }

    /// `GET /v1/status`, optionally after a fresh probe of the server.
    public func status(refresh: Bool, stateDirectory: String) async throws(AgentError) -> AgentStatus {
        var request = HTTPClientRequest(url: endpoint.baseURL + "/v1/status" + (refresh ? "?refresh=true" : ""))
        request.headers.add(name: "Authorization", value: "Bearer \(endpoint.token)")
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await client.execute(request, timeout: .seconds(30))
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            // The endpoint file is left over from an agent that did not stop cleanly.
            throw .notRunning(stateDirectory: stateDirectory)
        }
        guard response.status == .ok else {
            throw .localAPI(reason: "HTTP \(response.status.code) for /v1/status")
        }
        do {
            return try WireCoding.decoder().decode(AgentStatus.self, from: Data(body.readableBytesView))
        } catch {
            throw .localAPI(reason: "status document cannot be read (\(error))")
        }
    }
}
