import Foundation
import Logging
import NIOCore

/// What the server accepts of a TLS ClientHello before BoringSSL sees it: a client that offers
/// TLS 1.3 must offer one of the TLS 1.3 suites BSI TR-02102-2 §3.3.1 recommends
/// (TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384) and prefer it to
/// TLS_CHACHA20_POLY1305_SHA256; other hellos are refused with a `handshake_failure` alert.
///
/// Why here: swift-nio-ssl configures only the TLS 1.2 suites (`cipherSuiteValues`); it has no
/// setting for TLS 1.3 suites (BoringSSL's `SSL_CTX_set1_tls13_ciphers` is not exposed). On a
/// processor with AES instructions BoringSSL's server treats the three TLS 1.3 suites as equal and
/// follows the client's order, so a client that lists an AES-GCM suite before ChaCha20 gets
/// AES-GCM: with this check ChaCha20 is never negotiated. Without AES instructions BoringSSL
/// would prefer ChaCha20 itself; the server logs an error at start then
/// (``hasAESInstructions``). TLS 1.2 is limited by ``ServerTLSIdentity/tr02102CipherSuites``.
struct TLSClientHelloPolicy: Sendable {
    /// TLS 1.3 suites of TR-02102-2.
    static let tls13Suites: Set<UInt16> = [0x1301, 0x1302]
    /// TLS_CHACHA20_POLY1305_SHA256, not in TR-02102-2.
    static let chaCha20: UInt16 = 0x1303
    static let tls13Version: UInt16 = 0x0304

    /// The verdict on the first TLS record of a connection.
    enum Verdict: Equatable {
        /// More bytes are needed to decide.
        case needMoreBytes
        /// The hello is acceptable (or cannot be judged here: BoringSSL decides).
        case accept
        /// Refused, with the reason for the log.
        case refuse(String)
    }

    /// Judges the bytes received so far (the start of the connection).
    static func judge(_ bytes: ByteBuffer) -> Verdict {
        var buffer = bytes
        guard let contentType = buffer.readInteger(as: UInt8.self) else { return .needMoreBytes }
        guard contentType == 0x16 else { return .refuse("not a TLS handshake") }
        guard buffer.readInteger(as: UInt16.self) != nil, let length = buffer.readInteger(as: UInt16.self) else {
            return .needMoreBytes
        }
        guard var record = buffer.readSlice(length: Int(length)) else { return .needMoreBytes }
        guard record.readInteger(as: UInt8.self) == 0x01 else {
            return .refuse("first handshake message is not a ClientHello")
        }
        // Message length (3 bytes), legacy version, random: the hello may continue in a later
        // record, so what is missing here is not an error.
        guard record.readSlice(length: 3 + 2 + 32) != nil,
            let sessionIdLength = record.readInteger(as: UInt8.self),
            record.readSlice(length: Int(sessionIdLength)) != nil,
            let suitesLength = record.readInteger(as: UInt16.self),
            var suiteBytes = record.readSlice(length: Int(suitesLength))
        else { return .accept }
        var suites: [UInt16] = []
        while let suite = suiteBytes.readInteger(as: UInt16.self) { suites.append(suite) }
        guard let compressionLength = record.readInteger(as: UInt8.self),
            record.readSlice(length: Int(compressionLength)) != nil,
            let extensionsLength = record.readInteger(as: UInt16.self),
            var extensions = record.readSlice(length: min(Int(extensionsLength), record.readableBytes))
        else { return .accept }
        var offersTLS13 = false
        while let type = extensions.readInteger(as: UInt16.self), let size = extensions.readInteger(as: UInt16.self),
            var data = extensions.readSlice(length: Int(size))
        {
            guard type == 0x002b, let count = data.readInteger(as: UInt8.self) else { continue }
            var versions = data.readSlice(length: Int(count)) ?? data
            while let version = versions.readInteger(as: UInt16.self) {
                if version == tls13Version { offersTLS13 = true }
            }
        }
        guard offersTLS13 else { return .accept }
        guard let firstAES = suites.firstIndex(where: tls13Suites.contains) else {
            return .refuse("offers TLS 1.3 without TLS_AES_128_GCM_SHA256 or TLS_AES_256_GCM_SHA384 (BSI TR-02102-2)")
        }
        if let chaCha = suites.firstIndex(of: chaCha20), chaCha < firstAES {
            return .refuse("prefers TLS_CHACHA20_POLY1305_SHA256 to the AES-GCM suites of BSI TR-02102-2")
        }
        return .accept
    }
}

extension TLSClientHelloPolicy {
    /// Whether the processor has AES instructions (`aes` in the flags of /proc/cpuinfo on x86 and
    /// ARM); nil when that cannot be read.
    static func hasAESInstructions(cpuinfo path: String = "/proc/cpuinfo") -> Bool? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n")
        where line.hasPrefix("flags") || line.hasPrefix("Features") {
            return line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" }).contains("aes")
        }
        return nil
    }
}

/// Holds the first bytes of a connection until ``TLSClientHelloPolicy`` has judged the ClientHello;
/// then passes them on to `NIOSSLServerHandler` and leaves the pipeline, or answers a fatal
/// `handshake_failure` alert and closes.
final class TLSClientHelloPolicyHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// A record header plus the largest record TLS allows.
    static let maximumHello = 5 + 16_384 + 256
    private var buffered: ByteBuffer?
    private var decided = false
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !decided else {
            context.fireChannelRead(data)
            return
        }
        var incoming = unwrapInboundIn(data)
        if buffered == nil {
            buffered = incoming
        } else {
            buffered?.writeBuffer(&incoming)
        }
        guard let bytes = buffered else { return }
        var verdict = TLSClientHelloPolicy.judge(bytes)
        if verdict == .needMoreBytes && bytes.readableBytes > Self.maximumHello {
            verdict = .refuse("oversized first record")
        }
        switch verdict {
        case .needMoreBytes:
            return
        case .accept:
            decided = true
            buffered = nil
            context.fireChannelRead(wrapInboundOut(bytes))
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        case .refuse(let reason):
            decided = true
            buffered = nil
            logger.info(
                "TLS connection refused",
                metadata: [
                    "reason": "\(reason)", "clientAddress": "\(context.channel.remoteAddress?.ipAddress ?? "unknown")",
                ])
            // Alert record: fatal (2), handshake_failure (40).
            let alert = context.channel.allocator.buffer(bytes: [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28])
            context.writeAndFlush(wrapOutboundOut(alert)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        }
    }
}
