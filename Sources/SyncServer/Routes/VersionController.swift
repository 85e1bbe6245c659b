import Hummingbird
import KitCore

extension ServerVersionInfo: ResponseEncodable {}

/// `GET /v1/version`: which server, API version and storage schema a kit is talking to.
struct VersionController<Context: RequestContext> {
    let store: any SyncStore
    var limits: IngestLimits = .default

    func register(on router: Router<Context>) {
        router.get("v1/version") { _, _ in try await self.version() }
    }

    func version() async throws -> ServerVersionInfo {
        let migrations: [String]
        do {
            migrations = try await store.appliedMigrations()
        } catch {
            throw HTTPError(.serviceUnavailable, message: error.description)
        }
        return ServerVersionInfo(
            service: ServerVersionInfo.serviceName,
            version: KitVersion.release,
            apiVersion: KitVersion.apiVersion,
            storage: store.backendName,
            schemaMigrations: migrations,
            limits: limits)
    }
}
