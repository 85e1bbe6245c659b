import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL

/// An HTTP(S) endpoint for ``PushReceiver``: `POST /handoff` with the dossier as body. Plain HTTP
/// is meant for loopback (tests); give a TLS configuration for anything else.
public struct PushListener: Sendable {
    public static let path = "/handoff"
    /// Largest dossier accepted.
    public static let maximumBodyBytes = 512 << 20

    public let receiver: PushReceiver
    public let host: String
    public let port: Int
    public let tls: TLSConfiguration?
    public let logger: Logger

    public init(receiver: PushReceiver, host: String, port: Int, tls: TLSConfiguration? = nil, logger: Logger) {
        self.receiver = receiver
        self.host = host
        self.port = port
        self.tls = tls
        self.logger = logger
    }

    /// Serves until the task is cancelled; `onListening` gets the bound port.
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let router = Router()
        let receiver = self.receiver
        router.post(RouterPath(stringLiteral: Self.path)) { request, _ -> Response in
            let body = try await request.body.collect(upTo: Self.maximumBodyBytes)
            let headers = request.headers
            let answer = await receiver.receive(
                header: { name in HTTPField.Name(name).flatMap { headers[$0] } }, body: Array(buffer: body))
            return Response(
                status: .init(code: answer.status),
                headers: [.contentType: answer.status == 200 ? "application/json" : "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
        }
        let server: HTTPServerBuilder
        if let tls {
            server = try .tls(.http1(), tlsConfiguration: tls)
        } else {
            server = .http1()
        }
        let logger = self.logger
        let app = Application(
            router: router, server: server, configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.info("push receiver listening", metadata: ["port": "\(port)", "path": "\(Self.path)"])
                await onListening(port)
            }, logger: logger)
        try await app.runService(gracefulShutdownSignals: [])
    }
}
