import Foundation
import KitDrivers

/// pcscd, the smart-card service every ID-card reader goes through (PC/SC).
public struct SmartCardServiceCheck: DoctorCheck {
    public let name = "pcscd"

    public init() {}

    public func run() async -> DoctorFinding {
        do {
            let readers = try PCSCContext().readers()
            return .ok(name, "pcscd answers; \(readers.count) reader(s)")
        } catch {
            if UInt32(truncatingIfNeeded: error.code) == 0x8010_002E {
                return .ok(name, "pcscd answers; no reader connected")
            }
            if UInt32(truncatingIfNeeded: error.code) == 0x8010_001D {
                return .failure(
                    name, "pcscd is not running: \(error.hint)",
                    fix: "systemctl start pcscd.socket (Debian starts it on demand); check with pcsc_scan -n -t 3")
            }
            return .failure(name, error.description, fix: "restart pcscd: systemctl restart pcscd")
        }
    }
}

/// The ID-card reader: present, a card on it, and a SELECT round trip to that card.
public struct CardReaderCheck: DoctorCheck {
    public let name = "card-reader"
    let readerName: String?

    public init(readerName: String? = nil) {
        self.readerName = readerName
    }

    public func run() async -> DoctorFinding {
        let device = CardReaderDevice(configuration: .init(readerName: readerName))
        do {
            try await device.open()
        } catch {
            return .skipped(name, "pcscd is not reachable, so no reader can be checked")
        }
        do {
            try await device.claim(timeout: .milliseconds(500))
        } catch {
            await device.close()
            return .failure(
                name, readerName.map { "the card reader \"\($0)\" is not connected" } ?? "no card reader is connected",
                fix: "plug in the card reader; pcsc_scan -n -t 3 lists what pcscd sees")
        }
        let report = await device.checkHealth(.external)
        await device.close()
        let reader = report.reader ?? "?"
        guard report.cardPresent else {
            return .ok(name, "\"\(reader)\" connected; no card on it, so no round trip was tried")
        }
        let card = "\(report.cardKind ?? "card") present (ATR \(report.cardATR ?? "?"))"
        if let status = report.selectStatus, let milliseconds = report.roundTripMilliseconds {
            return .ok(name, "\"\(reader)\": \(card), answered SELECT with \(status) in \(milliseconds) ms")
        }
        return .failure(
            name, "\"\(reader)\": \(card); " + report.problems.joined(separator: " "),
            fix: "put the card flat on the reader again; if it persists, replug the reader")
    }
}

/// The Wacom STU signature pad: found on USB, opened, and its capability read.
public struct SignaturePadCheck: DoctorCheck {
    public let name = "signature-pad"

    public init() {}

    public func run() async -> DoctorFinding {
        let context: USBEventContext
        do {
            context = try USBEventContext()
        } catch {
            return .failure(name, "USB is not usable: \(error)", fix: "check that /dev/bus/usb exists (libusb)")
        }
        let pad = STUSignaturePad(context: context)
        do {
            try await pad.open()
            try await pad.claim()
        } catch {
            await pad.close()
            switch error {
            case .noPadFound:
                return .failure(
                    name, "no signature pad is connected (Wacom STU-430/530/540, USB 056a:00a4/00a5/00a6/00a8)",
                    fix: "plug in the pad; lsusb must list 056a:00a8 (STU-540)")
            case .usb(let usb) where usb.code == -3:
                return .failure(
                    name, "the signature pad is connected, but this user may not open it",
                    fix: "install udev/70-buergeramtskoffer.rules and add the user to group kitdevices")
            default:
                return .failure(name, "the signature pad cannot be opened: \(error)", fix: "replug the pad")
            }
        }
        let health = await pad.checkHealth(.external)
        let model = await pad.information?.modelName ?? "STU pad"
        let firmware = await pad.information?.firmwareVersion ?? "?"
        await pad.close()
        guard health.isHealthy else {
            return .failure(
                name, health.description, fix: "replug the pad; if it persists, reset it (kit-agent doctor again)")
        }
        return .ok(name, "\(model) firmware \(firmware) answers")
    }
}

/// The fingerprint scanner, through libfprint.
public struct FingerprintScannerCheck: DoctorCheck {
    public let name = "fingerprint-scanner"

    public init() {}

