import Foundation
import KitDrivers

/// The camera for the biometric photo: the pipeline starts and one frame arrives; reports the
/// frame size and rate. Opens the camera, so only `kit-agent doctor` runs it, not the fleet monitor.
public struct CameraCheck: DoctorCheck {
    public let name = "camera"
    let source: CameraSource

    public init(source: CameraSource) {
        self.source = source
    }

    public func run() async -> DoctorFinding {
        let camera = GStreamerCamera(source: source)
        let report = await camera.checkHealth(.external, timeout: .seconds(4))
        guard report.healthy, let width = report.width, let height = report.height else {
            return .failure(
                name, "no picture from \(source.pipelineHead): " + (report.findings.last ?? "no frame"),
                fix: "plug in the camera (v4l2-ctl --list-devices lists it), install udev/70-buergeramtskoffer.rules "
                    + "and add the user to group kitdevices; compare camera.source")
        }
        let rate = report.framesPerSecond.map { String(format: "%.0f fps", $0) } ?? "frame rate not reported"
        let detail = "\(width)x\(height), \(rate) from \(source.pipelineHead)"
        if width < CameraMode.preview.width || height < CameraMode.preview.height {
            return .warning(
                name, detail + " (below 1280x720)", fix: "use a camera with at least 1280x720 for the token photo")
        }
        return .ok(name, detail)
    }
}

/// Video4linux cameras the system sees and whether this user may open them, without opening one
/// (for the fleet report: the clerk may be using the camera).
public struct CameraDeviceNodeCheck: DoctorCheck {
    public let name = "camera-device"
    let devicesRoot: String

    public init(devicesRoot: String = "/dev") {
        self.devicesRoot = devicesRoot
    }

    public func run() async -> DoctorFinding {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: devicesRoot)) ?? []
        let nodes = entries.filter { $0.hasPrefix("video") && Int($0.dropFirst(5)) != nil }.sorted()
        // A warning, not a failure: every step but the photo works without the camera.
        guard !nodes.isEmpty else {
            return .warning(
                name, "no video4linux camera (\(devicesRoot)/video*)",
                fix: "plug in the camera for the photo step; v4l2-ctl --list-devices must list it")
        }
        let denied = nodes.filter { access(devicesRoot + "/" + $0, R_OK | W_OK) != 0 }
        if !denied.isEmpty {
            return .failure(
                name, "no permission to open " + denied.map { devicesRoot + "/" + $0 }.joined(separator: ", "),
                fix: "install udev/70-buergeramtskoffer.rules, add the user to group kitdevices, replug")
        }
        return .ok(name, nodes.map { devicesRoot + "/" + $0 }.joined(separator: ", "))
    }
}
