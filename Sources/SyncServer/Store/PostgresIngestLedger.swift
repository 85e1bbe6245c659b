import Foundation
import KitCore
import Logging
import PostgresNIO

/// ``AsyncIngestLedger`` over one PostgreSQL connection inside a `BEGIN … COMMIT` transaction
/// (READ COMMITTED). Every row a decision rests on is read `FOR UPDATE`, in a fixed order — kit,
/// case, register record, document — so concurrent server processes serialise per kit (and per
/// contested record) without deadlocking each other.
struct PostgresIngestLedger: AsyncIngestLedger {
    let connection: PostgresConnection
    let logger: Logger

    func chainState(kitId: String) async throws -> KitChainState? {
        let rows = try await connection.query(
            "SELECT signing_key, last_seq, last_hash, active FROM kits WHERE kit_id = \(kitId) FOR UPDATE",
            logger: logger)
        for try await (key, lastSeq, lastHash, active) in rows.decode((Data, Int64, Data, Bool).self) {
            return KitChainState(
                kitId: kitId, signingKey: Array(key), lastSeq: UInt64(clamping: lastSeq), lastHash: Array(lastHash),
                active: active)
        }
        return nil
    }

    func answer(kitId: String, seq: UInt64) async throws -> StoredAnswer? {
        // A seq beyond BIGINT cannot be stored, so it cannot be a duplicate either.
        guard let seq = Int64(exactly: seq) else { return nil }
        return try await storedAnswer(
            connection.query(
                "SELECT kit_id, seq, tx_id, answer, envelope, chain_hash FROM transactions WHERE kit_id = \(kitId) AND seq = \(seq)",
                logger: logger))
    }

    func answer(txId: String) async throws -> StoredAnswer? {
        try await storedAnswer(
            connection.query(
                "SELECT kit_id, seq, tx_id, answer, envelope, chain_hash FROM transactions WHERE tx_id = \(txId)",
                logger: logger))
    }

    func caseState(caseId: String) async throws -> CaseState? {
        let rows = try await connection.query(
            """
            SELECT version, assigned_kit, open, fee_cents, fee_paid, required_steps FROM cases
            WHERE case_id = \(caseId) FOR UPDATE
            """, logger: logger)
        var found: CaseState?
        for try await (version, assignedKit, open, feeCents, feePaid, steps) in rows.decode(
            (Int64, String?, Bool, Int, Bool, String).self)
        {
            found = CaseState(
                caseId: caseId, version: UInt64(clamping: version), assignedKit: assignedKit, open: open,
                feeCents: feeCents, feePaid: feePaid,
                requiredSteps: steps.split(separator: ",").compactMap { CaseStep(rawValue: String($0)) },
                appliedKinds: [])
        }
        guard var state = found else { return nil }
        let kinds = try await connection.query(
            "SELECT DISTINCT kind FROM transactions WHERE case_id = \(caseId) AND outcome = 'applied'", logger: logger)
        for try await kind in kinds.decode(String.self) {
            state.appliedKinds.insert(kind)
        }
        let bindings = try await connection.query(
            "SELECT card_binding FROM identity_bindings WHERE case_id = \(caseId)", logger: logger)
        for try await binding in bindings.decode(String.self) {
            state.verifiedCardBindings.insert(binding)
        }
        return state
    }

    func registerVersion(citizenId: String) async throws -> UInt64? {
        let rows = try await connection.query(
            "SELECT version FROM register WHERE citizen_id = \(citizenId) FOR UPDATE", logger: logger)
        for try await version in rows.decode(Int64.self) {
            return UInt64(clamping: version)
        }
        return nil
    }

    func registerRecord(citizenId: String) async throws -> RegisterRecord? {
        try await PostgresSyncStore.registerRecords(
            connection.query(
                "SELECT \(unescaped: PostgresSyncStore.registerColumns) FROM register WHERE citizen_id = \(citizenId) FOR UPDATE",
                logger: logger)
        ).first
    }

    func registerRecord(personKey: String) async throws -> RegisterRecord? {
        try await PostgresSyncStore.registerRecords(
            connection.query(
                """
                SELECT \(unescaped: PostgresSyncStore.registerColumns) FROM register WHERE person_key = \(personKey)
                ORDER BY citizen_id LIMIT 1 FOR UPDATE
                """, logger: logger)
        ).first
    }

    func documentIssued(documentId: String) async throws -> Bool {
        let rows = try await connection.query(
            "SELECT issued_by_kit IS NOT NULL FROM documents WHERE document_id = \(documentId) FOR UPDATE",
            logger: logger)
        for try await issued in rows.decode(Bool.self) {
            return issued
        }
        return false
    }

