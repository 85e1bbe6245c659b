import Foundation
import Hummingbird
import HummingbirdWebSocket
import KitCore
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// The kit agent process (`kit-agent run`): prepares the state directory, serves the local API on
/// 127.0.0.1 only, and watches the link to the sync server. Works without the server: the link
/// monitor only reports it as unreachable.
public struct AgentDaemon: Sendable {
    public let configuration: AgentConfiguration
    public let logger: Logger
    let lockCost: KitLock.KDFCost

    public init(configuration: AgentConfiguration, logger: Logger, lockCost: KitLock.KDFCost = .interactive) {
        self.configuration = configuration
        self.logger = logger
        self.lockCost = lockCost
    }

    /// Serves until SIGTERM or SIGINT. `onListening` receives the local API endpoint once it is up.
    ///
    /// On SIGTERM/SIGINT the running device steps end first (``DeviceStepShutdown``: pad cleared,
    /// nothing recorded, a payment asked to abort), then the local API and the services stop; the
    /// whole stop takes a few seconds, well inside systemd's TimeoutStopSec (issue #19).
    public func run(onListening: @escaping @Sendable (LocalAPIEndpoint) async -> Void = { _ in })
        async throws(AgentError)
    {
        let directory: StateDirectory
        do {
            directory = try StateDirectory.prepare(configuration.stateDirectory)
        } catch {
            throw .stateDirectory(error)
        }
        // Before anything starts: a --server other than the enrolled one is refused, not half-used.
        let credentials: KitCredentials?
        do {
            credentials = try KitCredentials.load(from: try KitKeyStore(stateDirectory: directory))
        } catch {
            throw .keys(error)
        }
        try configuration.checkEnrolledServer(credentials)
        let runtime = try KitRuntime(configuration: configuration, directory: directory, lockCost: lockCost)
        if let problem = runtime.outboxProblem {
            logger.warning("outbox cannot record transactions yet", metadata: ["reason": "\(problem)"])
        }
        let connection = ServerConnection(keys: runtime.keys)
        let link = LinkMonitor(
            serverURL: configuration.serverURL,
            interval: configuration.probeInterval,
            timeout: configuration.probeTimeout,
            vpnInterface: configuration.vpnInterface,
            connection: connection,
            logger: logger)
        let token = LocalAPIEndpoint.newToken()
        let processID = ProcessInfo.processInfo.processIdentifier
        let startedAt = Date()
        let logger = self.logger
        let writeFailure = RuntimeFileFailure()

        // With port 0 the real port is known only once bound; the origin check reads it from here.
        let boundPort = BoundPort(configuration.apiPort)
        let events = AgentEventHub()
        let router = Router()
        ClerkUIController(port: boundPort).register(on: router)
        let access = LocalAPIAccess(token: token, port: boundPort)
        let api = router.group("v1").add(middleware: LocalAPIAccessMiddleware(access: access))
            .add(middleware: DeviceStepActivityMiddleware(hub: events))
        OpenAPIController().register(on: api)
        CaseController(runtime: runtime).register(on: api)
        let status = StatusController<BasicRequestContext>(link: link, startedAt: startedAt, runtime: runtime)
        status.register(on: api)
        EventStreamController().register(on: api)
        LockController(runtime: runtime).register(on: api)
        QueueController(outbox: runtime.outbox, problem: runtime.outboxProblem).register(on: api)
        // Every 10 s: the checks are cheap (no device is opened) and the clerk UI shows them live.
        let health = DeviceHealthMonitor.kit(
            stateDirectory: directory.path, vpnInterface: configuration.vpnInterface,
            terminalCredentials: configuration.cardTerminalCredentials,
            terminalCertificateWarnDays: configuration.terminalCertificateWarnDays, interval: .seconds(10),
            logger: logger)
        DeviceController(health: health).register(on: api)
        let desk = PaymentDesk(
            runtime: runtime, terminalAddress: configuration.terminalAddress,
            password: configuration.terminalPassword, logger: logger)
        // Per device: reader, pad, scanner, terminal reachable and idle (issue #20), every 10 s,
        // shown with the health in the clerk's status bar and on the step that needs the device.
        let running = RunningDeviceSteps()
        let readiness = DeviceReadinessMonitor(
            cardReaderName: configuration.cardReaderName, terminalAddress: configuration.terminalAddress,
            running: running, paymentRunning: { await desk.isBusy }, logger: logger)
        let devices: @Sendable () async -> [DeviceHealthSummary] = { await health.latest + readiness.latest }
        let watcher = AgentEventWatcher(
            hub: events, status: { await status.status(refresh: false) }, devices: devices,
            recentEntries: { (try? runtime.outbox?.entries(limit: 200)) ?? [] })
        let eventStream = EventStreamUpgrade(access: access, hub: events, logger: logger)
        let syncClient = SyncClient(
            runtime: runtime, connection: connection, logger: logger, devices: devices,
            serverAnswered: { await link.status.lastReachableAt })
        let renewal = CertificateRenewal(
            keys: runtime.keys, connection: connection, logger: logger,
            renewBefore: TimeInterval(configuration.certificateRenewalDays) * 86_400)
        let sync = SyncService(
            client: syncClient, link: link, logger: logger, idleInterval: .seconds(configuration.probeInterval),
            renewal: renewal, outbox: runtime.outbox)
        SyncController(client: syncClient).register(on: api)
        WalkInController(
            desk: WalkInDesk(
                runtime: runtime,
                lookUp: { lookup in
                    // The counter waits a few seconds at most: without an answer the case is provisional.
                    try await WalkInDesk.withinSeconds(5) { try await syncClient.lookUpCitizen(lookup) }
                }), sync: sync
        ).register(on: api)
        StepController(recorder: StepRecorder(runtime: runtime), sync: sync).register(on: api)
        EvidenceController(
            runtime: runtime, signatures: SignatureStation(runtime: runtime, logger: logger),
            fingerprints: FingerprintStation(runtime: runtime, logger: logger),
            identity: IdentityStation(
                runtime: runtime, credentialsDirectory: configuration.cardTerminalCredentials, logger: logger),
            cardReaderName: configuration.cardReaderName, sync: sync, events: events, running: running
        ).register(on: api)
        PhotoController(
            runtime: runtime,
            station: PhotoStation(runtime: runtime, source: configuration.cameraSource, logger: logger),
            sync: sync
        ).register(on: api)
        PaymentController(desk: desk, runtime: runtime, sync: sync).register(on: api)
        let recovery = PaymentRecoveryService(desk: desk, logger: logger)
        if let address = configuration.terminalAddress {
            logger.info("EC terminal configured", metadata: ["terminal": "\(address)"])
        }
        let maintenance = MaintenanceService(
            runtime: runtime, retention: configuration.outboxRetention, interval: .seconds(60), logger: logger)

        let stopping = ShutdownFlag()
        let shutdown = DeviceStepShutdown(
            running: running, desk: desk, grace: DeviceWaitPolicy.standard.shutdownGrace, logger: logger,
            started: stopping, stopSync: { await syncClient.stop() })
        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade { request, _, _ in eventStream.decide(request) },
            configuration: .init(address: .hostname("127.0.0.1", port: configuration.apiPort), serverName: "kit-agent"),
            services: [link, maintenance, sync, recovery, health, readiness, watcher],
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                boundPort.set(port)
                let endpoint = LocalAPIEndpoint(port: port, token: token, processID: processID)
                do {
                    try endpoint.write(toStateDirectory: directory.path)
                } catch let error as AgentError {
                    await writeFailure.record(error)
                    logger.error("cannot write local API endpoint file", metadata: ["reason": "\(error)"])
                    kill(getpid(), SIGTERM)
                    return
                } catch {
                    return
                }
                logger.info("kit-agent local API listening", metadata: ["address": "127.0.0.1:\(port)"])
                await onListening(endpoint)
            },
            logger: logger
        )
        defer { LocalAPIEndpoint.remove(fromStateDirectory: directory.path, processID: processID) }
        // The device steps stop before the server waits for their requests: graceful shutdown goes
        // through the group's services from the last to the first.
        var group = ServiceGroupConfiguration(services: [app, shutdown], logger: logger)
        group.gracefulShutdownSignals = [.sigterm, .sigint]
        // A service that does not stop in time is cancelled, so the process still exits promptly.
        group.maximumGracefulShutdownDuration = Self.maximumStop
        do {
            try await ServiceGroup(configuration: group).run()
        } catch {
            guard stopping.isSet else { throw Self.listenError(port: configuration.apiPort, error) }
            logger.warning("kit-agent stopped with a service cut short", metadata: ["reason": "\(error)"])
        }
        await connection.shutdown()
        if let failure = await writeFailure.error { throw failure }
        logger.info("kit-agent stopped")
    }

    /// How long the graceful stop may take before the remaining services are cancelled.
    static let maximumStop: Duration = .seconds(4)

    static func listenError(port: Int, _ error: any Error) -> AgentError {
        guard let ioError = error as? IOError else {
            return .listenFailed(port: port, reason: String(describing: error))
        }
        switch ioError.errnoCode {
        case EADDRINUSE:
            return .listenFailed(
                port: port,
                reason: "the port is already in use (another kit-agent running? choose another with --api-port)")
        case EACCES:
            return .listenFailed(port: port, reason: "permission denied (ports below 1024 need privileges)")
        default:
            return .listenFailed(port: port, reason: String(cString: strerror(ioError.errnoCode)))
        }
    }
}

/// Remembers a failure to write the endpoint file so `run` can report it after shutdown.
private actor RuntimeFileFailure {
    var error: AgentError?
    func record(_ error: AgentError) { self.error = error }
}
