import Foundation
import KitCore

/// Clerks on the kit (issue #17): unlock by a named clerk, hand-over of the kit between clerks as
/// its own transaction, and the server's clerk list applied at each contact.
extension KitRuntime {
    /// Sets up a new kit for its first clerk; the first unlock is the kit's first hand-over.
    public func initialize(secret: String, clerk: Clerk) async throws(UnlockError) {
        try await lock.initialize(secret: secret, clerk: clerk)
        recordHandOverIfNeeded(to: clerk)
    }

    /// Unlocks for `clerkId` (every slot when nil) and records a hand-over when another clerk than
    /// the last one now has the kit.
    public func unlock(secret: String, clerkId: String?) async throws(UnlockError) {
        try await lock.unlock(secret: secret, clerkId: clerkId)
        if let clerk = lock.session.current { recordHandOverIfNeeded(to: clerk) }
    }

    /// The clerk who had the kit last (nil on a new kit).
    public func lastHolder() -> Clerk? {
        guard let raw = try? SecretFile.read(keys.holderPath) else { return nil }
        return try? JSONDecoder().decode(Clerk.self, from: Data(raw))
    }

    /// A `kit.handed-over` transaction when `clerk` is not the last holder; the first clerk of a
    /// new kit is only noted (every step of theirs names them anyway). Best effort: a kit that is
    /// not enrolled yet has no outbox, and the unlock must not fail for the record.
    func recordHandOverIfNeeded(to clerk: Clerk) {
        let previous = lastHolder()
        guard previous != clerk else { return }
        guard let previous else {
            if let data = try? JSONEncoder().encode(clerk) { try? SecretFile.write(Array(data), to: keys.holderPath) }
            return
        }
        guard let outbox,
            let facts = try? StepPayload.compose(facts: StepPayload.HandOver(from: previous, to: clerk)),
            (try? outbox.enqueue(
                caseId: TransactionKind.kitCaseId(kitId), kind: TransactionKind.kitHandedOver.rawValue,
                baseVersion: 0, payload: facts)) != nil,
            let data = try? JSONEncoder().encode(clerk)
        else { return }
        try? SecretFile.write(Array(data), to: keys.holderPath)
    }

    /// The clerk ids the server lists as revoked for this kit (last checkout).
    public func revokedClerks() -> Set<String> {
        Set(clerkRoster().filter { $0.revokedAt != nil }.map(\.clerkId))
    }

    /// The server's clerk list as of the last checkout.
    public func clerkRoster() -> [KitClerk] {
        guard let raw = try? SecretFile.read(keys.clerkRosterPath) else { return [] }
        return (try? JSONDecoder().decode([KitClerk].self, from: Data(raw))) ?? []
    }

    /// Keeps the server's list and removes the key slots of revoked clerks. Returns the removed ids.
    @discardableResult
    public func applyClerkRoster(_ roster: [KitClerk]) async throws(UnlockError) -> [String] {
        if let data = try? JSONEncoder().encode(roster) {
            try? SecretFile.write(Array(data), to: keys.clerkRosterPath)
        }
        let revoked = Set(roster.filter { $0.revokedAt != nil }.map(\.clerkId))
        return try await lock.removeClerks(revoked)
    }
}
