import Foundation
import GRDB
import KitCore

/// Counter mode (issue #20): the register lookup for walk-ins and the creation of walk-in cases.
extension SQLiteSyncStore {
    public func registerRecord(
        matching request: RegisterLookupRequest, lookedUpBy kitId: String
    ) async throws(StoreError) -> RegisterRecord? {
        let key = WalkInCitizen.personKey(
            givenNames: request.givenNames, familyName: request.familyName, dateOfBirth: request.dateOfBirth)
        return try await write { db in
            let record = try Self.registerRecord(db, where: "person_key = ?", key)
            try Self.audit(
                db, actor: "kit \(kitId)", action: "register-lookup", detail: Self.lookupDetail(record))
            return record
        }
    }

    static func registerRecord(_ db: Database, where condition: String, _ value: String) throws -> RegisterRecord? {
        try Row.fetchOne(
            db,
            sql: """
                SELECT citizen_id, version, address, given_names, family_name, date_of_birth FROM register
                WHERE \(condition) ORDER BY citizen_id LIMIT 1
                """,
            arguments: [value]
        )
        .flatMap { row in
            guard
                let address = try? JSONDecoder().decode(
                    CaseSnapshot.Address.self, from: Data((row["address"] as String).utf8))
            else { return nil }
            return RegisterRecord(
                citizenId: row["citizen_id"], givenNames: (row["given_names"] as String?) ?? "",
                familyName: (row["family_name"] as String?) ?? "",
                dateOfBirth: (row["date_of_birth"] as String?) ?? "", address: address, version: row["version"])
        }
    }

    /// Keeps the register's name, date of birth and search key of an imported case's citizen.
    static func noteRegisterPerson(_ db: Database, _ citizen: CaseSnapshot.Citizen) throws {
        try db.execute(
            sql: """
                UPDATE register SET given_names = ?, family_name = ?, date_of_birth = ?, person_key = ?
                WHERE citizen_id = ?
                """,
            arguments: [
                citizen.givenNames, citizen.familyName, citizen.dateOfBirth,
                WalkInCitizen.personKey(
                    givenNames: citizen.givenNames, familyName: citizen.familyName, dateOfBirth: citizen.dateOfBirth),
                citizen.citizenId,
            ])
    }

    /// Creates a walk-in case from its `case.opened`, assigned to the kit that opened it.
    static func openWalkInCase(_ db: Database, _ snapshot: CaseSnapshot, kitId: String) throws {
        let json = String(decoding: try WireCoding.encoder().encode(snapshot), as: UTF8.self)
        try db.execute(
            sql: """
                INSERT INTO cases (case_id, version, assigned_kit, open, fee_cents, fee_paid, required_steps, snapshot)
                VALUES (?, ?, ?, 1, ?, 0, ?, ?)
                """,
            arguments: [
                snapshot.caseId, snapshot.version, kitId, snapshot.fees.reduce(0) { $0 + $1.amountCents },
                snapshot.steps.map(\.rawValue).joined(separator: ","), json,
            ])
        try audit(db, actor: "kit \(kitId)", action: "case-opened", detail: "walk-in case \(snapshot.caseId)")
    }
}
