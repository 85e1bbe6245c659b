import Foundation

/// A clerk who may unlock a kit (issue #17): an id from the city's staff directory and the name
/// shown on the clerk page and in the back office.
public struct Clerk: Codable, Sendable, Equatable, Hashable {
    public var id: String
    public var name: String

    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }

    /// Whether `id` is a usable clerk id: 1 to 64 characters `[A-Za-z0-9._-]`.
    public static func isValidId(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 64
            && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }
}

/// One clerk on the server's list for a kit, as it reaches the kit with the checkout
/// (``CheckoutPage/clerks``). A revoked clerk's key slot is removed at the kit's next contact.
public struct KitClerk: Codable, Sendable, Equatable {
    public var clerkId: String
    public var name: String
    public var revokedAt: Date?

    public init(clerkId: String, name: String, revokedAt: Date? = nil) {
        self.clerkId = clerkId
        self.name = name
        self.revokedAt = revokedAt
    }
}

extension StepPayload {
    /// The clerk who recorded a step, stamped by the kit into the step's sealed facts (the JSON
    /// object, key `recordedBy`): signed and sealed with the envelope, the header is unchanged.
    public struct RecordedBy: Codable, Sendable, Equatable {
        public var recordedBy: Clerk?
    }

    /// `payload` with `recordedBy` set in its facts; a payload whose facts are not a JSON object
    /// is returned unchanged (an empty payload becomes `{"recordedBy":…}`).
    public static func stamp(_ payload: [UInt8], recordedBy clerk: Clerk) -> [UInt8] {
        let clerkObject: [String: Any] = ["id": clerk.id, "name": clerk.name]
        func stamped(_ json: [UInt8]) -> [UInt8]? {
            guard var object = (try? JSONSerialization.jsonObject(with: Data(json))) as? [String: Any] else {
                return nil
            }
            object["recordedBy"] = clerkObject
            return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])).map(Array.init)
        }
        if payload.isEmpty { return stamped(Array("{}".utf8)) ?? payload }
        if payload.first == UInt8(ascii: "{") { return stamped(payload) ?? payload }
        guard payload.count >= 4 else { return payload }
        let length = payload.prefix(4).reduce(0) { ($0 << 8) | Int($1) }
        guard length <= payload.count - 4, let json = stamped(Array(payload[4..<(4 + length)])),
            json.count <= Int(UInt32.max)
        else { return payload }
        let newLength = UInt32(json.count)
        return [
            UInt8(newLength >> 24), UInt8(newLength >> 16 & 0xFF), UInt8(newLength >> 8 & 0xFF),
            UInt8(newLength & 0xFF),
        ] + json + payload[(4 + length)...]
    }

    /// The clerk a payload names, if any.
    public static func recordedBy(_ payload: [UInt8]) -> Clerk? {
        (try? facts(RecordedBy.self, from: payload))?.recordedBy
    }

    /// `kit.handed-over`: the kit passed from one clerk to the next (unlock by another clerk
    /// than the last one). `from` is nil for the first clerk after set-up or a wipe.
    public struct HandOver: Codable, Sendable, Equatable {
        public var from: Clerk?
        public var to: Clerk
        public init(from: Clerk?, to: Clerk) {
            self.from = from
            self.to = to
        }
    }
}
