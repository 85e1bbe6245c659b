import Testing

@testable import KitDrivers

@Suite("STU button hit testing")
struct STUPromptHitTesterTests {
    let capability = STUModel.stu540.nominalCapability

    /// A pen sample at a screen pixel (tablet units = pixel × 13.5 on the STU-540).
    func sample(_ x: Double, _ y: Double, down: Bool, rdy: Bool = true) -> STUPenSample {
        STUPenSample(
            x: UInt16(x * 10800 / 800), y: UInt16(y * 6480 / 480), pressure: down ? 400 : 0, rdy: rdy, sw: down)
    }

    func tester() throws -> (STUPromptHitTester<STUPromptButtonKind>, STUPromptLayout) {
        let layout = STUSignaturePrompt(title: "Unterschrift", citizenName: "Max Mustermann").render(for: .stu540)
        return (STUPromptHitTester(layout: layout, mapper: try STUCoordinateMapper(capability: capability)), layout)
    }

    func centre(_ rect: STUPixelRect) -> (Double, Double) {
        (Double(rect.x) + Double(rect.width) / 2, Double(rect.y) + Double(rect.height) / 2)
    }

    @Test func tapInsideAButtonPressesIt() throws {
        var (hits, layout) = try tester()
        for kind in STUPromptButtonKind.allCases {
            let rect = try #require(layout.button(kind)).rect
            let (x, y) = centre(rect)
            #expect(hits.process(sample(x, y, down: false)) == nil)
            #expect(hits.process(sample(x, y, down: true)) == nil)
            #expect(hits.isPenDown)
            #expect(hits.process(sample(x + 3, y + 2, down: true)) == nil)
            #expect(hits.process(sample(x + 3, y + 2, down: false)) == kind)
            #expect(!hits.isPenDown)
        }
    }

    @Test func slidingOutOfTheButtonCancelsThePress() throws {
        var (hits, layout) = try tester()
        let ok = try #require(layout.button(.ok)).rect
        let retry = try #require(layout.button(.retry)).rect
        let (x, y) = centre(ok)
        let (rx, ry) = centre(retry)
        #expect(hits.process(sample(x, y, down: true)) == nil)
        #expect(hits.process(sample(rx, ry, down: true)) == nil)
        #expect(hits.process(sample(rx, ry, down: false)) == nil)
        let (sx, sy) = centre(layout.signingArea)
        #expect(hits.process(sample(sx, sy, down: true)) == nil)
        #expect(hits.process(sample(x, y, down: false)) == nil)
    }

    @Test func liftOutOfProximityUsesLastTouchingPosition() throws {
        var (hits, layout) = try tester()
        let (x, y) = centre(try #require(layout.button(.cancel)).rect)
        #expect(hits.process(sample(x, y, down: true)) == nil)
        let away = STUPenSample(x: 0, y: 0, pressure: 0, rdy: false, sw: false)
        #expect(hits.process(away) == .cancel)
        #expect(hits.process(away) == nil)
    }
}
