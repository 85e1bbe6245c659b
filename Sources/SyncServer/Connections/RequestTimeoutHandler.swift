import Logging
import NIOCore
import NIOHTTPTypes

/// Sent down the pipeline by ``InboundBytesMarker`` whenever bytes of a request arrive, before the
/// HTTP decoder has made a part out of them.
struct RequestBytesArrived: Sendable {}

/// Sits after TLS and before the HTTP decoder: tells ``RequestTimeoutHandler`` that the client is
/// sending, which the decoded HTTP parts alone cannot (a header arriving one byte per second
/// produces no part until it is complete).
final class InboundBytesMarker: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireUserInboundEventTriggered(RequestBytesArrived())
        context.fireChannelRead(data)
    }
}

/// Closes connections that are too slow at any stage of reading a request:
///
/// - header: from the accept (first request) or from the first byte of a later request until the
///   head is complete (``ConnectionLimits/headerTimeout``), against slowloris clients;
/// - body: no byte of the body for ``ConnectionLimits/bodyTimeout``;
/// - idle: a kept-alive connection with no new request for ``ConnectionLimits/idleTimeout``.
///
/// While the server itself works on a request (body read, response not yet written) no timeout runs.
final class RequestTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Where the connection is in its request cycle.
    enum Stage: String {
        case readingHead = "header"
        case readingBody = "body"
        case responding
        case idle
    }

    private let limits: ConnectionLimits
    private let logger: Logger
    private let metrics: ServerMetrics
    private var stage = Stage.readingHead
    private var requestsInFlight = 0
    private var scheduled: Scheduled<Void>?

    init(limits: ConnectionLimits, logger: Logger, metrics: ServerMetrics) {
        self.limits = limits
        self.logger = logger
        self.metrics = metrics
    }

    func handlerAdded(context: ChannelHandlerContext) {
        arm(limits.headerTimeout, context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is RequestBytesArrived else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        switch stage {
        case .idle:
            stage = .readingHead
            arm(limits.headerTimeout, context: context)
        case .readingBody:
            arm(limits.bodyTimeout, context: context)
        case .readingHead, .responding:
            break
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            requestsInFlight += 1
            stage = .readingBody
            arm(limits.bodyTimeout, context: context)
        case .body:
            break
        case .end:
            stage = .responding
            disarm()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            requestsInFlight = max(0, requestsInFlight - 1)
            if requestsInFlight == 0, stage == .responding {
                stage = .idle
                arm(limits.idleTimeout, context: context)
            }
        }
        context.write(data, promise: promise)
    }

    private func arm(_ seconds: Double, context: ChannelHandlerContext) {
        disarm()
        let stage = self.stage
        scheduled = context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(Int64(seconds * 1e9))) {
            [self] in
            scheduled = nil
            metrics.countConnectionTimeout(stage.rawValue)
            logger.debug(
                "connection closed: timeout",
                metadata: [
                    "stage": "\(stage.rawValue)",
                    "clientAddress": "\(context.channel.remoteAddress?.ipAddress ?? "unknown")",
                ])
            context.close(promise: nil)
        }
    }

    private func disarm() {
        scheduled?.cancel()
        scheduled = nil
    }
}
