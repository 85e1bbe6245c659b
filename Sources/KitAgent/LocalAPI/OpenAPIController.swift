import Foundation
import Hummingbird

/// `GET /v1/openapi.yaml`: the local API's OpenAPI 3.1 document, as checked in
/// (`Sources/KitAgent/Resources/local-api.yaml`), for office software that integrates with the kit.
struct OpenAPIController<Context: RequestContext> {
    static var document: Data? {
        Bundle.module.url(forResource: "local-api", withExtension: "yaml").flatMap { try? Data(contentsOf: $0) }
    }

    func register(on group: RouterGroup<Context>) {
        group.get("openapi.yaml") { _, _ -> Response in
            guard let document = Self.document else {
                throw HTTPError(.internalServerError, message: "the OpenAPI document is missing from this build")
            }
            return Response(
                status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: document)))
        }
    }
}
