import Hummingbird
import Logging
import NIOCore

/// The request context of the sync API: carries the kit a request was authenticated as (kit
/// routes) or the back-office operator (admin routes).
public struct SyncRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The enrolled kit that sent the request, set by ``KitAuthenticationMiddleware``.
    public var kitId: String?
    /// The verified client certificate of the connection and how it stands against the kit's
    /// recorded one, set by ``KitAuthenticationMiddleware`` (nil without TLS).
    public var certificate: KitCertificateStanding?
    /// The receiving procedure that sent the request, set by ``ConsumerAuthenticationMiddleware``.
    public var consumer: HandoffConsumer?
    /// Set by ``AdminAuthenticationMiddleware``.
    public var isOperator = false
    /// Who is acting on an admin request (named account or the operator token), set by
    /// ``OperatorSessionMiddleware`` and ``AdminAuthenticationMiddleware``.
    public var operatorIdentity: OperatorIdentity?
    /// The connection the request came on: its TLS handler holds the verified client certificate.
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// How a presented kit certificate stands against the certificates recorded for the kit.
public enum KitCertificateStanding: Sendable, Equatable {
    /// It is the kit's current certificate.
    case current(PresentedCertificate, KitCertificateRecord)
    /// The kit was enrolled before certificates were recorded: any kit-CA certificate with its
    /// name is accepted until its first renewal records one.
    case unrecorded(PresentedCertificate)
    /// A later enrollment or renewal replaced it (only the renewal route lets this through, for
    /// recovering an interrupted renewal). `current` is the kit's current certificate.
    case replaced(PresentedCertificate, KitCertificateRecord, current: KitCertificateRecord?)

    public var presented: PresentedCertificate {
        switch self {
        case .current(let presented, _), .unrecorded(let presented), .replaced(let presented, _, _): return presented
        }
    }
}
