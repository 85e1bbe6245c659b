import Foundation
import KitAgent
import KitCore
import Testing

/// Per-device readiness for the clerk (issue #20): reader, pad, scanner, terminal reachable and
/// idle; a device a step uses is "in use", never "missing".
@Suite("Device readiness: each device named, ready only when it really is")
struct DeviceReadinessTests {
    static let pad = DeviceReadiness.USBID(vendor: 0x056A, product: 0x00A8)
    static let scanner = DeviceReadiness.USBID(vendor: 0x05BA, product: 0x000A)

    func states(_ seen: DeviceReadiness.Observation) -> [String: String] {
        Dictionary(uniqueKeysWithValues: DeviceReadiness.assess(seen).map { ($0.device, $0.state) })
    }

    @Test func everythingPresentIsReady() {
        let seen = DeviceReadiness.Observation(
            readers: ["REINER SCT cyberJack RFID standard 00 00"], configuredReader: nil,
            usb: [Self.pad, Self.scanner],
            virtualScanner: false, terminal: .init(endpoint: "127.0.0.1:20007", reachable: true))
        #expect(
            states(seen) == [
                "card-reader": "ok", "signature-pad": "ok", "fingerprint-scanner": "ok", "ec-terminal": "ok",
            ])
    }

    @Test func somePresentUSBDevicesAreNotTheKitsAndTheConfiguredReaderMustBeThere() {
        let seen = DeviceReadiness.Observation(
            readers: ["Other Reader 00 00"], configuredReader: "Virtual PCD 00 01",
            usb: [.init(vendor: 0x056A, product: 0x0001), .init(vendor: 0x1D6B, product: 0x0002)],
            virtualScanner: false, terminal: .init(endpoint: "10.0.0.5:20007", reachable: false))
        #expect(
            states(seen) == [
                "card-reader": "failure", "signature-pad": "failure", "fingerprint-scanner": "failure",
                "ec-terminal": "failure",
            ])
        let detail = DeviceReadiness.assess(seen).first { $0.device == "card-reader" }?.detail
        #expect(detail == "reader \"Virtual PCD 00 01\" not connected")
    }

    @Test func nothingListableIsNotReadyAndAnUnconfiguredTerminalIsLeftOut() {
        let seen = DeviceReadiness.Observation(
            readers: nil, configuredReader: nil, usb: nil, virtualScanner: false, terminal: nil)
        let summaries = DeviceReadiness.assess(seen)
        #expect(summaries.map(\.device) == ["card-reader", "signature-pad", "fingerprint-scanner"])
        #expect(summaries.allSatisfy { $0.state == "failure" })
        #expect(
            DeviceReadiness.assess(
                .init(readers: [], configuredReader: nil, usb: [], virtualScanner: false, terminal: nil)
            )
            .first?.state == "failure", "no reader at all")
    }

    @Test func devicesInUseAreBusyNotMissing() {
        let seen = DeviceReadiness.Observation(
            readers: [], configuredReader: nil, usb: [], virtualScanner: true,
            terminal: .init(endpoint: "127.0.0.1:20007", reachable: false),
            stepsInUse: ["identity", "signature"], paymentRunning: true)
        #expect(
            states(seen) == [
                "card-reader": "warning", "signature-pad": "warning", "fingerprint-scanner": "ok",
                "ec-terminal": "warning",
            ])
    }
}
