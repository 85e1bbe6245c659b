import HummingbirdCore
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle

/// The sync server's per-connection pipeline: HTTP/1.1 (optionally over TLS) behind the
/// connection limits and timeouts of ``ConnectionLimits``.
///
/// Handlers in order: ``ConnectionAdmissionHandler`` (counts the connection, closes it when a
/// limit is reached), ``TLSClientHelloPolicyHandler`` (TR-02102-2 TLS 1.3 suites),
/// `NIOSSLServerHandler` with ``TLSHandshakeTimeoutHandler`` after it,
/// ``InboundBytesMarker``, Hummingbird's HTTP/1 handlers with ``RequestTimeoutHandler``.
struct GuardedHTTPChannel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let base: HTTP1Channel
    let sslContext: NIOSSLContext?
    let limits: ConnectionLimits
    let limiter: ConnectionLimiter
    let metrics: ServerMetrics

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let limiter = self.limiter
        let sslContext = self.sslContext
        let metrics = self.metrics
        let handshakeTimeout = TimeAmount.nanoseconds(Int64(limits.tlsHandshakeTimeout * 1e9))
        return channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(ConnectionAdmissionHandler(limiter: limiter))
            if let sslContext {
                try pipeline.addHandler(TLSClientHelloPolicyHandler(logger: logger))
                try pipeline.addHandler(NIOSSLServerHandler(context: sslContext))
                try pipeline.addHandler(
                    TLSHandshakeTimeoutHandler(timeout: handshakeTimeout, logger: logger, metrics: metrics))
            }
            try pipeline.addHandler(InboundBytesMarker())
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// Builds the server's channel setup from the configuration (called by ``SyncServerApplication``).
enum ServerChannelSetup {
    /// The Hummingbird server builder with the guarded pipeline, and the limiter it counts with.
    static func builder(
        limits: ConnectionLimits, tlsConfiguration: TLSConfiguration?, logger: Logger,
        metrics: ServerMetrics = ServerMetrics()
    ) throws -> (builder: HTTPServerBuilder, limiter: ConnectionLimiter) {
        let sslContext = try tlsConfiguration.map { try NIOSSLContext(configuration: $0) }
        if sslContext != nil, TLSClientHelloPolicy.hasAESInstructions() == false {
            logger.error(
                "this processor has no AES instructions: BoringSSL would prefer ChaCha20 in TLS 1.3, which BSI TR-02102-2 does not allow; run the server on a processor with AES instructions"
            )
        }
        let maximum = DescriptorLimit.connectionCeiling(configured: limits.maximumConnections, logger: logger)
        let limiter = ConnectionLimiter(
            maximumConnections: maximum, maximumPerAddress: limits.maximumConnectionsPerAddress, logger: logger,
            metrics: metrics)
        metrics.observeOpenConnections { limiter.openConnections }
        let http = HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestTimeoutHandler(limits: limits, logger: logger, metrics: metrics)])
        let builder = HTTPServerBuilder { responder in
            GuardedHTTPChannel(
                base: HTTP1Channel(responder: responder, configuration: http), sslContext: sslContext,
                limits: limits, limiter: limiter, metrics: metrics)
        }
        return (builder, limiter)
    }
}

extension ServerChannelSetup {
    /// Background services that belong to the connection handling (memory trim).
    static func services(limits: ConnectionLimits, logger: Logger) -> [any Service] {
        guard limits.memoryTrimInterval > 0 else { return [] }
        return [
            MemoryTrimService(interval: .nanoseconds(Int64(limits.memoryTrimInterval * 1e9)), logger: logger)
        ]
    }
}
