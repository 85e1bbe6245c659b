/// The identity data groups the Änderungsterminal shows the clerk (BSI TR-03110-4 §2.2.3, Table 3;
/// TR-03127): DG4 GivenNames ::= [APPLICATION 4] UTF8String, DG5 FamilyNames ::= [APPLICATION 5]
/// UTF8String, DG8 DateOfBirth ::= [APPLICATION 8] Date, Date ::= NumericString (SIZE (8)) YYYYMMDD
/// with spaces for unknown parts.
public struct NPAIdentity: Equatable, Sendable {
    /// File identifiers and short EF identifiers in the eID application.
    public enum File {
        /// DG4 given names: FID 0104, SFI 04.
        public static let dg4: (fid: UInt16, sfi: UInt8) = (0x0104, 0x04)
        /// DG5 family names: FID 0105, SFI 05.
        public static let dg5: (fid: UInt16, sfi: UInt8) = (0x0105, 0x05)
        /// DG8 date of birth: FID 0108, SFI 08.
        public static let dg8: (fid: UInt16, sfi: UInt8) = (0x0108, 0x08)
    }

    /// Given names (DG4).
    public var givenNames: String
    /// Family names (DG5).
    public var familyNames: String
    /// Date of birth as on the card, YYYYMMDD, unknown digits as spaces (DG8).
    public var dateOfBirth: String

    /// Creates the value.
    public init(givenNames: String, familyNames: String, dateOfBirth: String) {
        self.givenNames = givenNames
        self.familyNames = familyNames
        self.dateOfBirth = dateOfBirth
    }

    /// Decodes the three data groups.
    public init(dg4: [UInt8], dg5: [UInt8], dg8: [UInt8]) throws(NPADataGroupError) {
        givenNames = try NPADataGroupDecoding.text(
            of: try NPADataGroupDecoding.outerObject(dg4, tag: .application(4)), name: "GivenNames")
        familyNames = try NPADataGroupDecoding.text(
            of: try NPADataGroupDecoding.outerObject(dg5, tag: .application(5)), name: "FamilyNames")
        let date = try NPADataGroupDecoding.onlyChild(
            of: try NPADataGroupDecoding.outerObject(dg8, tag: .application(8)), name: "DateOfBirth")
        guard date.tag == Self.numericString else {
            throw .unexpectedTag(found: date.tag, expected: "NumericString for DateOfBirth")
        }
        guard date.value.count == 8, date.value.allSatisfy({ (0x30...0x39).contains($0) || $0 == 0x20 }) else {
            throw .invalidField("DateOfBirth", reason: "not 8 digits or spaces")
        }
        dateOfBirth = String(decoding: date.value, as: UTF8.self)
    }

    static let numericString = BERTLVTag(tagClass: .universal, isConstructed: false, number: 18)

    /// The DER of DG4, DG5 and DG8 (for a test card).
    public var encodedDataGroups: (dg4: [UInt8], dg5: [UInt8], dg8: [UInt8]) {
        (
            BERTLV.constructed(.application(4), [.utf8String(givenNames)]).encoded,
            BERTLV.constructed(.application(5), [.utf8String(familyNames)]).encoded,
            BERTLV.constructed(.application(8), [.primitive(Self.numericString, Array(dateOfBirth.utf8))]).encoded
        )
    }
}
