import Foundation
import KitCore
import ServiceLifecycle

/// Turns the agent's state into events: every `interval` it reads the status (link, lock, queue),
/// the device health and the recent outbox entries, and publishes what changed — a `status`
/// snapshot when the status or the devices changed, `case.updated` for each case whose transactions
/// were recorded or changed state. Reading state rather than hooking every writer also catches
/// changes made by other processes sharing the state directory.
public struct AgentEventWatcher: Service {
    let hub: AgentEventHub
    let interval: Duration
    let status: @Sendable () async -> AgentStatus
    let devices: @Sendable () async -> [DeviceHealthSummary]
    let recentEntries: @Sendable () -> [OutboxEntry]

    public init(
        hub: AgentEventHub, interval: Duration = .milliseconds(500),
        status: @escaping @Sendable () async -> AgentStatus,
        devices: @escaping @Sendable () async -> [DeviceHealthSummary],
        recentEntries: @escaping @Sendable () -> [OutboxEntry]
    ) {
        self.hub = hub
        self.interval = interval
        self.status = status
        self.devices = devices
        self.recentEntries = recentEntries
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await watch() }
        hub.finish()
    }

    private func watch() async {
        var tracker = AgentEventTracker()
        while !Task.isCancelled {
            let events = tracker.changes(status: await status(), devices: await devices(), entries: recentEntries())
            for event in events { hub.publish(event) }
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }
}

/// The pure part of ``AgentEventWatcher``: remembers what it last saw and answers with the events
/// that describe the difference.
public struct AgentEventTracker: Sendable {
    private var lastStatus: AgentStatus?
    private var lastDevices: [DeviceHealthSummary]?
    private var entryStates: [UInt64: OutboxState]?

    public init() {}

    public mutating func changes(
        status: AgentStatus, devices: [DeviceHealthSummary], entries: [OutboxEntry]
    ) -> [AgentEvent] {
        var events: [AgentEvent] = []
        let significant = Self.significant(status)
        if significant != lastStatus.map(Self.significant) || devices != lastDevices {
            events.append(AgentEvent(type: .status, status: status, devices: devices))
        }
        lastStatus = status
        lastDevices = devices

        let states = Dictionary(entries.map { ($0.seq, $0.state) }, uniquingKeysWith: { first, _ in first })
        if let previous = entryStates {
            var changedCases: [String] = []
            for entry in entries.sorted(by: { $0.seq < $1.seq })
            where previous[entry.seq] != entry.state && !changedCases.contains(entry.caseId) {
                changedCases.append(entry.caseId)
            }
            events += changedCases.map { AgentEvent(type: .caseUpdated, caseId: $0) }
        }
        entryStates = states
        return events
    }

    /// The status without what changes at every probe (times, round trip, failure count), so that a
    /// steady link does not produce an event every few seconds.
    static func significant(_ status: AgentStatus) -> AgentStatus {
        var status = status
        status.server.lastProbeAt = nil
        status.server.lastReachableAt = nil
        status.server.roundTripMilliseconds = nil
        status.server.consecutiveFailures = 0
        status.server.lastError = status.server.lastError.map { _ in "" }
        status.queue?.oldestUnacknowledgedAt = nil
        status.syncProblem?.attempts = 0
        return status
    }
}
