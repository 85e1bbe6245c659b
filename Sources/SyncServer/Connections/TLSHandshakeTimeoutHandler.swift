import Logging
import NIOCore
import NIOTLS

/// Closes a connection whose TLS handshake has not completed within the timeout (clients that
/// connect and never start TLS, or stall in the middle). Sits right after `NIOSSLServerHandler`,
/// which announces the completed handshake with `TLSUserEvent.handshakeCompleted`.
final class TLSHandshakeTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private let logger: Logger
    private let metrics: ServerMetrics
    private var scheduled: Scheduled<Void>?
    private var completed = false

    init(timeout: TimeAmount, logger: Logger, metrics: ServerMetrics) {
        self.timeout = timeout
        self.logger = logger
        self.metrics = metrics
    }

    func handlerAdded(context: ChannelHandlerContext) {
        schedule(context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        scheduled?.cancel()
        scheduled = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        scheduled?.cancel()
        scheduled = nil
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            completed = true
            scheduled?.cancel()
            scheduled = nil
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func schedule(context: ChannelHandlerContext) {
        guard scheduled == nil, !completed else { return }
        scheduled = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            scheduled = nil
            guard !completed else { return }
            metrics.countConnectionTimeout("tls-handshake")
            logger.debug(
                "connection closed: TLS handshake not completed in time",
                metadata: ["clientAddress": "\(context.channel.remoteAddress?.ipAddress ?? "unknown")"])
            context.close(promise: nil)
        }
    }
}
