import Crypto
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import KitCore
import Logging
import NIOCore
import NIOSSL

/// The sync server process: opens the store, builds the routes and serves until SIGTERM/SIGINT.
public struct SyncServerApplication: Sendable {
    public let configuration: ServerConfiguration
    /// The ingest admission to use instead of one made from the configuration (tests hold one to
    /// saturate the server on purpose).
    var admission: IngestAdmission?
    public let logger: Logger

    public init(configuration: ServerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Opens the state directory and the store named by the configuration.
    public func openStore() async throws(SyncServerError) -> any SyncStore {
        let directory = try stateDirectory()
        switch configuration.storage {
        case .sqlite:
            do {
                return try SQLiteSyncStore(path: directory.appending("sync-server.sqlite"))
            } catch {
                throw .store(error)
            }
        case .postgresql:
            guard let postgres = configuration.postgres else {
                throw .store(.cannotOpen(location: "PostgreSQL", reason: "no postgres.url configured"))
            }
            do {
                // Runs its own connection pool until `close()`.
                return try await PostgresSyncStore.open(configuration: postgres, logger: logger)
            } catch {
                throw .store(error)
            }
        }
    }

    /// The prepared state directory.
    public func stateDirectory() throws(SyncServerError) -> StateDirectory {
        do {
            return try StateDirectory.prepare(configuration.stateDirectory)
        } catch {
            throw .stateDirectory(error)
        }
    }

    /// Builds the HTTP router over a store and the server's keys. `requireClientCertificate` is
    /// false only when TLS is off for local development.
    public static func router(
        store: any SyncStore, keys: ServerKeys, requireClientCertificate: Bool,
        clientCertificateValidity: TimeInterval = 365 * 86_400, metrics: ServerMetrics = ServerMetrics(),
        ingestLimits: IngestLimits = .default, retentionDays: Int = 30,
        admission: IngestAdmission = .standard(),
        logger: Logger = Logger(label: "sync-server")
    )
        -> Router<SyncRequestContext>
    {
        let router = Router(context: SyncRequestContext.self)
        // First, so that it sees every answer, including those for unknown routes.
        router.add(middleware: ErrorResponseMiddleware())
        // One failure budget per client address for every secret the server checks.
        let throttle = AuthenticationThrottle()
        HealthController(store: store).register(on: router)
        VersionController(store: store, limits: ingestLimits).register(on: router)
        metrics.register(
            on: router, store: store,
            authentication: AdminAuthenticationMiddleware(tokenHash: keys.adminTokenHash, throttle: throttle))
        EnrollmentController(
            store: store, dataKey: keys.dataKey.publicKey, authority: keys.authority,
            clientCertificateValidity: clientCertificateValidity, throttle: throttle
        )
        .register(on: router)
        let kitRoutes = router.group("v1").add(
            middleware: KitAuthenticationMiddleware(
                store: store, requireClientCertificate: requireClientCertificate, metrics: metrics,
                throttle: throttle))
        KitSyncController(
            store: store, engine: IngestEngine(opener: EnvelopeOpener(dataKey: keys.dataKey)), metrics: metrics,
            limits: ingestLimits, orderKey: keys.kitOrderSigningKey, logger: logger, admission: admission
        )
        .register(on: kitRoutes)
        // Renewal: the same checks, except that a replaced certificate reaches the route, which
        // accepts it only to recover an interrupted renewal.
        let renewalRoutes = router.group("v1").add(
            middleware: KitAuthenticationMiddleware(
                store: store, requireClientCertificate: requireClientCertificate, metrics: metrics,
                letReplacedCertificateThrough: true, throttle: throttle))
        CertificateRenewalController(
            store: store, authority: keys.authority, validity: clientCertificateValidity, metrics: metrics
        )
        .register(on: renewalRoutes)
        let assembly = DossierAssembly(
            store: store,
            builder: DossierBuilder(opener: EnvelopeOpener(dataKey: keys.dataKey), signingKey: keys.dossierSigningKey),
            logger: logger)
        HandoffController(store: store, assembly: assembly)
            .register(on: router.group("v1/handoff").add(middleware: ConsumerAuthenticationMiddleware(store: store)))
        let adminRoutes = router.group("v1/admin").add(
            middleware: AdminAuthenticationMiddleware(tokenHash: keys.adminTokenHash, throttle: throttle))
        BackOfficeController(store: store).register(on: adminRoutes)
        PushAdminController(store: store).register(on: adminRoutes)
        AdminPagesController(
            store: store, tokenHash: keys.adminTokenHash, sessions: OperatorSessions(store: store),
            throttle: throttle,
            cases: CasePagesController(
                store: store, opener: EnvelopeOpener(dataKey: keys.dataKey), retentionDays: retentionDays,
                logger: logger)
        )
        .register(on: router)
        return router
    }

    /// Serves until a shutdown signal arrives. `onListening` receives the bound port (useful with
    /// port 0).
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws(SyncServerError) {
        let keys = try ServerKeys.loadOrCreate(in: try stateDirectory())
        let server: HTTPServerBuilder
        let tlsConfiguration: TLSConfiguration?
        let metrics = ServerMetrics()
        if configuration.tlsEnabled {
            let identity = try ServerTLSIdentity.loadOrCreate(
                keysDirectory: keys.directory, authority: keys.authority, hostnames: configuration.tlsHostnames)
            do {
                tlsConfiguration = try identity.serverConfiguration()
            } catch {
                throw .keys(path: keys.directory, reason: "the TLS configuration cannot be built: \(error)")
            }
        } else {
            logger.warning(
                "TLS is off (tls.enabled=false): kits authenticate by API token alone; for local development only")
            tlsConfiguration = nil
        }
        do {
            server = try ServerChannelSetup.builder(
                limits: configuration.connections, tlsConfiguration: tlsConfiguration, logger: logger, metrics: metrics
            ).builder
        } catch {
            throw .keys(path: keys.directory, reason: "the TLS configuration cannot be used: \(error)")
        }
        let store = try await openStore()
        let logger = self.logger
        let scheme = configuration.scheme
        let assembly = DossierAssembly(
            store: store,
            builder: DossierBuilder(opener: EnvelopeOpener(dataKey: keys.dataKey), signingKey: keys.dossierSigningKey),
            logger: logger)
        let maintenance = HandoffMaintenance(
            assembly: assembly, retentionDays: configuration.handoffRetentionDays,
            interval: .milliseconds(Int64(configuration.handoffMaintenanceInterval * 1000)))
        let pushSender: PushSender
        do {
            pushSender = try PushSender(settings: configuration.push)
        } catch {
            await store.close()
            throw .keys(path: configuration.push.caFile ?? "", reason: error.description)
        }
        let push = HandoffPushService(
            assembly: assembly, sender: pushSender, settings: configuration.push, metrics: metrics.push)
        var app = Application(
            router: Self.router(
                store: store, keys: keys, requireClientCertificate: configuration.tlsEnabled,
                clientCertificateValidity: TimeInterval(configuration.clientCertificateDays) * 86_400,
                metrics: metrics, ingestLimits: configuration.ingestLimits,
                retentionDays: configuration.handoffRetentionDays,
                admission: admission
                    ?? IngestAdmission(
                        limit: configuration.ingestMaxConcurrentBatches,
                        wait: .milliseconds(Int64(configuration.ingestAdmissionWait * 1000))),
                logger: logger),
            server: server,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "sync-server"
            ),
            services: ServerChannelSetup.services(limits: configuration.connections, logger: logger),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.info(
                    "sync-server listening",
                    metadata: ["port": "\(port)", "scheme": "\(scheme)", "storage": "\(store.backendName)"])
                await onListening(port)
            },
            logger: logger
        )
        app.addServices(maintenance, push)
        do {
            try await app.runService()
        } catch {
            await pushSender.shutdown()
            await store.close()
            throw SyncServerError.listen(host: configuration.host, port: configuration.port, error)
        }
        await pushSender.shutdown()
        await store.close()
        logger.info("sync-server stopped")
    }
}

