import ArgumentParser
import Foundation
import KitCore
import KitSimulators
import Logging
import NIOSSL

/// `kit-sim consumer --listen HOST:PORT`: the reference consumer's push endpoint.
struct ConsumerPushOptions: ParsableArguments {
    @Option(help: "Receive pushes on HOST:PORT (POST /handoff) instead of pulling.") var listen: String?
    @Option(name: .customLong("push-secret-file"), help: "The push secret given to sync-server consumers add.")
    var secretFile: String?
    @Option(name: .customLong("replay-window"), help: "Seconds a push timestamp may differ from this clock.")
    var replayWindow = HandoffPushSignature.defaultReplayWindow
    @Option(name: .customLong("tls-certificate"), help: "PEM certificate chain: serve HTTPS (with --tls-key).")
    var tlsCertificate: String?
    @Option(name: .customLong("tls-key"), help: "PEM private key of --tls-certificate.") var tlsKey: String?

    func validate() throws {
        guard let listen else { return }
        guard secretFile != nil else { throw ValidationError("--listen needs --push-secret-file") }
        guard address(listen) != nil else { throw ValidationError("--listen: HOST:PORT, e.g. 127.0.0.1:9443") }
        guard (tlsCertificate == nil) == (tlsKey == nil) else {
            throw ValidationError("--tls-certificate and --tls-key go together")
        }
        guard replayWindow > 0 && replayWindow <= 86_400 else {
            throw ValidationError("--replay-window: more than 0, at most 86400 seconds")
        }
    }

    func address(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        let host = text[..<colon].trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return host.isEmpty ? nil : (host, port)
    }

    func serve(_ consumer: ReferenceConsumer) async throws {
        guard let listen, let address = address(listen), let secretFile else { return }
        let (host, port) = address
        guard let data = FileManager.default.contents(atPath: secretFile) else {
            throw ValidationError("cannot read the push secret file \(secretFile)")
        }
        let secret: PushSecret
        do {
            secret = try PushSecret(String(decoding: data, as: UTF8.self))
        } catch {
            throw ValidationError("\(secretFile): \(error.description)")
        }
        var tls: TLSConfiguration?
        if let tlsCertificate, let tlsKey {
            tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(tlsCertificate).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: tlsKey, format: .pem)))
            tls?.minimumTLSVersion = .tlsv12
        }
        var logger = Logger(label: "kit-sim.consumer")
        logger.logLevel = .info
        // One line per dossier, written at once (a long-running listener's output goes to files).
        let receiver = PushReceiver(consumer: consumer, secret: secret, replayWindow: replayWindow) { delivery in
            let verdict = delivery.acknowledgement
            Self.line("\(delivery.dossierId)  pushed  \(verdict.outcome.rawValue)  \(verdict.reason ?? "")")
        }
        try await PushListener(receiver: receiver, host: host, port: port, tls: tls, logger: logger).run { port in
            Self.line("listening on \(host):\(port)\(PushListener.path)")
        }
    }

    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}
