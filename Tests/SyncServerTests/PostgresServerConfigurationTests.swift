import Foundation
import KitCore
import KitTestSupport
import SyncServer
import Testing

/// The server opens a PostgreSQL store from its configuration (`storage=postgresql`, `postgres.url`).
@Suite(
    "Sync server on PostgreSQL",
    .enabled(if: PostgresCluster.shouldRun, Comment(rawValue: PostgresCluster.missingMessage)))
struct PostgresServerConfigurationTests {
    @Test func serverConfigurationOpensPostgres() async throws {
        let location = try await StoreLocation.fresh(.postgresql)
        let layered = try await LayeredConfiguration.load(
            flags: [:], environmentPrefix: ServerConfiguration.environmentPrefix, file: nil,
            environment: [
                "SYNC_SERVER_STORAGE": "postgresql",
                "SYNC_SERVER_POSTGRES_URL":
                    "postgresql://postgres@127.0.0.1:\(location.postgres.port)/\(location.postgres.database)?sslmode=disable",
                "SYNC_SERVER_STATE_DIRECTORY": temporaryPath("trial"),
            ])
        let configuration = try ServerConfiguration(layered)
        let store = try await SyncServerApplication(configuration: configuration, logger: quietLogger()).openStore()
        #expect(store.backendName == "postgresql")
        #expect(
            try await store.appliedMigrations() == ServerSchema.migrations)
        await store.close()
        await #expect(throws: ConfigurationError.self) {
            _ = try ServerConfiguration(
                try await LayeredConfiguration.load(
                    flags: [:], environmentPrefix: ServerConfiguration.environmentPrefix, file: nil,
                    environment: ["SYNC_SERVER_STORAGE": "postgresql"]))
        }
    }
}
