import Hummingbird
import Logging
import NIOCore

/// The request context of the sync API: carries the kit a request was authenticated as (kit
/// routes) or the back-office operator (admin routes).
public struct SyncRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The enrolled kit that sent the request, set by ``KitAuthenticationMiddleware``.
    public var kitId: String?
    /// Set by ``AdminAuthenticationMiddleware``.
    public var isOperator = false
    /// The connection the request came on: its TLS handler holds the verified client certificate.
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
