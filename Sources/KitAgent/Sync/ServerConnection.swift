import AsyncHTTPClient
import Foundation
import KitCore
import NIOCore
import NIOSSL

/// The HTTP client for the sync server: for `https://` URLs one built from the kit's TLS identity
/// (client certificate, pinned kit CA), rebuilt when enrollment installed a new one; for `http://`
/// URLs (a server with `tls.enabled=false`, local development only) the shared plain client.
public actor ServerConnection {
    private let keys: KitKeyStore?
    private let fixed: HTTPClient?
    private var current: (client: HTTPClient, fingerprint: String)?
    private var plain: HTTPClient?

    /// Connect within 10 s; nothing written for ``SyncClient/stallTimeout`` while the connection
    /// cannot take more is a stall. The wait for an answer has no fixed read timeout: the bytes of
    /// a large request may still wait in the kernel's send buffer for a thin link, so the sync
    /// client's watchdog (``UploadProgress``) decides when an answer is overdue.
    static let timeouts = HTTPClient.Configuration.Timeout(
        connect: .seconds(10), read: nil, write: SyncClient.stallTimeout)

    /// A connection using the kit's enrolled TLS identity.
    public init(keys: KitKeyStore) {
        self.keys = keys
        self.fixed = nil
    }

    /// A connection that always uses `client` (tests, tools).
    public init(client: HTTPClient) {
        self.keys = nil
        self.fixed = client
    }

    /// The client for requests to `url`.
    public func client(for url: String) throws(ServerConnectionError) -> HTTPClient {
        if let fixed { return fixed }
        guard url.lowercased().hasPrefix("https://") else {
            if let plain { return plain }
            let client = HTTPClient(
                eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                configuration: HTTPClient.Configuration(timeout: Self.timeouts))
            plain = client
            return client
        }
        guard let keys else { throw .notEnrolled }
        let identity: KitTLSIdentity
        do {
            guard let loaded = try KitTLSIdentity.load(from: keys) else { throw ServerConnectionError.notEnrolled }
            identity = loaded
        } catch let error as ServerConnectionError {
            throw error
        } catch {
            throw .unusableIdentity(String(describing: error))
        }
        let fingerprint = KitTLSIdentity.fingerprint(of: identity.clientCertificate)
        if let current, current.fingerprint == fingerprint { return current.client }
        let configuration: TLSConfiguration
        do { configuration = try identity.clientConfiguration() } catch {
            throw .unusableIdentity(String(describing: error))
        }
        let client = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: HTTPClient.Configuration(tlsConfiguration: configuration, timeout: Self.timeouts))
        if let previous = current?.client {
            Task { try? await previous.shutdown() }
        }
        current = (client, fingerprint)
        return client
    }

    deinit {
        // A client must be shut down before it goes away; nothing waits for it here.
        if let client = current?.client {
            _ = client.shutdown()
        }
        if let plain {
            _ = plain.shutdown()
        }
    }

    /// Closes the connections this object opened.
    /// Closes the clients. Waits at most `limit`: a connection still opening towards a server that
    /// does not answer (a black-holed link) would otherwise hold the agent's stop for the connect
    /// timeout; the rest of the closing goes on while the process ends.
    public func shutdown(within limit: Duration = .seconds(1)) async {
        let clients = [current?.client, plain].compactMap { $0 }
        current = nil
        plain = nil
        let (ended, ending) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        Task {
            for client in clients { try? await client.shutdown() }
            ending.yield()
        }
        let timer = Task {
            try await Task.sleep(for: limit)
            ending.yield()
        }
        var iterator = ended.makeAsyncIterator()
        _ = await iterator.next()
        timer.cancel()
        ending.finish()
    }
}

/// Why the kit cannot talk TLS to the sync server.
public enum ServerConnectionError: Error, Equatable, CustomStringConvertible {
    /// No client certificate and pinned kit CA yet.
    case notEnrolled
    /// The TLS key, certificate or pinned CA cannot be used.
    case unusableIdentity(String)

    public var description: String {
        switch self {
        case .notEnrolled:
            return "this kit has no TLS client certificate for the sync server yet: run kit-agent enroll"
        case .unusableIdentity(let reason):
            return "the kit's TLS certificate or key cannot be used (\(reason)): enroll the kit again"
        }
    }
}
