import KitDrivers
import Testing

@Suite("libusb through the CLibUSB shim")
struct USBContextTests {
    @Test func opensAContextAndListsDevices() throws {
        let context = try USBEventContext()
        let devices = try context.devices()
        // This machine has no USB bus: the call must succeed with an empty or real list.
        for device in devices {
            #expect(device.idText.count == 9)
        }
        #expect(USBEventContext.libraryVersion.hasPrefix("1.0."))
    }

    @Test func errorsSayWhatToDo() {
        let denied = USBError(code: -3, operation: "open the signature pad")
        #expect(
            denied.description
                == "cannot open the signature pad: permission denied — install the kit's udev rules (udev/) and re-plug the device"
        )
        #expect(USBError(code: -4, operation: "read").hint == "the device was unplugged")
        #expect(USBError(code: -1234, operation: "read").hint.hasPrefix("libusb error"))
    }

    @Test func deviceIdsPrintLikeLsusb() {
        let pad = USBDeviceInfo(bus: 1, address: 2, vendorID: 0x056A, productID: 0x00A8, deviceClass: 0)
        #expect(pad.idText == "056a:00a8")
        #expect(pad.description == "bus 1 device 2 056a:00a8")
    }
}
