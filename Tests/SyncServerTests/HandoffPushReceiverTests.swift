import Crypto
import Foundation
import KitCore
import KitSimulators
import KitTestSupport
import SyncServer
import Testing

/// The reference consumer's push endpoint (`kit-sim consumer --listen`): it accepts a correctly
/// signed, fresh push of a valid dossier and refuses a wrong key, an old or future timestamp, a
/// changed body or id; a repeated delivery gets the first answer again.
@Suite("Hand-off: reference consumer receiving pushes")
struct HandoffPushReceiverTests {
    /// A real dossier for the DMS, built by the server.
    static func dossier(_ city: inout HandoffCity) async throws -> (id: String, container: [UInt8]) {
        let location = try await StoreLocation.fresh(.sqlite)
        defer { location.remove() }
        let store = try await location.open()
        try await city.prepare(store)
        try await city.completeCases(1, in: store)
        _ = try await city.assembly(store).buildPending()
        let record = try #require(
            try await store.dossierFeed(consumer: city.dms.name, after: 0, limit: 1).first)
        let container = try #require(try await store.dossier(id: record.dossierId)?.container)
        await store.close()
        return (record.dossierId, container)
    }

    static func headers(
        secret: PushSecret, id: String, body: [UInt8], at timestamp: Date
    ) -> [String: String] {
        let seconds = Int64(timestamp.timeIntervalSince1970)
        return [
            HandoffPushSignature.dossierIdHeader.lowercased(): id,
            HandoffPushSignature.timestampHeader.lowercased(): String(seconds),
            HandoffPushSignature.signatureHeader.lowercased(): HandoffPushSignature.sign(
                secret: secret, timestamp: seconds, dossierId: id, body: body),
        ]
    }

    static func receive(_ receiver: PushReceiver, _ headers: [String: String], _ body: [UInt8]) async
        -> PushReceiver.Answer
    {
        await receiver.receive(header: { headers[$0.lowercased()] }, body: body)
    }

    @Test func signaturesAndReplayWindow() async throws {
        var city = HandoffCity()
        let (id, container) = try await Self.dossier(&city)
        let secret = PushSecret.generate()
        let receiver = city.dmsReceiver(secret: secret)
        let now = Date()

        // Wrong key.
        var answer = await Self.receive(
            receiver, Self.headers(secret: PushSecret.generate(), id: id, body: container, at: now), container)
        #expect(answer.status == 401)
        // Old timestamp (six minutes), and one from the future.
        answer = await Self.receive(
            receiver, Self.headers(secret: secret, id: id, body: container, at: now.addingTimeInterval(-360)),
            container)
        #expect(answer.status == 401)
        #expect(String(decoding: answer.body, as: UTF8.self).contains("outside the replay window"))
        answer = await Self.receive(
            receiver, Self.headers(secret: secret, id: id, body: container, at: now.addingTimeInterval(400)),
            container)
        #expect(answer.status == 401)
        // Body changed after signing (one byte), and the signature moved to another dossier id.
        var tampered = container
        tampered[600] ^= 0x01
        answer = await Self.receive(
            receiver, Self.headers(secret: secret, id: id, body: container, at: now), tampered)
        #expect(answer.status == 401)
        var moved = Self.headers(secret: secret, id: id, body: container, at: now)
        moved[HandoffPushSignature.dossierIdHeader.lowercased()] = String(repeating: "e", count: 32)
        answer = await Self.receive(receiver, moved, container)
        #expect(answer.status == 401)
        // Missing headers.
        answer = await Self.receive(receiver, [:], container)
        #expect(answer.status == 400)
        var unsigned = Self.headers(secret: secret, id: id, body: container, at: now)
        unsigned[HandoffPushSignature.signatureHeader.lowercased()] = nil
        answer = await Self.receive(receiver, unsigned, container)
        #expect(answer.status == 401)
        #expect(await receiver.deliveries.isEmpty)
        #expect(await receiver.refusals.count == 7)

        // Right key, fresh, within the window (four minutes old): examined and accepted.
        let good = Self.headers(secret: secret, id: id, body: container, at: now.addingTimeInterval(-240))
        answer = await Self.receive(receiver, good, container)
        #expect(answer.status == 200)
        #expect(answer.acknowledgement == .init(outcome: .accepted))
        #expect(try HandoffAcknowledgement.parse(answer.body) == .init(outcome: .accepted))
        // The same delivery again (the server did not get the answer): same answer, not examined twice.
        let again = await Self.receive(
            receiver, Self.headers(secret: secret, id: id, body: container, at: now), container)
        #expect(again == answer)
        #expect(await receiver.deliveries.count == 1)
        #expect(await receiver.duplicates == 1)
        // A rotating sender may list two signatures; one valid suffices.
        let rotating = PushReceiver(
            consumer: ReferenceConsumer(procedure: .dms, key: city.dms.key, serverKey: city.dossierKey.publicKey),
            secret: secret)
        var both = Self.headers(secret: secret, id: id, body: container, at: now)
        let old = Self.headers(secret: PushSecret.generate(), id: id, body: container, at: now)
        both[HandoffPushSignature.signatureHeader.lowercased()] =
            "\(old[HandoffPushSignature.signatureHeader.lowercased()] ?? ""), "
            + "\(both[HandoffPushSignature.signatureHeader.lowercased()] ?? "")"
        #expect(await Self.receive(rotating, both, container).status == 200)
    }

    @Test func aDossierSignedByAnotherServerIsRejectedNotRefused() async throws {
        var city = HandoffCity()
        let (id, container) = try await Self.dossier(&city)
        let secret = PushSecret.generate()
        let stranger = PushReceiver(
            consumer: ReferenceConsumer(
                procedure: .dms, key: city.dms.key, serverKey: P256.Signing.PrivateKey().publicKey),
            secret: secret)
        let answer = await Self.receive(
            stranger, Self.headers(secret: secret, id: id, body: container, at: Date()), container)
        #expect(answer.status == 200)
        #expect(answer.acknowledgement?.outcome == .rejected)
        #expect(answer.acknowledgement?.reason?.hasPrefix("Dossier ungültig") == true)
    }
}
