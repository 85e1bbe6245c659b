import Crypto
import Foundation
import KitCore
import Testing

/// The signed wipe order (issue #17): a kit obeys only an order for itself under the pinned key.
@Suite("Wipe order signature")
struct WipeOrderTests {
    let serverKey = P256.Signing.PrivateKey()

    @Test func aSignedOrderForThisKitIsValidAfterTheJSONRoundTrip() throws {
        let order = try WipeOrder.signed(
            kitId: "kit-07", orderId: "order-1", issuedAt: Date(timeIntervalSince1970: 1_765_100_000.1234),
            key: serverKey)
        let decoded = try WireCoding.decoder().decode(WipeOrder.self, from: try WireCoding.encoder().encode(order))
        #expect(decoded.isValid(for: "kit-07", key: serverKey.publicKey))
    }

    @Test func forgedForeignOrAlteredOrdersAreRefused() throws {
        let order = try WipeOrder.signed(kitId: "kit-07", orderId: "order-1", issuedAt: Date(), key: serverKey)
        #expect(!order.isValid(for: "kit-08", key: serverKey.publicKey))
        #expect(!order.isValid(for: "kit-07", key: P256.Signing.PrivateKey().publicKey))
        var altered = order
        altered.orderId = "order-2"
        #expect(!altered.isValid(for: "kit-07", key: serverKey.publicKey))
        altered = order
        altered.issuedAt = order.issuedAt.addingTimeInterval(1)
        #expect(!altered.isValid(for: "kit-07", key: serverKey.publicKey))
        for signature in [
            Data(), Data(repeating: 0, count: 64), Data(repeating: 0xFF, count: 64), order.signature + [0],
        ] {
            altered = order
            altered.signature = signature
            #expect(!altered.isValid(for: "kit-07", key: serverKey.publicKey))
        }
    }

    @Test func hostileJSONIsRefusedByTheDecoder() {
        for text in [#"{}"#, #"{"kitId":1}"#, #"{"kitId":"k","orderId":"o","issuedAt":"x","signature":"!!"}"#, "["] {
            #expect(throws: (any Error).self) { try JSONDecoder().decode(WipeOrder.self, from: Data(text.utf8)) }
        }
    }
}

/// The clerk stamp inside a step's sealed facts (issue #17).
@Suite("Recorded-by stamp in step facts")
struct RecordedByStampTests {
    let clerk = Clerk(id: "anna.schmidt", name: "Anna Schmidt")

    @Test func jsonFactsEmptyPayloadsAndFactsWithAttachmentAreStamped() throws {
        let json = StepPayload.stamp(Array(#"{"approved":true,"amountCents":1200}"#.utf8), recordedBy: clerk)
        #expect(StepPayload.recordedBy(json) == clerk)
        #expect(try StepPayload.facts(StepPayload.Payment.self, from: json).amountCents == 1200)
        #expect(StepPayload.recordedBy(StepPayload.stamp([], recordedBy: clerk)) == clerk)
        let attachment: [UInt8] = [0, 1, 2, 3, 0xFF]
        let composed = try StepPayload.compose(facts: ["kind": "pen"], attachment: attachment)
        let stamped = StepPayload.stamp(composed, recordedBy: clerk)
        #expect(StepPayload.recordedBy(stamped) == clerk)
        #expect(Array(stamped.suffix(attachment.count)) == attachment)
        // A stamp replaces one a payload may already carry.
        let other = Clerk(id: "ben", name: "Ben")
        #expect(StepPayload.recordedBy(StepPayload.stamp(json, recordedBy: other)) == other)
    }

    @Test func hostilePayloadsAreLeftUnchanged() {
        let hostile: [[UInt8]] = [
            Array("{not json".utf8), Array("[1,2]".utf8), [0, 0, 0], [0xFF, 0xFF, 0xFF, 0xFF, 1], [0, 0, 0, 9, 0x7B],
            [0, 0, 0, 2, 0x7B, 0x7D] + [0xAA], Array("{\"recordedBy\":5}".utf8),
        ]
        for payload in hostile {
            let stamped = StepPayload.stamp(payload, recordedBy: clerk)
            if payload == [0, 0, 0, 2, 0x7B, 0x7D, 0xAA] {
                #expect(StepPayload.recordedBy(stamped) == clerk)
                #expect(stamped.last == 0xAA)
            } else if payload == Array("{\"recordedBy\":5}".utf8) {
                #expect(StepPayload.recordedBy(stamped) == clerk)
            } else {
                #expect(stamped == payload)
                #expect(StepPayload.recordedBy(payload) == nil)
            }
        }
    }
}
