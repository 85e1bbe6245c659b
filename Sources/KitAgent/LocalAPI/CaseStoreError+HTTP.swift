import Hummingbird

extension CaseStoreError {
    /// The local API's status for a case that cannot be read: the kit is locked (401), the case is
    /// not checked out here (404), or the store failed (500).
    var httpStatus: HTTPResponse.Status {
        switch self {
        case .locked: return .unauthorized
        case .noSuchCase: return .notFound
        default: return .internalServerError
        }
    }
}
