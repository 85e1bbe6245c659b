import Foundation
import HTTPTypes
import HummingbirdWebSocket
import KitCore
import Logging
import NIOCore
import NIOWebSocket

/// `GET /v1/events` as a WebSocket: the agent's event stream (``AgentEvent``), one JSON text
/// message per event, server to client only.
///
/// The same rules as for the rest of the local API: a browser's `Origin` must be the agent's own
/// page, and the client must present this run's token — in `Authorization: Bearer …`, or, since a
/// browser cannot set headers on a WebSocket, as the subprotocol `kit-token.<token>` next to
/// `kit-agent.v1` (the agent answers with `kit-agent.v1` and never echoes the token). A request
/// that fails these checks gets no stream.
struct EventStreamUpgrade: Sendable {
    static let path = "/v1/events"
    static let protocolName = "kit-agent.v1"
    static let tokenProtocolPrefix = "kit-token."

    let access: LocalAPIAccess
    let hub: AgentEventHub

    let logger: Logger

    /// Whether to upgrade. A refused upgrade is answered 400 with no stream (the WebSocket library's
    /// answer to a refused handshake); the reason goes to the agent's log.
    func decide(_ request: HTTPRequest) -> ShouldUpgradeResult<
        WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>
    > {
        guard request.path.map({ $0.split(separator: "?", maxSplits: 1).first.map(String.init) ?? $0 }) == Self.path
        else { return .dontUpgrade }
        let offered = Self.offeredProtocols(request.headerFields[values: .secWebSocketProtocol])
        let presented =
            LocalAPIAccess.bearer(request.headerFields[.authorization])
            ?? offered.first { $0.hasPrefix(Self.tokenProtocolPrefix) }.map {
                String($0.dropFirst(Self.tokenProtocolPrefix.count))
            }
        if let refusal = access.refusal(
            host: request.authority, origin: request.headerFields[.origin], presentedToken: presented)
        {
            logger.notice("event stream refused", metadata: ["reason": "\(refusal.message)"])
            return .dontUpgrade
        }
        var headers = HTTPFields()
        if offered.contains(Self.protocolName) { headers[.secWebSocketProtocol] = Self.protocolName }
        let hub = self.hub
        return .upgrade(headers) { inbound, outbound, _ in
            try await Self.stream(hub.subscribe(), inbound: inbound, outbound: outbound)
        }
    }

    static func offeredProtocols(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }

    /// Sends events until the client closes the socket or the agent stops.
    static func stream(
        _ events: AsyncStream<AgentEvent>, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // The client sends nothing we act on; reading keeps pings answered and notices a close.
                for try await _ in inbound {}
            }
            group.addTask {
                for await event in events {
                    try await outbound.write(.text(event.json()))
                }
                try await outbound.close(.normalClosure, reason: "kit-agent is stopping")
            }
            try await group.next()
            group.cancelAll()
        }
    }
}
