import Foundation
import KitCore
import SyncServer
import Testing

/// Not a test of its own: the seeder of the browser test (Tests/Integration/case-pages.sh). With
/// `CASE_PAGES_SEED_STATE` set to a fresh server state directory it creates the server's keys and
/// a SQLite store there holding ``CaseCity``'s cases (every state, plus fillers for paging), made
/// by the real ingest, dossier builder, confirmations and retention. Skipped otherwise.
@Suite("Case pages browser seed")
struct CasePagesBrowserSeed {
    static let stateDirectory = ProcessInfo.processInfo.environment["CASE_PAGES_SEED_STATE"]

    @Test(.enabled(if: stateDirectory != nil, "only for Tests/Integration/case-pages.sh"))
    func seedServerStateForTheBrowserTest() async throws {
        let state = try StateDirectory.prepare(try #require(Self.stateDirectory))
        let keys = try ServerKeys.loadOrCreate(in: state)
        let store = try SQLiteSyncStore(path: state.appending("sync-server.sqlite"))
        var city = CaseCity(dataKey: keys.dataKey, dossierKey: keys.dossierSigningKey)
        do {
            try await city.seed(store, fillers: 55)
        } catch {
            await store.close()
            throw error
        }
        #expect(try await store.caseOverview(progress: nil, offset: 0, limit: 1).total(nil) == 61)
        await store.close()
    }
}
