import ArgumentParser
import AsyncHTTPClient
import Crypto
import Foundation
import KitCore
import KitSimulators
import NIOCore
import NIOHTTP1
import NIOSSL

/// `kit-sim consumer`: a reference receiving procedure. Pulls its dossier feed, verifies each
/// dossier (server signature, kit signatures, chain), opens the evidence with its key, checks
/// the formats, and confirms with accept or reject.
struct ConsumerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consumer",
        abstract:
            "Reference specialist procedure: pull (or receive pushed), verify, open and confirm hand-off dossiers.",
        discussion: """
            Prints one line per dossier (id, case, verdict) and ends when the feed holds no more open \
            dossiers. The key is the procedure's P-256 private key (PEM) whose public half was given to \
            sync-server consumers add; --server-key is the server's keys/dossier-signing-key.pub.pem. \
            With --listen it receives pushes instead (POST /handoff) until interrupted: HMAC and replay window \
            checked, repeated deliveries answered as before, each dossier confirmed in the answer.
            """)

    @Option(help: "The sync server, e.g. https://sync.example:8480 (for pulling).") var server: String?
    @Option(help: "The consumer token printed by sync-server consumers add (for pulling).") var token: String?
    @Option(help: "The procedure's private key (PEM).") var key: String
    @Option(name: .customLong("server-key"), help: "The server's public dossier signing key (PEM).")
    var serverKey: String
    @Option(help: "register, document-authority, cash-office or dms.") var procedure: HandoffProcedure
    @Option(name: .customLong("ca-file"), help: "The server's CA certificate (keys/kit-ca.pem) for https.")
    var caFile: String?
    @Option(help: "Start behind this feed cursor.") var after = "0"
    @Flag(name: .customLong("dry-run"), help: "Verify and print the verdicts, but send no confirmation.")
    var dryRun = false
    @OptionGroup var push: ConsumerPushOptions

    func validate() throws {
        if push.listen == nil {
            guard server != nil, token != nil else {
                throw ValidationError("pulling needs --server and --token (or receive pushes with --listen)")
            }
        }
        try push.validate()
    }

    func run() async throws {
        let privateKey: P256.KeyAgreement.PrivateKey
        let serverPublicKey: P256.Signing.PublicKey
        do {
            privateKey = try P256.KeyAgreement.PrivateKey(
                pemRepresentation: try String(contentsOfFile: key, encoding: .utf8))
            serverPublicKey = try P256.Signing.PublicKey(
                pemRepresentation: try String(contentsOfFile: serverKey, encoding: .utf8))
        } catch {
            throw ValidationError("the key files cannot be read as P-256 PEM keys: \(error)")
        }
        let consumer = ReferenceConsumer(procedure: procedure, key: privateKey, serverKey: serverPublicKey)
        if push.listen != nil {
            try await push.serve(consumer)
            return
        }
        let client = try makeClient()
        do {
            try await pull(consumer, client: client)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    func pull(_ consumer: ReferenceConsumer, client: HTTPClient) async throws {
        let server = self.server ?? ""
        var cursor = try DossierCursor.parse(after)
        while true {
            let page = try WireCoding.decoder().decode(
                DossierFeedPage.self, from: Data(try await get(client, "/v1/handoff/dossiers?after=\(cursor)")))
            for item in page.dossiers where item.outcome == nil {
                let container = try await get(client, "/v1/handoff/dossiers/\(item.dossierId)")
                let verdict =
                    Hex.encode(SHA256.hash(data: container)) == item.sha256
                    ? consumer.examine(container)
                    : HandoffAcknowledgement(outcome: .rejected, reason: "Dossier bei der Übertragung verändert")
                print("\(item.dossierId)  \(item.caseId)  \(verdict.outcome.rawValue)  \(verdict.reason ?? "")")
                if !dryRun {
                    var request = HTTPClientRequest(url: server + "/v1/handoff/dossiers/\(item.dossierId)/ack")
                    request.method = .POST
                    request.headers.add(name: "Authorization", value: "Bearer \(token ?? "")")
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(verdict)))
                    let response = try await client.execute(request, timeout: .seconds(30))
                    guard response.status == .noContent else {
                        throw ValidationError("the server refused the confirmation: HTTP \(response.status.code)")
                    }
                }
            }
            guard let next = page.nextCursor, let value = Int64(next), value > cursor else { return }
            cursor = value
        }
    }

    func get(_ client: HTTPClient, _ path: String) async throws -> [UInt8] {
        var request = HTTPClientRequest(url: (server ?? "") + path)
        request.headers.add(name: "Authorization", value: "Bearer \(token ?? "")")
        let response = try await client.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 1 << 30)
        guard response.status == .ok else {
            throw ValidationError("GET \(path): HTTP \(response.status.code) \(String(buffer: body))")
        }
        return Array(buffer: body)
    }

    func makeClient() throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let caFile {
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
        }
        return HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: HTTPClient.Configuration(tlsConfiguration: tls))
    }
}

extension HandoffProcedure: ExpressibleByArgument {}
