import Foundation
import Testing

@testable import KitAgent

/// The WireGuard status codec (userspace API and `wg show dump`) and the handshake rule.
@Suite("kit-agent doctor: WireGuard handshake")
struct DoctorVPNHandshakeTests {
    static let keyHex = String(repeating: "ab", count: 32)
    static let keyBase64 = Data(repeating: 0xAB, count: 32).base64EncodedString()

    static func answer(peerLines: [String], errno: String = "0") -> String {
        (["private_key=" + String(repeating: "11", count: 32), "listen_port=51820"] + peerLines + ["errno=" + errno])
            .joined(separator: "\n") + "\n\n"
    }

    @Test func aUserspaceAnswerGivesTheHandshakeAndCounters() throws {
        let text = Self.answer(peerLines: [
            "public_key=\(Self.keyHex)", "preshared_key=" + String(repeating: "0", count: 64), "protocol_version=1",
            "endpoint=192.168.203.2:51820", "last_handshake_time_sec=1796652000", "last_handshake_time_nsec=500000000",
            "tx_bytes=1234", "rx_bytes=5678", "persistent_keepalive_interval=5", "allowed_ip=10.203.0.2/32",
        ])
        let peers = try WireGuardPeerStatus.parseUserspaceAnswer(text)
        #expect(peers.count == 1)
        #expect(peers.first?.publicKey == Self.keyBase64)
        #expect(peers.first?.endpoint == "192.168.203.2:51820")
        #expect(peers.first?.latestHandshake == Date(timeIntervalSince1970: 1_796_652_000.5))
        #expect(peers.first?.receivedBytes == 5678)
        #expect(peers.first?.sentBytes == 1234)
    }

    @Test func aPeerThatNeverAnsweredHasNoHandshake() throws {
        let text = Self.answer(peerLines: [
            "public_key=\(Self.keyHex)", "endpoint=192.168.203.9:51820", "last_handshake_time_sec=0",
            "last_handshake_time_nsec=0", "tx_bytes=592", "rx_bytes=0",
        ])
        let peers = try WireGuardPeerStatus.parseUserspaceAnswer(text)
        #expect(peers.first?.latestHandshake == nil)
        #expect(try WireGuardPeerStatus.parseUserspaceAnswer(Self.answer(peerLines: [])).isEmpty)
    }

    @Test(arguments: [
        ("", WireGuardStatusError.truncated),
        ("public_key=\(keyHex)\nrx_bytes=1\n", .truncated),
        (answer(peerLines: [], errno: "19"), .refused(errno: 19)),
        (answer(peerLines: [], errno: "-1"), .malformed(line: 3, reason: "errno is not a number")),
        (answer(peerLines: ["rx_bytes=5"]), .malformed(line: 3, reason: "rx_bytes before any public_key")),
        (answer(peerLines: ["public_key=abc"]), .malformed(line: 3, reason: "public_key is not 64 hex digits")),
        (
            answer(peerLines: ["public_key=" + String(repeating: "zz", count: 32)]),
            .malformed(line: 3, reason: "public_key is not hex")
        ),
        (answer(peerLines: ["public_key=\(keyHex)", "garbage"]), .malformed(line: 4, reason: "no key=value")),
        (
            answer(peerLines: ["public_key=\(keyHex)", "rx_bytes=18446744073709551616"]),
            .malformed(line: 4, reason: "rx_bytes is not a byte count")
        ),
        (
            answer(peerLines: ["public_key=\(keyHex)", "tx_bytes=-5"]),
            .malformed(line: 4, reason: "tx_bytes is not a byte count")
        ),
        (
            answer(peerLines: ["public_key=\(keyHex)", "last_handshake_time_sec=+5"]),
            .malformed(line: 4, reason: "last_handshake_time_sec is not a number in 0...17179869180")
        ),
        (
            answer(peerLines: ["public_key=\(keyHex)", "last_handshake_time_nsec=1000000000"]),
            .malformed(line: 4, reason: "last_handshake_time_nsec is not a number in 0...999999999")
        ),
        ("errno=0\nrx_bytes=1\n", .malformed(line: 2, reason: "text after errno")),
    ])
    func hostileUserspaceAnswersAreRefusedByName(text: String, expected: WireGuardStatusError) {
        #expect(throws: expected) { try WireGuardPeerStatus.parseUserspaceAnswer(text) }
    }

