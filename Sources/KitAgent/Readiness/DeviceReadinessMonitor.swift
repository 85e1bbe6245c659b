import Foundation
import KitCore
import KitDrivers
import Logging
import ServiceLifecycle

/// Probes the kit's devices every few seconds for ``DeviceReadiness``, without taking any away from
/// a step: pcscd's reader list (no reader claimed), the USB device list (nothing opened), a TCP
/// connect to the EC terminal that is closed at once (skipped while a payment runs). Devices a
/// step uses now are reported as in use and not probed.
public actor DeviceReadinessMonitor: Service {
    let cardReaderName: String?
    let terminalAddress: PaymentTerminalAddress?
    let running: RunningDeviceSteps
    let paymentRunning: @Sendable () async -> Bool
    let interval: Duration
    let logger: Logger
    private var summaries: [DeviceHealthSummary] = []
    /// A reader and USB listing is under way (it may hang in libpcsclite).
    private var listing = false

    private func listingFinished() { listing = false }

    public init(
        cardReaderName: String?, terminalAddress: PaymentTerminalAddress?, running: RunningDeviceSteps,
        paymentRunning: @escaping @Sendable () async -> Bool, interval: Duration = .seconds(10), logger: Logger
    ) {
        self.cardReaderName = cardReaderName
        self.terminalAddress = terminalAddress
        self.running = running
        self.paymentRunning = paymentRunning
        self.interval = interval
        self.logger = logger
    }

    /// The latest readiness of each device.
    public var latest: [DeviceHealthSummary] { summaries }

    @discardableResult
    public func refresh() async -> [DeviceHealthSummary] {
        let inUse = await running.runningSteps
        let paying = await paymentRunning()
        let probeReaders = inUse.isDisjoint(with: ["identity", "address"])
        // libpcsclite and libusb block (a hung pcscd never answers): on a thread of their own, for
        // at most 5 s, and no second probe while one still hangs; the devices count as not listable.
        var readers: [String]?
        var usb: [DeviceReadiness.USBID]?
        if !listing {
            listing = true
            let lists = await DeviceProbeExecutor.readiness.run(within: .seconds(5)) {
                () -> ([String]?, [DeviceReadiness.USBID]?) in
                let readers: [String]? = probeReaders ? try? PCSCContext().readers() : []
                let usb = try? USBEventContext().devices().map {
                    DeviceReadiness.USBID(vendor: $0.vendorID, product: $0.productID)
                }
                await self.listingFinished()
                return (readers, usb)
            }
            (readers, usb) = lists ?? (nil, nil)
        }
        var terminal: DeviceReadiness.TerminalProbe?
        if let terminalAddress {
            terminal = DeviceReadiness.TerminalProbe(
                endpoint: "\(terminalAddress)", reachable: paying ? true : await Self.reachable(terminalAddress))
        }
        let assessed = DeviceReadiness.assess(
            .init(
                readers: readers, configuredReader: cardReaderName, usb: usb,
                virtualScanner: ProcessInfo.processInfo.environment["FP_VIRTUAL_IMAGE"] != nil, terminal: terminal,
                stepsInUse: inUse, paymentRunning: paying))
        let before = Dictionary(summaries.map { ($0.device, $0.state) }, uniquingKeysWith: { first, _ in first })
        for summary in assessed where before[summary.device] != summary.state {
            logger.info(
                "device readiness changed", metadata: ["device": "\(summary.device)", "state": "\(summary.state)"])
        }
        summaries = assessed
        return assessed
    }

    /// A connection opens (TCP, closed at once; nothing is sent) or the serial device node exists.
    static func reachable(_ address: PaymentTerminalAddress) async -> Bool {
        switch address {
        case .serial(let path):
            return FileManager.default.fileExists(atPath: path)
        case .tcp(let host, let port):
            let transport = ZVTTCPTransport(
                configuration: .init(host: host, port: port, connectTimeout: .seconds(1)))
            do {
                try await transport.open()
            } catch {
                return false
            }
            await transport.close()
            return true
        }
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.refresh()
                do { try await Task.sleep(for: self.interval) } catch { return }
            }
        }
    }
}
