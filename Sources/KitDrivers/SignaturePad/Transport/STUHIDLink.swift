/// The pad's HID interface on an open USB handle: feature reports by class requests on endpoint 0 and pen
/// reports on the interrupt IN endpoint.
///
/// USB HID 1.11 §7.2.1 GET_REPORT (0xA1, 0x01) and §7.2.2 SET_REPORT (0x21, 0x09), wValue 0x0300 | id;
/// Wacom STU interface report sizes (`STUReportID.reportSize`).
struct STUHIDLink: Sendable {
    let handle: USBDeviceHandle
    let interface: UInt16
    let timeout: Duration

    /// Reads a feature report and decodes it.
    func read<Report: STUFeatureReport>(_ type: Report.Type) async throws(STUPadError) -> Report {
        let request = STUHIDControlRequest.getFeature(Report.reportID, interface: interface)
        let bytes: [UInt8]
        do {
            bytes = try await handle.controlTransfer(
                setup(request), timeout: timeout,
                operation: "read STU report \(STUWire.hex(Report.reportID.rawValue)) from \(handle.info)")
        } catch {
            throw error.isDeviceGone ? .deviceRemoved : .usb(error)
        }
        do { return try Report(decoding: bytes) } catch { throw .protocolError(error) }
    }

    /// Writes a feature report.
    func write<Report: STUFeatureReport>(_ report: Report) async throws(STUPadError) {
        try await write(bytes: report.encoded())
    }

    /// Writes the raw bytes of a feature report (id first, fixed size).
    func write(bytes: [UInt8]) async throws(STUPadError) {
        guard let first = bytes.first else { throw .protocolError(.emptyReport) }
        let id = STUReportID(rawValue: first)
        let request = STUHIDControlRequest(
            requestType: 0x21, request: 0x09, value: 0x0300 | UInt16(first), index: interface,
            length: UInt16(clamping: bytes.count))
        let accepted: [UInt8]
        do {
            accepted = try await handle.controlTransfer(
                setup(request), data: bytes, timeout: timeout,
                operation: "write STU report \(STUWire.hex(first)) to \(handle.info)")
        } catch {
            throw error.isDeviceGone ? .deviceRemoved : .usb(error)
        }
        guard accepted.count == bytes.count else {
            throw .protocolError(
                .wrongLength(reportID: first, expected: id?.reportSize ?? bytes.count, actual: accepted.count))
        }
    }

    private func setup(_ request: STUHIDControlRequest) -> USBControlSetup {
        USBControlSetup(
            requestType: request.requestType, request: request.request, value: request.value, index: request.index,
            length: request.length)
    }
}
