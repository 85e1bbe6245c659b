import Foundation
import Hummingbird

/// Gives every 4xx answer of the sync API a JSON body with a reason an IT person can act on:
///
/// ```json
/// {"error": {"status": 401, "title": "Unauthorized", "message": "operator token missing or wrong"}}
/// ```
///
/// `error.message` is what kits already read (``HTTPError`` bodies had this shape); `status` and
/// `title` are added. Errors thrown without a message (an unknown route, a body too large) get one
/// here. Responses that already carry a body of their own (the admin pages' HTML) pass unchanged.
struct ErrorResponseMiddleware: RouterMiddleware {
    typealias Context = SyncRequestContext

    /// The body of an error answer (docs/openapi/sync-server.yaml, `components.responses.Error`).
    struct Body: Codable, Equatable {
        struct Problem: Codable, Equatable {
            var status: Int
            var title: String
            var message: String
        }
        var error: Problem
    }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError where (400..<500).contains(error.status.code) {
            return Self.response(
                error.status, headers: error.headers, message: error.body ?? Self.defaultMessage(error.status, request))
        } catch let error as any HTTPResponseError where (400..<500).contains(error.status.code) {
            let generated = try error.response(from: request, context: context)
            guard generated.headers[.contentType] == nil else { return generated }
            return Self.response(error.status, headers: [:], message: Self.defaultMessage(error.status, request))
        }
        guard (400..<500).contains(response.status.code), response.headers[.contentType] == nil else {
            return response
        }
        return Self.response(
            response.status, headers: response.headers, message: Self.defaultMessage(response.status, request))
    }

    static func defaultMessage(_ status: HTTPResponse.Status, _ request: Request) -> String {
        switch status {
        case .notFound:
            return "no route for \(request.method) \(request.uri.path): check the server URL and API version"
        case .contentTooLarge: return "the request body is larger than this server accepts"
        case .methodNotAllowed: return "\(request.method) is not allowed on \(request.uri.path)"
        default: return status.reasonPhrase.lowercased()
        }
    }

    static func response(_ status: HTTPResponse.Status, headers: HTTPFields, message: String) -> Response {
        let body = Body(error: .init(status: status.code, title: status.reasonPhrase, message: message))
        let data = (try? JSONEncoder().encode(body)) ?? Data("{}".utf8)
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: Array(data))))
    }
}
