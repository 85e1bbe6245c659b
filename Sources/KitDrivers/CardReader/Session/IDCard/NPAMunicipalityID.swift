/// DG18 of the German ID card: MunicipalityID ::= [APPLICATION 18] OCTET STRING
/// (BSI TR-03110-4 §2.2.3.1), e.g. `72 09 04 07 02 76 05 03 15 00 00`.
///
/// The value packs the community key as decimal digits, two per byte (TR-03127 §4.2: "0276"
/// for Germany, then Land, Regierungsbezirk, Kreis and Gemeinde of the official municipality key).
public struct NPAMunicipalityID: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The OCTET STRING value.
    public let value: [UInt8]

    /// DG18 tag 72 ([APPLICATION 18], constructed).
    public static let tag = BERTLVTag.application(18)

    /// Creates the ID from its OCTET STRING value.
    public init(value: [UInt8]) {
        self.value = value
    }

    /// Packs an even number of decimal digits, e.g. "02760503150000".
    public init(digits: String) throws(NPADataGroupError) {
        let nibbles = digits.unicodeScalars.compactMap { scalar -> UInt8? in
            ("0"..."9").contains(scalar) ? UInt8(scalar.value - 48) : nil
        }
        guard nibbles.count == digits.unicodeScalars.count, !nibbles.isEmpty, nibbles.count % 2 == 0 else {
            throw .invalidField("MunicipalityID", reason: "\"\(digits)\" is not an even number of decimal digits")
        }
        value = stride(from: 0, to: nibbles.count, by: 2).map { nibbles[$0] << 4 | nibbles[$0 + 1] }
    }

    /// Decodes DG18 as read from the card (trailing 00/FF padding allowed).
    public init(bytes: [UInt8]) throws(NPADataGroupError) {
        let outer = try NPADataGroupDecoding.outerObject(bytes, tag: NPAMunicipalityID.tag)
        let inner = try NPADataGroupDecoding.onlyChild(of: outer, name: "MunicipalityID")
        guard inner.tag == .octetString, case .primitive(let value) = inner.content else {
            throw .unexpectedTag(found: inner.tag, expected: "04 (OCTET STRING)")
        }
        self.value = value
    }

    /// The DER encoding of DG18.
    public var encoded: [UInt8] {
        BERTLV.constructed(NPAMunicipalityID.tag, [.octetString(value)]).encoded
    }

    /// The value as hex digits, e.g. "02760503150000".
    public var digits: String { value.map(ATRHex.byte).joined() }

    public var description: String { digits }
}
