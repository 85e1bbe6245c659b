import Foundation
import KitCore
import Logging
import PostgresNIO

/// Counter mode (issue #20): the register lookup for walk-ins and the creation of walk-in cases.
extension PostgresSyncStore {
    static let registerColumns = "citizen_id, version, address, given_names, family_name, date_of_birth"

    public func registerRecord(
        matching request: RegisterLookupRequest, lookedUpBy kitId: String
    ) async throws(StoreError) -> RegisterRecord? {
        let key = WalkInCitizen.personKey(
            givenNames: request.givenNames, familyName: request.familyName, dateOfBirth: request.dateOfBirth)
        return try await write { connection in
            let record = try await Self.registerRecords(
                connection.query(
                    """
                    SELECT \(unescaped: Self.registerColumns) FROM register WHERE person_key = \(key)
                    ORDER BY citizen_id LIMIT 1
                    """, logger: self.logger)
            ).first
            try await self.audit(
                connection, actor: "kit \(kitId)", action: "register-lookup", detail: Self.lookupDetail(record))
            return record
        }
    }

    static func registerRecords(_ rows: PostgresRowSequence) async throws -> [RegisterRecord] {
        var records: [RegisterRecord] = []
        for try await (citizenId, version, address, givenNames, familyName, dateOfBirth) in rows.decode(
            (String, Int64, String, String?, String?, String?).self)
        {
            guard let address = try? JSONDecoder().decode(CaseSnapshot.Address.self, from: Data(address.utf8)) else {
                continue
            }
            records.append(
                RegisterRecord(
                    citizenId: citizenId, givenNames: givenNames ?? "", familyName: familyName ?? "",
                    dateOfBirth: dateOfBirth ?? "", address: address, version: UInt64(clamping: version)))
        }
        return records
    }

    /// Keeps the register's name, date of birth and search key of an imported case's citizen.
    static func noteRegisterPerson(_ connection: PostgresConnection, _ citizen: CaseSnapshot.Citizen, logger: Logger)
        async throws
    {
        let key = WalkInCitizen.personKey(
            givenNames: citizen.givenNames, familyName: citizen.familyName, dateOfBirth: citizen.dateOfBirth)
        try await connection.query(
            """
            UPDATE register SET given_names = \(citizen.givenNames), family_name = \(citizen.familyName),
                date_of_birth = \(citizen.dateOfBirth), person_key = \(key)
            WHERE citizen_id = \(citizen.citizenId)
            """, logger: logger)
    }

    /// Creates a walk-in case from its `case.opened`, assigned to the kit that opened it.
    static func openWalkInCase(
        _ connection: PostgresConnection, _ snapshot: CaseSnapshot, kitId: String, logger: Logger
    ) async throws {
        let json = String(decoding: try WireCoding.encoder().encode(snapshot), as: UTF8.self)
        let version = Int64(clamping: snapshot.version)
        let fee = snapshot.fees.reduce(0) { $0 + $1.amountCents }
        let steps = snapshot.steps.map(\.rawValue).joined(separator: ",")
        try await connection.query(
            """
            INSERT INTO cases (case_id, version, assigned_kit, open, fee_cents, fee_paid, required_steps, snapshot)
            VALUES (\(snapshot.caseId), \(version), \(kitId), TRUE, \(fee), FALSE, \(steps), \(json))
            """, logger: logger)
        try await appendAudit(
            connection, logger: logger, at: Date(), actor: "kit \(kitId)", action: "case-opened",
            detail: "walk-in case \(snapshot.caseId)")
    }
}