    @Test func anOverlongAnswerIsRefusedBeforeParsing() {
        let text = String(repeating: "allowed_ip=10.0.0.1/32\n", count: 20_000)
        #expect(throws: WireGuardStatusError.tooLong(bytes: text.utf8.count)) {
            try WireGuardPeerStatus.parseUserspaceAnswer(text)
        }
        #expect(throws: WireGuardStatusError.tooLong(bytes: text.utf8.count)) {
            try WireGuardPeerStatus.parseDump(text)
        }
    }

    @Test func aKernelDumpGivesTheSameFacts() throws {
        let text = """
            PRIVATEKEY=\tPUBLICKEY=\t51820\toff
            \(Self.keyBase64)\t(none)\t192.168.203.2:51820\t10.203.0.2/32\t1796652000\t5678\t1234\t25
            \(Data(repeating: 1, count: 32).base64EncodedString())\t(none)\t(none)\t10.203.0.3/32\t0\t0\t0\toff

            """
        let peers = try WireGuardPeerStatus.parseDump(text)
        #expect(peers.count == 2)
        #expect(peers[0].latestHandshake == Date(timeIntervalSince1970: 1_796_652_000))
        #expect(peers[0].receivedBytes == 5678 && peers[0].sentBytes == 1234)
        #expect(peers[1].latestHandshake == nil && peers[1].endpoint == nil)
    }

    @Test(arguments: [
        ("", WireGuardStatusError.truncated),
        ("a\tb\n", .malformed(line: 1, reason: "the interface line has not 4 fields")),
        ("a\tb\tc\td\nshort\tline\n", .malformed(line: 2, reason: "a peer line has not 8 fields")),
        (
            "a\tb\tc\td\nnot-base64\t-\t-\t-\t0\t0\t0\toff\n",
            .malformed(line: 2, reason: "the public key is not 32 bytes in base64")
        ),
        (
            "a\tb\tc\td\n\(keyBase64)\t-\t-\t-\tyesterday\t0\t0\toff\n",
            .malformed(line: 2, reason: "latest handshake is not a number in 0...17179869180")
        ),
        (
            "a\tb\tc\td\n\(keyBase64)\t-\t-\t-\t0\t-1\t0\toff\n",
            .malformed(line: 2, reason: "transfer rx is not a byte count")
        ),
    ])
    func hostileDumpsAreRefusedByName(text: String, expected: WireGuardStatusError) {
        #expect(throws: expected) { try WireGuardPeerStatus.parseDump(text) }
    }

    @Test func noHandshakeFailsAnOldOneWarnsARecentOneIsWell() {
        let now = Date(timeIntervalSince1970: 1_796_652_000)
        var peer = WireGuardPeerStatus(publicKey: Self.keyBase64, endpoint: "192.168.203.9:51820", sentBytes: 592)
        let never = VPNInterfaceCheck.judge(interface: "wg0", peers: [peer], now: now)
        #expect(never.status == .failure)
        #expect(never.detail.contains("never answered"))
        #expect(never.fix?.contains("UDP 51820") == true)

        peer.latestHandshake = now.addingTimeInterval(-600)
        let old = VPNInterfaceCheck.judge(interface: "wg0", peers: [peer], now: now)
        #expect(old.status == .warning)
        #expect(old.detail.contains("10 min ago"))

        peer.latestHandshake = now.addingTimeInterval(-42)
        peer.receivedBytes = 2048
        let recent = VPNInterfaceCheck.judge(interface: "wg0", peers: [peer], now: now)
        #expect(recent.status == .ok)
        #expect(recent.detail.contains("42 s ago"))
        #expect(recent.detail.contains("received 2.0 KiB, sent 592 B"))

        #expect(VPNInterfaceCheck.judge(interface: "wg0", peers: [], now: now).status == .failure)
    }
}
