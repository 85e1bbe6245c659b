import Foundation
import KitAgent
import KitDrivers
import KitSimulators
import KitTestSupport
import Testing

/// `kit-agent doctor`'s camera lines: missing, present with resolution and frame rate, and the
/// fleet report's device-node check that never opens the camera.
@Suite("kit-agent doctor: the camera", .serialized)
struct DoctorCameraTests {
    @Test("A streaming camera is reported with its frame size and rate")
    func presentCamera() async throws {
        let simulator = try CameraSimulator(scene: .pattern)
        defer { simulator.stop() }
        let finding = await CameraCheck(source: simulator.source).run()
        #expect(finding.status == .ok, "\(finding)")
        #expect(finding.detail.contains("1280x720"), "\(finding.detail)")
        #expect(finding.detail.contains("fps"), "\(finding.detail)")
    }

    @Test("A camera that is not there is a failure with what to do")
    func missingCamera() async {
        let finding = await CameraCheck(source: .videoForLinux(device: "/dev/video-none")).run()
        #expect(finding.status == .failure)
        #expect(finding.detail.contains("no picture"))
        #expect(finding.fix?.contains("udev/70-buergeramtskoffer.rules") == true)
    }

    @Test("The device-node check lists /dev/video* and spots missing permissions")
    func deviceNodes() async throws {
        let folder = temporaryPath("camera-dev")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(await CameraDeviceNodeCheck(devicesRoot: folder).run().status == .warning)
        FileManager.default.createFile(atPath: folder + "/video0", contents: Data())
        FileManager.default.createFile(atPath: folder + "/video-metadata", contents: Data())
        let present = await CameraDeviceNodeCheck(devicesRoot: folder).run()
        #expect(present.status == .ok)
        #expect(present.detail == folder + "/video0")
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: folder + "/video0")
        // root may open anything: the permission branch only shows for an ordinary user.
        if getuid() != 0 {
            #expect(await CameraDeviceNodeCheck(devicesRoot: folder).run().status == .failure)
        }
    }

    @Test("The kit's doctor runs the camera check after the fingerprint scanner; the fleet monitor the node check")
    func listed() {
        let names = Doctor.kit(stateDirectory: temporaryPath("x"), serverURL: nil, vpnInterface: nil, keys: nil)
            .checks.map(\.name)
        #expect(names.firstIndex(of: "camera") == (names.firstIndex(of: "fingerprint-scanner") ?? -2) + 1)
    }
}
