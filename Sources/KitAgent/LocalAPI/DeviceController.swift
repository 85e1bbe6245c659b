import Hummingbird
import KitCore

extension DeviceHealthSummary: ResponseEncodable {}

/// `GET /v1/devices[?refresh=true]`: device health as the agent's checks last saw it (smart-card
/// service and readers, USB devices and their permissions, VPN interface, disk, queue); with
/// `refresh=true` the checks run first. `kit-agent doctor` runs the fuller set, including the
/// checks that open a device.
struct DeviceController<Context: RequestContext> {
    let health: DeviceHealthMonitor

    func register(on group: RouterGroup<Context>) {
        group.get("devices") { request, _ -> [DeviceHealthSummary] in
            if request.uri.queryParameters.get("refresh") == "true" {
                return await health.refresh()
            }
            return await health.latest
        }
    }
}

/// `GET /v1/events` without a WebSocket upgrade (the upgrade itself is ``EventStreamUpgrade``).
struct EventStreamController<Context: RequestContext> {
    func register(on group: RouterGroup<Context>) {
        group.get("events") { _, _ -> Response in
            throw HTTPError(
                .upgradeRequired, headers: [.upgrade: "websocket"],
                message: "the event stream is a WebSocket: connect with an Upgrade: websocket request")
        }
    }
}
