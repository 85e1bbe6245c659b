import KitDrivers
import KitSimulators
import Testing

@Suite("DG17 place of residence and DG18 municipality ID (BSI TR-03110-4 §2.2.3)")
struct NPADataGroupTests {
    let hex = ISO7816TestSupport.hex

    /// DG17 of the PersoSim default test personalisation: HEIDESTRASSE 17, KÖLN, D, 51147.
    static let persoSimDG17 =
        "71 2C 30 2A AA 11 0C 0F 48 45 49 44 45 53 54 52 41 53 53 45 20 31 37 AB 07 0C 05 4B C3 96 4C 4E"
        + " AD 03 13 01 44 AE 07 13 05 35 31 31 34 37"

    static let heidestrasse = NPAStructuredPlace(
        street: "HEIDESTRASSE 17", city: "KÖLN", country: "D", zipCode: "51147")

    @Test("Structured address: decodes the simulator's DG17 and encodes it byte for byte")
    func structured() throws {
        let bytes = hex(Self.persoSimDG17)
        let place = try NPAPlaceOfResidence(bytes: bytes)
        #expect(place == .residence(.structured(Self.heidestrasse)))
        #expect(try place.encoded() == bytes)
    }

    @Test("Structured address with ASCII city KOELN as in the project notes")
    func structuredASCII() throws {
        let place = NPAPlaceOfResidence.residence(
            .structured(NPAStructuredPlace(street: "HEIDESTRASSE 17", city: "KOELN", country: "D", zipCode: "51147")))
        let bytes = try place.encoded()
        #expect(
            bytes
                == hex("71 2C 30 2A AA 11 0C 0F") + Array("HEIDESTRASSE 17".utf8) + hex("AB 07 0C 05")
                + Array("KOELN".utf8) + hex("AD 03 13 01 44 AE 07 13 05") + Array("51147".utf8))
        #expect(try NPAPlaceOfResidence(bytes: bytes) == place)
    }

    @Test("No place of residence in Germany (A2) and free text (A1)")
    func variants() throws {
        let none = NPAPlaceOfResidence.noResidenceInGermany
        let bytes = try none.encoded()
        #expect(bytes == hex("71 25 A2 23 0C 21") + Array("keine Hauptwohnung in Deutschland".utf8))
        #expect(try NPAPlaceOfResidence(bytes: bytes) == none)
        let free = NPAPlaceOfResidence.residence(.freetext("BERLIN"))
        #expect(try free.encoded() == hex("71 0A A1 08 0C 06 42 45 52 4C 49 4E"))
        #expect(try NPAPlaceOfResidence(bytes: free.encoded()) == free)
    }

    @Test("Optional state, missing street and zip, and several residences round-trip")
    func roundTrips() throws {
        let withState = NPAStructuredPlace(
            street: nil, city: "MÜNCHEN", state: "BAYERN", country: "D", zipCode: nil)
        let single = NPAPlaceOfResidence.residence(.structured(withState))
        #expect(try NPAPlaceOfResidence(bytes: single.encoded()) == single)
        let multiple = NPAPlaceOfResidence.multipleResidences([
            .freetext("BERLIN"), .structured(Self.heidestrasse),
        ])
        let encoded = try multiple.encoded()
        let decoded = try NPAPlaceOfResidence(bytes: encoded)
        // SET OF is sorted by encoding (DER): the SEQUENCE (30) precedes A1.
        #expect(decoded == .multipleResidences([.structured(Self.heidestrasse), .freetext("BERLIN")]))
        #expect(try decoded.encoded() == encoded)
    }

    @Test("File padding after DG17 is accepted, other trailing bytes are not")
    func padding() throws {
        let bytes = hex(Self.persoSimDG17)
        #expect(try NPAPlaceOfResidence(bytes: bytes + [0, 0, 0]) == .residence(.structured(Self.heidestrasse)))
        #expect(try NPAPlaceOfResidence(bytes: bytes + [0xFF, 0xFF]) == .residence(.structured(Self.heidestrasse)))
        #expect(throws: NPADataGroupError.trailingBytes(count: 2)) {
            try NPAPlaceOfResidence(bytes: bytes + [0x00, 0x01])
        }
    }

    @Test("Encoding validates ICAO country codes and PrintableString postal codes")
    func encodingValidation() {
        var place = Self.heidestrasse
        place.country = "DE"
        #expect(throws: NPADataGroupError.self) { try NPAPlaceOfResidence.residence(.structured(place)).encoded() }
        place.country = "d"
        #expect(throws: NPADataGroupError.self) { try NPAPlaceOfResidence.residence(.structured(place)).encoded() }
        place = Self.heidestrasse
        place.zipCode = "511_47"
        #expect(throws: NPADataGroupError.self) { try NPAPlaceOfResidence.residence(.structured(place)).encoded() }
        #expect(throws: NPADataGroupError.self) { try NPAPlaceOfResidence.multipleResidences([]).encoded() }
        place = Self.heidestrasse
        place.country = "FRA"
        #expect((try? NPAPlaceOfResidence.residence(.structured(place)).encoded()) != nil)
    }

    @Test(
        "Malformed DG17 gives typed errors",
        arguments: [
            ("72 00", NPADataGroupError.unexpectedTag(found: .application(18), expected: "71")),
            ("71 00", .invalidField("PlaceOfResidence", reason: "expected exactly one inner data object in 71")),
            (
                "71 02 04 00",
                .unexpectedTag(found: .octetString, expected: "30 (structured place), A1 (free text) or A2 (no place)")
            ),
            (
                "71 09 30 07 AD 03 13 01 44 A0 00",
                .unexpectedTag(found: .context(0), expected: "AA, AB, AC, AD or AE in a Place")
            ),
            ("71 07 30 05 AD 03 13 01 44", .missingField("city")),
            ("71 09 30 07 AB 05 0C 03 41 42 43", .missingField("country")),
            (
                "71 0E 30 0C AD 03 13 01 44 AB 05 0C 03 41 42 43",
                .invalidField("city", reason: "it is repeated or out of order")
            ),
            (
                "71 06 A1 04 02 02 00 01",
                .unexpectedTag(found: .integer, expected: "a character string for freetextPlace")
            ),
            ("71 02 31 00", .invalidField("multResidence", reason: "the SET OF GeneralPlace is empty")),
            ("71 04 A1 02 0C 01", .encoding(.lengthExceedsInput(offset: 4, declared: 1, available: 0))),
        ])
    func errors(input: String, expected: NPADataGroupError) {
        #expect(throws: expected) { try NPAPlaceOfResidence(bytes: hex(input)) }
        #expect(!expected.description.isEmpty)
    }

    @Test("DG18 municipality ID")
    func municipalityID() throws {
        let bytes = hex("72 09 04 07 02 76 05 03 15 00 00")
        let id = try NPAMunicipalityID(bytes: bytes)
        #expect(id.digits == "02760503150000")
        #expect(id.encoded == bytes)
        #expect(try NPAMunicipalityID(digits: "02760503150000") == id)
        #expect(throws: NPADataGroupError.self) { try NPAMunicipalityID(digits: "0276050315000") }
        #expect(throws: NPADataGroupError.self) { try NPAMunicipalityID(digits: "02760A") }
        #expect(throws: NPADataGroupError.self) { try NPAMunicipalityID(digits: "") }
        #expect(throws: NPADataGroupError.unexpectedTag(found: .integer, expected: "04 (OCTET STRING)")) {
            try NPAMunicipalityID(bytes: hex("72 03 02 01 00"))
        }
    }

    @Test("Fuzz: mutated and random DG17/DG18 bytes decode or throw NPADataGroupError")
    func fuzz() throws {
        var random = SeededRandom(seed: 0xD617)
        let dg17Seeds = [
            hex(Self.persoSimDG17), try NPAPlaceOfResidence.noResidenceInGermany.encoded(),
            try NPAPlaceOfResidence.multipleResidences([.freetext("A"), .structured(Self.heidestrasse)]).encoded(),
        ]
        let dg18Seed = hex("72 09 04 07 02 76 05 03 15 00 00")
        var decoded = 0
        for round in 0..<4000 {
            let input =
                round % 4 == 0
                ? random.bytes(count: Int.random(in: 0...40, using: &random)) : random.mutate(dg17Seeds[round % 3])
            do {
                let place = try NPAPlaceOfResidence(bytes: input)
                decoded += 1
                if let again = try? NPAPlaceOfResidence(bytes: place.encoded()) {
                    if case .multipleResidences = place {
                        #expect(try again.encoded() == place.encoded())
                    } else {
                        #expect(again == place)
                    }
                }
            } catch {
                #expect(!error.description.isEmpty)
            }
            do {
                let id = try NPAMunicipalityID(bytes: random.mutate(dg18Seed))
                #expect(try NPAMunicipalityID(bytes: id.encoded) == id)
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
        #expect(decoded > 0)
    }

    @Test("DG4, DG5, DG8 of the test specimen decode and re-encode; hostile input is a typed error")
    func identity() throws {
        let dg4 = hex("64 07 0C 05 45 52 49 4B 41")
        let dg5 = hex("65 0C 0C 0A 4D 55 53 54 45 52 4D 41 4E 4E")
        let dg8 = hex("68 0A 12 08 31 39 36 34 30 38 31 32")
        let identity = try NPAIdentity(dg4: dg4, dg5: dg5, dg8: dg8)
        #expect(identity == NPAIdentity(givenNames: "ERIKA", familyNames: "MUSTERMANN", dateOfBirth: "19640812"))
        #expect(identity.encodedDataGroups.dg4 == dg4)
        #expect(identity.encodedDataGroups.dg5 == dg5)
        #expect(identity.encodedDataGroups.dg8 == dg8)
        #expect(throws: NPADataGroupError.self) { try NPAIdentity(dg4: dg5, dg5: dg5, dg8: dg8) }
        #expect(throws: NPADataGroupError.self) {
            try NPAIdentity(dg4: dg4, dg5: dg5, dg8: hex("68 0A 12 08 31 39 36 34 30 38 31 41"))
        }
        var random = SeededRandom(seed: 0xD608)
        for _ in 0..<2000 {
            _ = try? NPAIdentity(dg4: random.mutate(dg4), dg5: random.mutate(dg5), dg8: random.mutate(dg8))
        }
    }
}
