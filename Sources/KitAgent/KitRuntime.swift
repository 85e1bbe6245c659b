import Foundation
import KitCore
import Logging

/// The agent's durable parts, opened once at start-up from the state directory: database,
/// keys, lock, case store and (when the server's data key is known) the outbox.
public struct KitRuntime: Sendable {
    public let directory: StateDirectory
    public let kitId: String
    public let database: AgentDatabase
    public let keys: KitKeyStore
    public let lock: KitLock
    public let cases: CaseStore
    /// Nil while the server's data key is missing: nothing can be sealed yet.
    public let outbox: Outbox?
    /// Why ``outbox`` is nil.
    public let outboxProblem: String?

    public init(configuration: AgentConfiguration, directory: StateDirectory, lockCost: KitLock.KDFCost = .interactive)
        throws(AgentError)
    {
        self.directory = directory
        do {
            keys = try KitKeyStore(stateDirectory: directory)
            kitId = try keys.kitId(configured: configuration.kitId)
            database = try AgentDatabase(path: directory.appending("agent.sqlite"))
        } catch let error as KeyStoreError {
            throw .keys(error)
        } catch let error as StorageError {
            throw .storage(error)
        } catch {
            throw .storage(.failed(operation: "open", reason: String(describing: error)))
        }
        lock = KitLock(
            keys: keys, cost: lockCost, idleTimeout: configuration.lockIdleTimeout,
            maximumOffline: configuration.maximumOfflineInterval)
        cases = CaseStore(database: database, lock: lock)
        if KitWipe.isWiped(keys) {
            // Wiped after a loss: no new signing key is created, nothing is sealed any more.
            outbox = nil
            outboxProblem = KitWipe.wipedSentence
            return
        }
        do {
            let sealer = EnvelopeSealer(
                signingKey: try keys.signingKey(),
                serverDataKey: try keys.serverDataKey(from: configuration.serverDataKeyFile))
            outbox = Outbox(database: database, kitId: kitId, sealer: sealer, clerkSession: lock.session)
            outboxProblem = nil
        } catch .noServerDataKey(let path) {
            outbox = nil
            outboxProblem = KeyStoreError.noServerDataKey(path: path).description
        } catch {
            throw .keys(error)
        }
    }
}
