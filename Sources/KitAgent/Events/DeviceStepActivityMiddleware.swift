import Foundation
import Hummingbird

/// Publishes `step.started` when a device step's request arrives (`POST /v1/cases/{caseId}/signature`,
/// `fingerprints`, `identity`, `address`, `payment`, `photo`) and `step.ended` with its HTTP status when it
/// answers, so every client sees that the pad, scanner, reader or terminal is busy — also when
/// office software, not the clerk UI, started the step.
struct DeviceStepActivityMiddleware<Context: RequestContext>: RouterMiddleware {
    let hub: AgentEventHub

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard request.method == .post, let (caseId, step) = DeviceStepPath.parse(request.uri.path) else {
            return try await next(request, context)
        }
        hub.publish(AgentEvent(type: .stepStarted, caseId: caseId, step: step))
        do {
            let response = try await next(request, context)
            hub.publish(AgentEvent(type: .stepEnded, caseId: caseId, step: step, httpStatus: response.status.code))
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            hub.publish(AgentEvent(type: .stepEnded, caseId: caseId, step: step, httpStatus: status))
            throw error
        }
    }
}

/// Which device step a local API path names.
public enum DeviceStepPath {
    public static let steps: Set<String> = ["signature", "fingerprints", "identity", "address", "payment", "photo"]

    /// `(caseId, step)` for `/v1/cases/{caseId}/{step}` with a device step, nil for any other path.
    public static func parse(_ path: String) -> (caseId: String, step: String)? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0].isEmpty, parts[1] == "v1", parts[2] == "cases", !parts[3].isEmpty,
            steps.contains(String(parts[4]))
        else { return nil }
        let raw = String(parts[3])
        return (raw.removingPercentEncoding ?? raw, String(parts[4]))
    }
}
