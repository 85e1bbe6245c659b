import Foundation
import KitCore

/// What enrollment gave the kit: its id and API token for the sync server (`keys/server-api.json`,
/// mode 0600). The server's data key is stored beside it by ``KitKeyStore``.
public struct KitCredentials: Codable, Sendable, Equatable {
    public var kitId: String
    public var apiToken: String
    public var serverURL: String

    public init(kitId: String, apiToken: String, serverURL: String) {
        self.kitId = kitId
        self.apiToken = apiToken
        self.serverURL = serverURL
    }

    static func path(_ keys: KitKeyStore) -> String { keys.directory + "/server-api.json" }

    public static func load(from keys: KitKeyStore) throws(KeyStoreError) -> KitCredentials? {
        guard let raw = try SecretFile.read(path(keys)) else { return nil }
        do {
            return try JSONDecoder().decode(KitCredentials.self, from: Data(raw))
        } catch {
            throw .damaged(path: path(keys), reason: "not a credentials file")
        }
    }

    public func save(to keys: KitKeyStore) throws(KeyStoreError) {
        let data: Data
        do { data = try JSONEncoder().encode(self) } catch {
            throw .cannotWrite(path: Self.path(keys), reason: "\(error)")
        }
        try SecretFile.write(Array(data), to: Self.path(keys))
    }
}
