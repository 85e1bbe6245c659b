import Foundation
import KitCore

/// One message on the local API's event stream (`GET /v1/events`, WebSocket): the clerk UI and
/// office software learn from it what changed instead of polling. Every message is a JSON object
/// with `type`; clients ignore types they do not know.
///
/// - `status`: the agent's state — server link, lock, queue — plus the latest device health; sent
///   once on connect and then whenever something in it changes;
/// - `case.updated`: a step of `caseId` was recorded or its transaction changed state (sent,
///   acknowledged, parked); clients re-read `GET /v1/cases/{caseId}`;
/// - `step.started` / `step.ended`: a device step for `caseId` began (the pad, scanner, card reader
///   or terminal is busy) or ended with HTTP `httpStatus`;
/// - `step.progress`: what the device step asks for now, as a German sentence for the screen
///   (`message`, e.g. which finger to place).
///
/// Events carry no personal data: case ids, step names, counts and states only.
public struct AgentEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case status
        case caseUpdated = "case.updated"
        case stepStarted = "step.started"
        case stepEnded = "step.ended"
        case stepProgress = "step.progress"
    }

    public var type: Kind
    public var caseId: String?
    /// For step events: `identity`, `signature`, `fingerprints`, `address` or `payment`.
    public var step: String?
    /// For `step.ended`: the HTTP status the step's request answered with.
    public var httpStatus: Int?
    /// For `step.progress`: what the device asks for now, in German.
    public var message: String?
    /// For `status`.
    public var status: AgentStatus?
    /// For `status`: device health as the agent's doctor checks last saw it.
    public var devices: [DeviceHealthSummary]?

    public init(
        type: Kind, caseId: String? = nil, step: String? = nil, httpStatus: Int? = nil, message: String? = nil,
        status: AgentStatus? = nil, devices: [DeviceHealthSummary]? = nil
    ) {
        self.message = message
        self.type = type
        self.caseId = caseId
        self.step = step
        self.httpStatus = httpStatus
        self.status = status
        self.devices = devices
    }

    /// The message as it goes on the wire.
    public func json() -> String {
        guard let data = try? WireCoding.encoder().encode(self) else { return #"{"type":"\#(type.rawValue)"}"# }
        return String(decoding: data, as: UTF8.self)
    }
}
