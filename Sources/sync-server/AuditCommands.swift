import ArgumentParser
import Crypto
import Foundation
import KitCore
import SyncServer

extension SyncServerCommand {
    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export a kit's transaction chain and the audit trail for independent verification.",
            subcommands: [Export.self])

        struct Export: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Write one kit's chain (proofs, hashes, kit signatures, server answers) and the audit trail.",
                discussion: """
                    Writes FILE (JSON) and FILE.sig (the server's ECDSA P-256 signature over FILE's bytes, \
                    base64, keys/audit-signing-key.pem). The data-protection officer checks both with \
                    tools/verify-audit/verify_audit.py FILE keys/audit-signing-key.pub.pem, which uses no \
                    project code. --from/--to (ISO 8601, e.g. 2026-12-01T00:00:00Z) limit the time of receipt.
                    """)
            @OptionGroup var options: StoreOptions
            @Option(name: [.customLong("kit-id"), .customLong("kit")], help: "The kit's id.") var kitId: String
            @Option(help: "Earliest time of receipt (ISO 8601).") var from: String?
            @Option(help: "Latest time of receipt (ISO 8601).") var to: String?
            @Option(name: .customLong("out"), help: "The export file (FILE.sig is written beside it).")
            var output: String

            static func date(_ text: String?, option: String) throws -> Date? {
                guard let text else { return nil }
                guard let date = ISO8601DateFormatter().date(from: text) else {
                    throw ValidationError("\(option): not an ISO 8601 time such as 2026-12-01T00:00:00Z")
                }
                return date
            }

            func run() async throws {
                let application = try await options.application()
                let keys = try ServerKeys.loadOrCreate(in: try application.stateDirectory())
                let lower = try Self.date(from, option: "--from")
                let upper = try Self.date(to, option: "--to")
                let store = try await application.openStore()
                let rows: AuditExportRows?
                do { rows = try await store.auditExportRows(kitId: kitId, from: lower, to: upper) } catch {
                    await store.close()
                    throw error
                }
                await store.close()
                guard let rows else { throw ValidationError("kit \(kitId) is not enrolled (sync-server kits list)") }
                let (json, signature) = try AuditExport.signed(
                    AuditExport.document(rows, from: lower, to: upper), key: keys.auditSigningKey)
                try json.write(to: URL(fileURLWithPath: output))
                try Data((signature + "\n").utf8).write(to: URL(fileURLWithPath: output + ".sig"))
                let fingerprint = Hex.encode(SHA256.hash(data: keys.auditSigningKey.publicKey.derRepresentation))
                print(
                    "\(rows.transactions.count) transactions of kit \(kitId) and \(rows.auditLog.count) audit entries "
                        + "written to \(output) (signature: \(output).sig)")
                FileHandle.standardError.write(
                    Data(
                        ("verify with: tools/verify-audit/verify_audit.py \(output) \(keys.auditPublicKeyPath)\n"
                            + "audit key SHA-256 (of its DER public key): \(fingerprint)\n").utf8))
            }
        }
    }
}
