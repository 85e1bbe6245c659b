import Foundation
import KitDrivers
import KitSimulators
import Synchronization
import Testing

/// A simulator plus a terminal driver connected to it, for one test.
struct ZVTSimulatorRig {
    let server: ZVTSimulatorServer
    let terminal: ZVTTerminal
    let endpoint: String

    /// Timers for flows that should succeed: generous, because other test suites may keep both
    /// cores busy for seconds while these run in parallel.
    static let patientTimeouts = ZVTSessionTimeouts(acknowledgement: .seconds(5), cardholder: .seconds(15))
    /// A short T3 for tests whose point is the timeout.
    static let shortAcknowledgement = ZVTSessionTimeouts(acknowledgement: .milliseconds(600), cardholder: .seconds(15))

    static func tcp(
        _ configuration: ZVTSimulatorConfiguration = ZVTSimulatorConfiguration(cardDelay: .milliseconds(20)),
        timeouts: ZVTSessionTimeouts = patientTimeouts, journalURL: URL? = nil
    ) async throws -> ZVTSimulatorRig {
        let server = try ZVTSimulatorServer(configuration: configuration, journalURL: journalURL)
        let port = try await server.listen(port: 0)
        let transport = ZVTTCPTransport(
            configuration: ZVTTCPTransport.Configuration(host: "127.0.0.1", port: port, connectTimeout: .seconds(2)))
        let terminal = ZVTTerminal(
            transport: transport,
            configuration: ZVTTerminalConfiguration(timeouts: timeouts, receiveSlice: .milliseconds(50)))
        return ZVTSimulatorRig(server: server, terminal: terminal, endpoint: "127.0.0.1:\(port)")
    }

    /// Another driver for the same simulator, as the agent has after a restart.
    func restartedTerminal(timeouts: ZVTSessionTimeouts = patientTimeouts) -> ZVTTerminal {
        let transport: any ZVTTransport
        if endpoint.hasPrefix("/") {
            transport = ZVTSerialTransport(
                path: endpoint, configuration: .init(linkAcknowledgementTimeout: .seconds(2)))
        } else {
            let port = UInt16(endpoint.split(separator: ":").last ?? "") ?? 0
            transport = ZVTTCPTransport(host: "127.0.0.1", port: port)
        }
        return ZVTTerminal(
            transport: transport,
            configuration: ZVTTerminalConfiguration(timeouts: timeouts, receiveSlice: .milliseconds(50)))
    }

    static func pty(
        _ configuration: ZVTSimulatorConfiguration = ZVTSimulatorConfiguration(cardDelay: .milliseconds(20)),
        timeouts: ZVTSessionTimeouts = patientTimeouts
    ) async throws -> ZVTSimulatorRig {
        let server = try ZVTSimulatorServer(configuration: configuration)
        let path = try await server.openPTY()
        let transport = ZVTSerialTransport(
            path: path, configuration: ZVTSerialTransport.Configuration(linkAcknowledgementTimeout: .seconds(2)))
        let terminal = ZVTTerminal(
            transport: transport,
            configuration: ZVTTerminalConfiguration(timeouts: timeouts, receiveSlice: .milliseconds(50)))
        return ZVTSimulatorRig(server: server, terminal: terminal, endpoint: path)
    }

    /// open → claim → enable.
    func ready() async throws {
        try await terminal.open()
        try await terminal.claim()
        try await terminal.enable()
    }

    func shutDown() async {
        await terminal.close()
        await server.stop()
    }
}

/// Collects terminal events from the driver's callback.
final class ZVTEventLog: Sendable {
    private let events = Mutex<[ZVTTerminalEvent]>([])

    var handler: @Sendable (ZVTTerminalEvent) -> Void {
        { event in self.events.withLock { $0.append(event) } }
    }

    var all: [ZVTTerminalEvent] { events.withLock { $0 } }

    var receiptText: [String] {
        all.compactMap { if case .receiptLine(let line) = $0 { return line.text } else { return nil } }
    }

    var intermediateStatuses: [UInt8] {
        all.compactMap { if case .intermediateStatus(let code) = $0 { return code.rawValue } else { return nil } }
    }

    var anomalies: Int {
        all.filter { if case .anomaly = $0 { return true } else { return false } }.count
    }
}