    func record(envelope: TransactionEnvelope, bytes: [UInt8], hash: [UInt8], result: IngestResult) async throws {
        let header = envelope.header
        guard let seq = Int64(exactly: header.seq) else {
            throw StoreError.invalid(reason: "seq \(header.seq) is beyond what the database can store")
        }
        let answer = String(decoding: try WireCoding.encoder().encode(result), as: UTF8.self)
        let txId = header.txId.uuidString.lowercased()
        let now = Date()
        try await connection.query(
            """
            INSERT INTO transactions (kit_id, seq, tx_id, case_id, kind, outcome, answer, envelope, received_at,
                prev_hash, chain_hash)
            VALUES (\(header.kitId), \(seq), \(txId), \(header.caseId), \(header.kind), \(result.outcome.rawValue),
                \(answer), \(Data(bytes)), \(now), \(Data(header.prevHash)), \(Data(hash)))
            """, logger: logger)
        try await connection.query(
            "UPDATE kits SET last_seq = \(seq), last_hash = \(Data(hash)), last_seen = \(now) WHERE kit_id = \(header.kitId)",
            logger: logger)
    }

    func noteRecordedBy(_ clerk: Clerk, header: TransactionHeader) async throws {
        try await connection.query(
            """
            UPDATE transactions SET recorded_by_id = \(clerk.id), recorded_by_name = \(clerk.name)
            WHERE kit_id = \(header.kitId) AND seq = \(Int64(clamping: header.seq))
            """, logger: logger)
    }

    func apply(_ effect: RuleEffect, header: TransactionHeader) async throws {
        switch effect {
        case .recordOnly:
            break
        case .verifyIdentity(let cardBinding):
            guard let seq = Int64(exactly: header.seq) else {
                throw StoreError.invalid(reason: "seq \(header.seq) is beyond what the database can store")
            }
            try await connection.query(
                """
                INSERT INTO identity_bindings (case_id, card_binding, kit_id, seq)
                VALUES (\(header.caseId), \(cardBinding), \(header.kitId), \(seq))
                ON CONFLICT (case_id, card_binding) DO NOTHING
                """, logger: logger)
        case .markFeePaid:
            try await connection.query(
                "UPDATE cases SET fee_paid = TRUE WHERE case_id = \(header.caseId)", logger: logger)
        case .changeAddress(let citizenId, let address):
            let json = String(decoding: try JSONEncoder().encode(address), as: UTF8.self)
            try await connection.query(
                "UPDATE register SET version = version + 1, address = \(json) WHERE citizen_id = \(citizenId)",
                logger: logger)
        case .issueDocument(let documentId):
            guard let seq = Int64(exactly: header.seq) else {
                throw StoreError.invalid(reason: "seq \(header.seq) is beyond what the database can store")
            }
            // A document nobody registered has no row to lock: a second process may have inserted
            // and issued it meanwhile. Then nothing is updated here, and the whole envelope is
            // decided again (it will see the document issued).
            let rows = try await connection.query(
                """
                INSERT INTO documents (document_id, case_id, issued_by_kit, issued_seq)
                VALUES (\(documentId), \(header.caseId), \(header.kitId), \(seq))
                ON CONFLICT (document_id) DO UPDATE SET issued_by_kit = EXCLUDED.issued_by_kit,
                    issued_seq = EXCLUDED.issued_seq
                WHERE documents.issued_by_kit IS NULL
                RETURNING 1
                """, logger: logger)
            guard try await rows.collect().count == 1 else { throw PostgresIngestRace.documentIssuedMeanwhile }
        case .closeCase:
            try await connection.query("UPDATE cases SET open = FALSE WHERE case_id = \(header.caseId)", logger: logger)
            // Transactional outbox: the hand-off records commit with the completion or not at all.
            try await PostgresSyncStore.recordHandoffIfReady(connection, caseId: header.caseId, logger: logger)
        case .openCase(let snapshot):
            try await PostgresSyncStore.openWalkInCase(connection, snapshot, kitId: header.kitId, logger: logger)
        }
    }

    func openConflict(header: TransactionHeader, reason: ConflictReason, detail: String) async throws {
        guard let seq = Int64(exactly: header.seq) else {
            throw StoreError.invalid(reason: "seq \(header.seq) is beyond what the database can store")
        }
        try await connection.query(
            """
            INSERT INTO conflicts (kit_id, seq, case_id, kind, reason, detail, opened_at)
            VALUES (\(header.kitId), \(seq), \(header.caseId), \(header.kind), \(reason.rawValue), \(detail), \(Date()))
            """, logger: logger)
    }

    private func storedAnswer(_ rows: PostgresRowSequence) async throws -> StoredAnswer? {
        for try await (kitId, seq, txId, answer, envelope, chainHash) in rows.decode(
            (String, Int64, String, String, Data, Data?).self)
        {
            guard let result = try? WireCoding.decoder().decode(IngestResult.self, from: Data(answer.utf8)) else {
                return nil
            }
            return StoredAnswer(
                kitId: kitId, seq: UInt64(clamping: seq), txId: txId, result: result, envelope: Array(envelope),
                chainHash: chainHash.map(Array.init))
        }
        return nil
    }
}

/// A concurrent server process changed what this envelope's decision rested on; the store rolls
/// back and decides the envelope again.
enum PostgresIngestRace: Error {
    case documentIssuedMeanwhile
}
