/// Place ::= SEQUENCE { street [10] UTF8String OPTIONAL, city [11] UTF8String,
/// state [12] UTF8String OPTIONAL, country [13] ICAOCountry, zipcode [14] PrintableString OPTIONAL }
/// (BSI TR-03110-4 §2.2.3.1, explicit tagging: street is `AA { 0C … }`).
public struct NPAStructuredPlace: Equatable, Hashable, Sendable {
    /// Street and house number, e.g. "HEIDESTRASSE 17".
    public var street: String?
    /// City, e.g. "KÖLN".
    public var city: String
    /// State or region.
    public var state: String?
    /// ICAO country code of 1 or 3 letters, e.g. "D".
    public var country: String
    /// Postal code, e.g. "51147".
    public var zipCode: String?

    /// Creates a structured address.
    public init(street: String?, city: String, state: String? = nil, country: String, zipCode: String?) {
        self.street = street
        self.city = city
        self.state = state
        self.country = country
        self.zipCode = zipCode
    }
}

/// GeneralPlace ::= CHOICE { structuredPlace Place, freetextPlace [1] UTF8String,
/// noPlaceInfo [2] UTF8String } (BSI TR-03110-4 §2.2.3.1).
public enum NPAGeneralPlace: Equatable, Hashable, Sendable {
    /// A structured address (SEQUENCE, tag 30).
    case structured(NPAStructuredPlace)
    /// A free-text place (tag A1).
    case freetext(String)
    /// No place information, with an explanation (tag A2), e.g. "keine Hauptwohnung in Deutschland".
    case noPlaceInfo(String)
}

/// DG17 of the German ID card: PlaceOfResidence ::= [APPLICATION 17] CHOICE { residence GeneralPlace,
/// multResidence SET OF GeneralPlace } (BSI TR-03110-4 §2.2.3.1; TR-03127 §4.2 on its use).
///
/// The Änderungsterminal of a citizen office writes this data group after a move.
public enum NPAPlaceOfResidence: Equatable, Hashable, Sendable {
    /// One place of residence.
    case residence(NPAGeneralPlace)
    /// Several places of residence (SET OF GeneralPlace).
    case multipleResidences([NPAGeneralPlace])

    /// The text German ID cards store for holders without a habitual residence in Germany (TR-03127).
    public static let noResidenceInGermanyText = "keine Hauptwohnung in Deutschland"

    /// DG17 content for a holder without a habitual residence in Germany.
    public static let noResidenceInGermany = NPAPlaceOfResidence.residence(.noPlaceInfo(noResidenceInGermanyText))

    /// DG17 tag 71 ([APPLICATION 17], constructed).
    public static let tag = BERTLVTag.application(17)

    /// Decodes DG17 as read from the card (trailing 00/FF padding allowed).
    public init(bytes: [UInt8]) throws(NPADataGroupError) {
        let outer = try NPADataGroupDecoding.outerObject(bytes, tag: NPAPlaceOfResidence.tag)
        let choice = try NPADataGroupDecoding.onlyChild(of: outer, name: "PlaceOfResidence")
        if choice.tag == .set {
            var places: [NPAGeneralPlace] = []
            for element in choice.children {
                places.append(try NPAPlaceOfResidence.decodeGeneralPlace(element))
            }
            guard !places.isEmpty else {
                throw .invalidField("multResidence", reason: "the SET OF GeneralPlace is empty")
            }
            self = .multipleResidences(places)
        } else {
            self = .residence(try NPAPlaceOfResidence.decodeGeneralPlace(choice))
        }
    }

    /// The DER encoding for UPDATE BINARY; validates the country code and postal code character sets.
    /// Places in a multiple residence are sorted by their encoding, as DER requires for SET OF.
    public func encoded() throws(NPADataGroupError) -> [UInt8] {
        let inner: BERTLV
        switch self {
        case .residence(let place):
            inner = try NPAPlaceOfResidence.encodeGeneralPlace(place)
        case .multipleResidences(let places):
            guard !places.isEmpty else {
                throw .invalidField("multResidence", reason: "at least one place is required")
            }
            var elements: [BERTLV] = []
            for place in places {
                elements.append(try NPAPlaceOfResidence.encodeGeneralPlace(place))
            }
            elements.sort { $0.encoded.lexicographicallyPrecedes($1.encoded) }
            inner = .constructed(.set, elements)
        }
        return BERTLV.constructed(NPAPlaceOfResidence.tag, [inner]).encoded
    }

    private static func decodeGeneralPlace(_ object: BERTLV) throws(NPADataGroupError) -> NPAGeneralPlace {
        switch object.tag {
        case .sequence:
            return .structured(try decodePlace(object))
        case .context(1):
            return .freetext(try NPADataGroupDecoding.text(of: object, name: "freetextPlace"))
        case .context(2):
            return .noPlaceInfo(try NPADataGroupDecoding.text(of: object, name: "noPlaceInfo"))
        default:
            throw .unexpectedTag(found: object.tag, expected: "30 (structured place), A1 (free text) or A2 (no place)")
        }
    }

    private static func decodePlace(_ sequence: BERTLV) throws(NPADataGroupError) -> NPAStructuredPlace {
        let names: [UInt32: String] = [10: "street", 11: "city", 12: "state", 13: "country", 14: "zipcode"]
        var fields: [UInt32: String] = [:]
        var lastNumber: UInt32 = 9
        for element in sequence.children {
            let number = element.tag.number
            guard element.tag.tagClass == .contextSpecific, let name = names[number] else {
                throw .unexpectedTag(found: element.tag, expected: "AA, AB, AC, AD or AE in a Place")
            }
            guard number > lastNumber else {
                throw .invalidField(name, reason: "it is repeated or out of order")
            }
            lastNumber = number
            fields[number] = try NPADataGroupDecoding.text(of: element, name: name)
        }
        guard let city = fields[11] else { throw .missingField("city") }
        guard let country = fields[13] else { throw .missingField("country") }
        return NPAStructuredPlace(
            street: fields[10], city: city, state: fields[12], country: country, zipCode: fields[14])
    }

    private static func encodeGeneralPlace(_ place: NPAGeneralPlace) throws(NPADataGroupError) -> BERTLV {
        switch place {
        case .structured(let place):
            return try encodePlace(place)
        case .freetext(let text):
            return .constructed(.context(1), [.utf8String(text)])
        case .noPlaceInfo(let text):
            return .constructed(.context(2), [.utf8String(text)])
        }
    }

    private static func encodePlace(_ place: NPAStructuredPlace) throws(NPADataGroupError) -> BERTLV {
        let countryValid =
            (place.country.count == 1 || place.country.count == 3)
            && place.country.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || $0 == " " }
        guard countryValid else {
            throw .invalidField("country", reason: "\"\(place.country)\" is not an ICAO code of 1 or 3 letters A-Z")
        }
        var fields: [BERTLV] = []
        if let street = place.street {
            fields.append(.constructed(.context(10), [.utf8String(street)]))
        }
        fields.append(.constructed(.context(11), [.utf8String(place.city)]))
        if let state = place.state {
            fields.append(.constructed(.context(12), [.utf8String(state)]))
        }
        fields.append(.constructed(.context(13), [.primitive(.printableString, Array(place.country.utf8))]))
        if let zip = place.zipCode {
            guard BERTLV.isPrintableString(zip) else {
                throw .invalidField("zipcode", reason: "\"\(zip)\" has characters a PrintableString does not allow")
            }
            fields.append(.constructed(.context(14), [.primitive(.printableString, Array(zip.utf8))]))
        }
        return .constructed(.sequence, fields)
    }
}
