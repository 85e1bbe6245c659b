import Foundation
import KitAgent
import KitDrivers
import KitSimulators
import Testing

/// `kit-agent doctor` sees the card on the reader (issue #15): it waits for the reader monitor's
/// first report, uses the configured reader and shows ATR and card type. Real pcscd + vpcd with
/// the simulated German ID card.
@Suite("Doctor: the card on the reader", .serialized)
struct DoctorCardReaderTests {
    @Test func doctorSeesTheCardWithATRAndTypeInTenOfTenRuns() async throws {
        let rig = try CardReaderRig()
        defer { rig.stop() }
        try rig.insert(CardSimulatorNPACard(placeOfResidence: IdentityStationTests.oldAddress))
        var seen = 0
        for _ in 0..<10 {
            let finding = await CardReaderCheck(readerName: CardReaderRig.reader).run()
            #expect(finding.status == .ok, "\(finding.detail)")
            if finding.detail.contains("present (ATR "), finding.detail.contains("German ID card") { seen += 1 }
        }
        #expect(seen == 10)
        // The configured reader is the one checked: a name that is not there fails clearly.
        let missing = await CardReaderCheck(readerName: "Kein Leser 99").run()
        #expect(missing.status == .failure)
        #expect(missing.detail.contains("Kein Leser 99"))
    }
}
