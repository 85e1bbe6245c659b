/// An ASN.1 OBJECT IDENTIFIER with its DER content encoding (ITU-T X.690 §8.19) and dotted
/// text form, e.g. "0.4.0.127.0.7.2.2.4.2.2" for id-PACE-ECDH-GM-AES-CBC-CMAC-128.
public struct BERTLVObjectIdentifier: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The arcs, at least two; the first is 0, 1 or 2.
    public let arcs: [UInt64]

    /// Creates an identifier from its arcs, checking the X.660 rules for the first two.
    public init(arcs: [UInt64]) throws(BERTLVError) {
        guard arcs.count >= 2 else { throw .malformedObjectIdentifier(reason: "fewer than two arcs") }
        guard arcs[0] <= 2 else { throw .malformedObjectIdentifier(reason: "first arc \(arcs[0]) is above 2") }
        if arcs[0] < 2 && arcs[1] >= 40 {
            throw .malformedObjectIdentifier(reason: "second arc \(arcs[1]) must be below 40 under arc \(arcs[0])")
        }
        if arcs[0] == 2 && arcs[1] > UInt64.max - 80 {
            throw .malformedObjectIdentifier(reason: "second arc \(arcs[1]) is too large")
        }
        self.arcs = arcs
    }

    /// Parses the dotted decimal form, e.g. "0.4.0.127.0.7.2.2.4".
    public init(dotted: String) throws(BERTLVError) {
        var arcs: [UInt64] = []
        for part in dotted.split(separator: ".", omittingEmptySubsequences: false) {
            guard !part.isEmpty, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                part == "0" || part.first != "0", let arc = UInt64(part)
            else {
                throw .malformedObjectIdentifier(reason: "\"\(dotted)\" is not a dotted list of decimal arcs")
            }
            arcs.append(arc)
        }
        try self.init(arcs: arcs)
    }

    /// Decodes DER content bytes (the value of tag 06).
    public init(contentBytes: [UInt8]) throws(BERTLVError) {
        guard !contentBytes.isEmpty else { throw .malformedObjectIdentifier(reason: "no content bytes") }
        guard contentBytes.last.map({ $0 & 0x80 == 0 }) ?? false else {
            throw .malformedObjectIdentifier(reason: "the last subidentifier is truncated")
        }
        var subidentifiers: [UInt64] = []
        var current: UInt64 = 0
        var startsSubidentifier = true
        for byte in contentBytes {
            if startsSubidentifier && byte == 0x80 {
                throw .malformedObjectIdentifier(reason: "a subidentifier has a redundant leading 80 byte")
            }
            guard current <= UInt64.max >> 7 else {
                throw .malformedObjectIdentifier(reason: "a subidentifier exceeds 64 bits")
            }
            current = current << 7 | UInt64(byte & 0x7F)
            startsSubidentifier = byte & 0x80 == 0
            if startsSubidentifier {
                subidentifiers.append(current)
                current = 0
            }
        }
        guard let first = subidentifiers.first else {
            throw .malformedObjectIdentifier(reason: "no subidentifier")
        }
        let head: [UInt64] = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80]
        try self.init(arcs: head + subidentifiers.dropFirst())
    }

    /// Creates an identifier from arcs known to be valid (first arc 0 or 1 with a small second arc).
    init(validArcs arcs: UInt64...) {
        self.arcs = arcs
    }

    /// The DER content bytes (without tag and length).
    public var contentBytes: [UInt8] {
        var out: [UInt8] = []
        let first = arcs[0] * 40 + arcs[1]
        for arc in [first] + arcs.dropFirst(2) {
            var chunk: [UInt8] = [UInt8(arc & 0x7F)]
            var rest = arc >> 7
            while rest != 0 {
                chunk.insert(UInt8(rest & 0x7F) | 0x80, at: 0)
                rest >>= 7
            }
            out += chunk
        }
        return out
    }

    /// The dotted decimal form.
    public var dotted: String { arcs.map(String.init).joined(separator: ".") }

    /// Whether `prefix` names this identifier or one of its ancestors.
    public func hasPrefix(_ prefix: BERTLVObjectIdentifier) -> Bool {
        arcs.starts(with: prefix.arcs)
    }

    /// This identifier extended by further arcs.
    public func appending(_ more: UInt64...) -> BERTLVObjectIdentifier {
        BERTLVObjectIdentifier(checkedArcs: arcs + more)
    }

    private init(checkedArcs: [UInt64]) {
        self.arcs = checkedArcs
    }

    public static func < (lhs: BERTLVObjectIdentifier, rhs: BERTLVObjectIdentifier) -> Bool {
        lhs.arcs.lexicographicallyPrecedes(rhs.arcs)
    }

    public var description: String { dotted }
}