/// Why the sync server could not start or stopped, in one line for the operator.
public enum SyncServerError: Error, CustomStringConvertible {
    /// The state directory is unusable.
    case stateDirectory(StateDirectoryError)
    /// The database cannot be used.
    case store(StoreError)
    /// The server's key files cannot be used.
    case keys(path: String, reason: String)
    /// Listening failed (port in use, address not available) or serving failed.
    case listenFailed(host: String, port: Int, reason: String)

    static func listen(host: String, port: Int, _ error: any Error) -> SyncServerError {
        if let ioError = error as? IOError {
            switch ioError.errnoCode {
            case EADDRINUSE:
                return .listenFailed(
                    host: host, port: port,
                    reason: "the port is already in use by another program (choose another with --port)")
            case EADDRNOTAVAIL:
                return .listenFailed(host: host, port: port, reason: "this machine has no such address (check --host)")
            case EACCES:
                return .listenFailed(
                    host: host, port: port, reason: "permission denied (ports below 1024 need privileges)")
            default:
                return .listenFailed(host: host, port: port, reason: String(cString: strerror(ioError.errnoCode)))
            }
        }
        return .listenFailed(host: host, port: port, reason: String(describing: error))
    }

    public var description: String {
        switch self {
        case .stateDirectory(let error): return error.description
        case .store(let error): return error.description
        case .keys(let path, let reason): return "server keys in \(path) cannot be used: \(reason)"
        case .listenFailed(let host, let port, let reason):
            return "sync-server cannot listen on \(host):\(port): \(reason)"
        }
    }
}
