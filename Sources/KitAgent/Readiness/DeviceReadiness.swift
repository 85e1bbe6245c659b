import Foundation
import KitCore
import KitDrivers

/// Whether each device of the kit is ready for the clerk's next step (issue #20), judged from what
/// cheap probes saw — pure, so the rules are tested without devices. The answers go with the
/// device health into the status the clerk's page shows (device names as `kit-agent doctor` uses
/// them; state `ok` ready, `warning` in use by a step, `failure` missing; the detail is for IT).
public enum DeviceReadiness {
    /// What the probes saw.
    public struct Observation: Sendable, Equatable {
        /// Readers pcscd offers; nil when pcscd cannot be reached.
        public var readers: [String]?
        /// The configured reader (nil: any).
        public var configuredReader: String?
        /// Vendor and product IDs on USB; nil when USB cannot be listed.
        public var usb: [USBID]?
        /// The scanner is libfprint's virtual image device (FP_VIRTUAL_IMAGE is set).
        public var virtualScanner: Bool
        /// The EC terminal: nil when none is configured.
        public var terminal: TerminalProbe?
        /// Device steps running now (`identity`, `address`, `signature`, `fingerprints`).
        public var stepsInUse: Set<String>
        /// A card payment runs on the terminal now.
        public var paymentRunning: Bool

        public init(
            readers: [String]?, configuredReader: String?, usb: [USBID]?, virtualScanner: Bool,
            terminal: TerminalProbe?, stepsInUse: Set<String> = [], paymentRunning: Bool = false
        ) {
            self.readers = readers
            self.configuredReader = configuredReader
            self.usb = usb
            self.virtualScanner = virtualScanner
            self.terminal = terminal
            self.stepsInUse = stepsInUse
            self.paymentRunning = paymentRunning
        }
    }

    public struct USBID: Sendable, Equatable {
        public var vendor: UInt16
        public var product: UInt16
        public init(vendor: UInt16, product: UInt16) {
            self.vendor = vendor
            self.product = product
        }
    }

    /// The terminal probe: where it is and whether a connection opened (serial: the device node exists).
    public struct TerminalProbe: Sendable, Equatable {
        public var endpoint: String
        public var reachable: Bool
        public init(endpoint: String, reachable: Bool) {
            self.endpoint = endpoint
            self.reachable = reachable
        }
    }

    static let signaturePads: (vendor: UInt16, products: Set<UInt16>) = (0x056A, [0x00A4, 0x00A5, 0x00A6, 0x00A8])
    static let fingerprintScanners: [(vendor: UInt16, products: Set<UInt16>)] = [
        (0x05BA, [0x0007, 0x0008, 0x000A]), (0x045E, [0x00BC, 0x00BD, 0x00CA]),
    ]

    /// One summary per device, in the order card reader, signature pad, fingerprint scanner, EC terminal.
    public static func assess(_ seen: Observation) -> [DeviceHealthSummary] {
        var result: [DeviceHealthSummary] = []
        let cardInUse = !seen.stepsInUse.isDisjoint(with: ["identity", "address"])
        if cardInUse {
            result.append(.init(device: "card-reader", state: "warning", detail: "in use by an ID-card step"))
        } else if let readers = seen.readers {
            let wanted = seen.configuredReader.map { readers.contains($0) } ?? !readers.isEmpty
            result.append(
                wanted
                    ? .init(device: "card-reader", state: "ok", detail: "reader present")
                    : .init(
                        device: "card-reader", state: "failure",
                        detail: seen.configuredReader.map { "reader \"\($0)\" not connected" } ?? "no reader connected")
            )
        } else {
            result.append(.init(device: "card-reader", state: "failure", detail: "pcscd is not reachable"))
        }
        func onUSB(_ vendor: UInt16, _ products: Set<UInt16>) -> Bool {
            seen.usb?.contains { $0.vendor == vendor && products.contains($0.product) } ?? false
        }
        if seen.stepsInUse.contains("signature") {
            result.append(.init(device: "signature-pad", state: "warning", detail: "in use by the signature step"))
        } else if onUSB(signaturePads.vendor, signaturePads.products) {
            result.append(.init(device: "signature-pad", state: "ok", detail: "Wacom STU pad on USB"))
        } else {
            result.append(
                .init(
                    device: "signature-pad", state: "failure",
                    detail: seen.usb == nil ? "USB cannot be listed" : "no Wacom STU pad on USB"))
        }
        if seen.stepsInUse.contains("fingerprints") {
            result.append(
                .init(device: "fingerprint-scanner", state: "warning", detail: "in use by the fingerprint step"))
        } else if seen.virtualScanner || fingerprintScanners.contains(where: { onUSB($0.vendor, $0.products) }) {
            result.append(
                .init(
                    device: "fingerprint-scanner", state: "ok",
                    detail: seen.virtualScanner ? "libfprint virtual image device" : "scanner on USB"))
        } else {
            result.append(
                .init(device: "fingerprint-scanner", state: "failure", detail: "no fingerprint scanner on USB"))
        }
        if let terminal = seen.terminal {
            if seen.paymentRunning {
                result.append(.init(device: "ec-terminal", state: "warning", detail: "a card payment is running"))
            } else if terminal.reachable {
                result.append(
                    .init(device: "ec-terminal", state: "ok", detail: "\(terminal.endpoint) reachable and idle"))
            } else {
                result.append(
                    .init(device: "ec-terminal", state: "failure", detail: "\(terminal.endpoint) not reachable"))
            }
        }
        return result
    }
}
