import Hummingbird

/// Puts the admin pages' security headers on every response under `/admin`, error answers
/// included: a Content-Security-Policy that allows nothing but inline styles, images inside the
/// page (`data:`, the evidence view's signature) and same-origin forms, no framing, no caching of pages that show operator data, no MIME sniffing.
struct PageSecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = SyncRequestContext

    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'"

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.cacheControl] = "no-store"
        return response
    }
}
