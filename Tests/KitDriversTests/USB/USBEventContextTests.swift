import CLibUSB
import Testing

@testable import KitDrivers

@Suite("libusb context with its own event thread")
struct USBEventContextTests {
    @Test func contextsStartAndStopTheirEventThread() throws {
        for _ in 0..<5 {
            let context = try USBEventContext()
            _ = try context.devices()
        }
    }

    @Test func openingAnAbsentDeviceSaysNotFound() throws {
        let context = try USBEventContext()
        let error = #expect(throws: USBError.self) {
            _ = try context.openDevice(vendorID: 0x056A, productIDs: [0x7FFF])
        }
        #expect(error?.isNotFound == true)
        #expect(error?.description.contains("056a:7fff") == true)
    }

    @Test func hotplugStreamEndsWhenTheConsumerStops() async throws {
        let context = try USBEventContext()
        let stream = context.hotplugEvents(vendorID: 0x056A, productID: 0x7FFF)
        let consumer = Task {
            var count = 0
            for await _ in stream { count += 1 }
            return count
        }
        try await Task.sleep(for: .milliseconds(50))
        consumer.cancel()
        #expect(await consumer.value == 0)
    }

    @Test func transferStatusesMapToLibusbErrors() {
        let cases: [(libusb_transfer_status, Int32)] = [
            (LIBUSB_TRANSFER_TIMED_OUT, -7), (LIBUSB_TRANSFER_STALL, -9), (LIBUSB_TRANSFER_NO_DEVICE, -4),
            (LIBUSB_TRANSFER_OVERFLOW, -8), (LIBUSB_TRANSFER_CANCELLED, -10), (LIBUSB_TRANSFER_ERROR, -1),
        ]
        for (status, code) in cases {
            #expect(USBError(transferStatus: status, operation: "read").code == code)
        }
        let gone = USBError(transferStatus: LIBUSB_TRANSFER_NO_DEVICE, operation: "read pen data")
        #expect(gone.isDeviceGone)
        #expect(gone.description == "cannot read pen data: the device was unplugged")
        #expect(USBError(code: -3, operation: "open").description.contains("udev"))
    }

    @Test func controlSetupIsLittleEndian() {
        let setup = USBControlSetup(requestType: 0xA1, request: 0x01, value: 0x0309, index: 0, length: 17)
        #expect(setup.bytes == [0xA1, 0x01, 0x09, 0x03, 0x00, 0x00, 0x11, 0x00])
        #expect(setup.isDeviceToHost)
        #expect(!USBControlSetup(requestType: 0x21, request: 0x09, value: 0x0326, index: 0, length: 256).isDeviceToHost)
        #expect(setup.description == "control 00a1 0001 0309 0000 length 17")
    }

    @Test func timeoutsRoundToWholeMilliseconds() {
        #expect(usbTimeoutMilliseconds(.seconds(1)) == 1000)
        #expect(usbTimeoutMilliseconds(.microseconds(10)) == 1)
        #expect(usbTimeoutMilliseconds(.zero) == 1)
        #expect(usbTimeoutMilliseconds(.milliseconds(250)) == 250)
    }

    @Test func kernelDriverStatusReads() {
        #expect(USBKernelDriverStatus.detached.description == "kernel driver detached")
        #expect(USBKernelDriverStatus.unknown(code: -99).description.contains("-99"))
    }
}
