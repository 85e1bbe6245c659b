import Foundation
import Logging
import NIOCore
import Synchronization

/// Counts the server's open connections, in all and per client address, and decides whether a
/// newly accepted one may stay. Refusals are logged at most once per ``warningInterval`` with the
/// number refused since, so a flood cannot flood the log too.
final class ConnectionLimiter: Sendable {
    let maximumConnections: Int
    let maximumPerAddress: Int
    let logger: Logger
    let metrics: ServerMetrics
    static let warningInterval: TimeInterval = 10

    private struct State {
        var total = 0
        var perAddress: [String: Int] = [:]
        var refusedSinceWarning = 0
        var lastWarning = Date.distantPast
    }
    private let state = Mutex(State())

    init(maximumConnections: Int, maximumPerAddress: Int, logger: Logger, metrics: ServerMetrics = ServerMetrics()) {
        self.maximumConnections = maximumConnections
        self.maximumPerAddress = maximumPerAddress
        self.logger = logger
        self.metrics = metrics
    }

    /// Why a connection was not admitted.
    enum Refusal: String {
        /// ``maximumConnections`` are open.
        case serverFull = "server connection limit reached"
        /// ``maximumPerAddress`` are open from this address.
        case addressFull = "connection limit per client address reached"

        /// The label in `/metrics`.
        var label: String { self == .serverFull ? "server-full" : "address-full" }
    }

    /// Counts the connection in, or says why it must be closed (then it is not counted).
    func admit(address: String) -> Refusal? {
        let (refusal, warning): (Refusal?, (Refusal, Int)?) = state.withLock { state in
            var refusal: Refusal?
            if state.total >= maximumConnections {
                refusal = .serverFull
            } else if state.perAddress[address, default: 0] >= maximumPerAddress {
                refusal = .addressFull
            }
            guard let refusal else {
                state.total += 1
                state.perAddress[address, default: 0] += 1
                return (nil, nil)
            }
            state.refusedSinceWarning += 1
            let now = Date()
            guard now.timeIntervalSince(state.lastWarning) >= Self.warningInterval else { return (refusal, nil) }
            defer {
                state.lastWarning = now
                state.refusedSinceWarning = 0
            }
            return (refusal, (refusal, state.refusedSinceWarning))
        }
        if let refusal { metrics.countConnectionRefusal(refusal.label) }
        if let (reason, count) = warning {
            logger.warning(
                "connections refused",
                metadata: [
                    "reason": "\(reason.rawValue)", "refused": "\(count)", "clientAddress": "\(address)",
                    "limit": "\(reason == .serverFull ? maximumConnections : maximumPerAddress)",
                ])
        }
        return refusal
    }

    /// Counts a connection out that ``admit(address:)`` counted in.
    func release(address: String) {
        state.withLock { state in
            state.total -= 1
            let remaining = state.perAddress[address, default: 1] - 1
            state.perAddress[address] = remaining > 0 ? remaining : nil
        }
    }

    /// Connections open now.
    var openConnections: Int { state.withLock { $0.total } }
}

/// First handler of every accepted connection: asks the ``ConnectionLimiter`` when the connection
/// becomes active and closes it at once when refused; counts it out when it closes.
final class ConnectionAdmissionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let limiter: ConnectionLimiter
    private var admittedAddress: String?

    init(limiter: ConnectionLimiter) {
        self.limiter = limiter
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { admit(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        admit(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let address = admittedAddress {
            admittedAddress = nil
            limiter.release(address: address)
        }
        context.fireChannelInactive()
    }

    private func admit(context: ChannelHandlerContext) {
        guard admittedAddress == nil else { return }
        let address = context.channel.remoteAddress?.ipAddress ?? "unknown"
        if limiter.admit(address: address) != nil {
            context.close(promise: nil)
        } else {
            admittedAddress = address
        }
    }
}
