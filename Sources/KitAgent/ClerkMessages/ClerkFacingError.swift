import Foundation
import Hummingbird

/// A local-API error the clerk reads: `{"error": {"message": "<German>", "code": "<key>",
/// "detail": "<English, for IT>"}}`. The page shows `message` and puts `detail` behind
/// "Details für die IT"; `kit-agent` on the command line prints both.
struct ClerkFacingError: HTTPResponseError, CustomStringConvertible {
    var status: HTTPResponse.Status
    var text: ClerkText
    /// The technical detail in English (never personal data).
    var detail: String

    init(_ status: HTTPResponse.Status, _ text: ClerkText, detail: String) {
        self.status = status
        self.text = text
        self.detail = detail
    }

    struct Body: Encodable {
        struct Inner: Encodable {
            var message: String
            var code: String
            var detail: String
        }
        var error: Inner
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try context.responseEncoder.encode(
            Body(error: .init(message: text.german, code: text.key.rawValue, detail: detail)), from: request,
            context: context)
        response.status = status
        return response
    }

    var description: String { "\(text.german) (\(detail))" }
}
