import Synchronization

/// Fans the agent's events out to every connected client (`GET /v1/events`). A slow client loses
/// the oldest of its unsent events, never blocks the agent; `status` events are full snapshots, so
/// a client that missed some still ends up with the current state.
public final class AgentEventHub: Sendable {
    private struct State {
        var nextID: UInt64 = 0
        var subscribers: [UInt64: AsyncStream<AgentEvent>.Continuation] = [:]
        var last: AgentEvent?
        var finished = false
    }

    private let state = Mutex(State())
    private let buffer: Int

    public init(buffer: Int = 64) { self.buffer = buffer }

    /// A stream of events from now on, beginning with the latest `status` event if there is one.
    /// Ends when the client stops iterating or the agent shuts down.
    public func subscribe() -> AsyncStream<AgentEvent> {
        let (stream, continuation) = AsyncStream<AgentEvent>.makeStream(bufferingPolicy: .bufferingNewest(buffer))
        let id: UInt64? = state.withLock { state in
            guard !state.finished else { return nil }
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = continuation
            if let last = state.last { continuation.yield(last) }
            return id
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Sends an event to every subscriber.
    public func publish(_ event: AgentEvent) {
        let subscribers = state.withLock { state in
            if event.type == .status { state.last = event }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.yield(event) }
    }

    /// Number of connected clients.
    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Ends every stream (agent shutdown); later subscriptions end at once.
    public func finish() {
        let subscribers = state.withLock { state in
            state.finished = true
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.finish() }
    }
}