    public func run() async -> DoctorFinding {
        let context: LibfprintContext
        do {
            context = try await LibfprintContext.create()
        } catch {
            return .failure(name, "libfprint is not usable: \(error)", fix: "install libfprint-2-2")
        }
        let scanners = await context.scanners()
        await context.shutdown()
        guard let scanner = scanners.first(where: \.canCapture) else {
            if let other = scanners.first {
                return .failure(
                    name, "only \(other.name) (\(other.driver)) is connected, and it cannot take images",
                    fix: "connect a flat image scanner (e.g. U.are.U 4500)")
            }
            return .failure(
                name, "no fingerprint scanner is connected",
                fix: "plug in the scanner; lsusb must list it, and udev/70-buergeramtskoffer.rules grant access")
        }
        return .ok(name, "\(scanner.name) (libfprint driver \(scanner.driver))")
    }
}

/// USB devices of the kit that the system sees, and whether this user may open them.
public struct USBDevicesCheck: DoctorCheck {
    public let name = "usb"
    /// Vendor/product pairs of the devices the kit supports, with a name.
    static let known: [(vendor: UInt16, products: Set<UInt16>, kind: String)] = [
        (0x056A, [0x00A4, 0x00A5, 0x00A6, 0x00A8], "signature pad"),
        (0x05BA, [0x0007, 0x0008, 0x000A], "fingerprint scanner"),
        (0x045E, [0x00BC, 0x00BD, 0x00CA], "fingerprint scanner"),
    ]
    let devicesRoot: String

    public init(devicesRoot: String = "/dev/bus/usb") {
        self.devicesRoot = devicesRoot
    }

    public func run() async -> DoctorFinding {
        let devices: [USBDeviceInfo]
        do {
            devices = try USBEventContext().devices()
        } catch {
            return .failure(name, "USB devices cannot be listed: \(error)", fix: "check that /dev/bus/usb exists")
        }
        var seen: [String] = []
        var denied: [String] = []
        for device in devices {
            guard
                let kind = Self.known.first(where: {
                    $0.vendor == device.vendorID && $0.products.contains(device.productID)
                })?.kind
            else { continue }
            let node = String(format: "%@/%03d/%03d", devicesRoot, device.bus, device.address)
            let label = "\(kind) \(device.idText)"
            seen.append(label)
            if access(node, R_OK | W_OK) != 0 { denied.append("\(label) (\(node))") }
        }
        if !denied.isEmpty {
            return .failure(
                name, "no permission to open " + denied.joined(separator: ", "),
                fix: "install udev/70-buergeramtskoffer.rules, add the user to group kitdevices, replug")
        }
        if seen.isEmpty {
            return .warning(
                name, "\(devices.count) USB device(s), none of them a kit device",
                fix: "plug in the signature pad and the fingerprint scanner")
        }
        return .ok(name, seen.joined(separator: ", "))
    }
}

/// The EC terminal: reachable over TCP or its serial line, and its host connection (ZVT
/// diagnosis 06 70, which also shows the terminal's status and software).
public struct PaymentTerminalCheck: DoctorCheck {
    public let name = "ec-terminal"
    let address: PaymentTerminalAddress?
    let password: Int

    public init(address: PaymentTerminalAddress?, password: Int = 0) {
        self.address = address
        self.password = password
    }

    public func run() async -> DoctorFinding {
        guard let address else {
            return .skipped(name, "no EC terminal configured (terminal.zvt.address); payments refuse")
        }
        let terminal = ZVTTerminal(
            transport: address.makeTransport(), configuration: ZVTTerminalConfiguration(password: password))
        let report = await terminal.checkHealth(.external)
        await terminal.close()
        if report.isHealthy {
            let software = report.softwareVersion.map { ", software \($0)" } ?? ""
            return .ok(name, "\(address) answers ZVT diagnosis 06 70\(software)")
        }
        let fix: String
        switch address {
        case .tcp(let host, let port):
            fix =
                "switch the terminal on and check it is on the kit's network at \(host) port \(port) "
                + "(ZVT over TCP, usually 20007); compare terminal.zvt.address"
        case .serial(let path):
            fix = "check the cable and adapter (\(path), udev name /dev/kit/ec-terminal) and that the terminal is on"
        }
        return .failure(name, "\(address): \(report.text)", fix: fix)
    }
}
