import Hummingbird

/// Responses of the admin pages: an HTML document, or a 303 to another admin page.
enum PageResponse {
    static func html(_ document: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: document)))
    }

    /// `303 See Other`: after a POST the browser fetches `location` with GET.
    static func redirect(to location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}
