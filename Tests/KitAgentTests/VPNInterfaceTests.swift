import Foundation
import KitAgent
import KitCore
import KitTestSupport
import Testing

/// A `/sys/class/net`-shaped folder whose interface attributes the test sets.
struct InterfaceFolder {
    let root = temporaryPath("sysfs-net")

    func set(_ name: String, flags: String, operstate: String) throws {
        let directory = root + "/" + name
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data((flags + "\n").utf8).write(to: URL(fileURLWithPath: directory + "/flags"))
        try Data((operstate + "\n").utf8).write(to: URL(fileURLWithPath: directory + "/operstate"))
    }

    func remove(_ name: String) throws {
        try FileManager.default.removeItem(atPath: root + "/" + name)
    }
}

/// Counts the reachable-handler calls of a link monitor.
actor Calls {
    private(set) var count = 0
    func add() { count += 1 }
}

@Suite("VPN interface watch", .serialized)
struct VPNInterfaceTests {
    @Test(arguments: [
        ("0x1091", "unknown", VPNInterfaceState.up),  // wireguard-go's TUN: no carrier, IFF_UP set
        ("0x1003", "up", .up),
        ("0x1002", "down", .down),  // administratively down
        ("0x1003", "lowerlayerdown", .down),  // veth whose peer is down
        ("0x1090", "unknown", .down),  // IFF_UP cleared
        ("garbage", "up", .up),  // unreadable flags: operstate decides
    ])
    func stateFromKernelAttributes(flags: String, operstate: String, expected: VPNInterfaceState) {
        #expect(VPNInterfaceState.decide(flags: flags, operstate: operstate) == expected)
    }

    @Test func missingOrHostileNamesAreAbsent() throws {
        let folder = InterfaceFolder()
        try folder.set("wg0", flags: "0x1091", operstate: "unknown")
        #expect(VPNInterfaceState.read("wg0", root: folder.root) == .up)
        for name in ["wg1", "", "..", "../wg0", "wg0/../wg0"] {
            #expect(VPNInterfaceState.read(name, root: folder.root) == .absent, "\(name)")
        }
    }

    @Test func aDownInterfaceMakesTheLinkUnreachableAtOnceAndUpProbesAtOnce() async throws {
        let folder = InterfaceFolder()
        try folder.set("wg0", flags: "0x1090", operstate: "down")
        try await withSyncServer(tls: false) { port in
            let url = try AgentConfiguration.parseServerURL("http://127.0.0.1:\(port)")
            let link = LinkMonitor(
                serverURL: url, interval: 3600, timeout: 2, vpnInterface: "wg0", sysfsRoot: folder.root,
                logger: quietLogger())
            let calls = Calls()
            await link.onReachable { await calls.add() }

            // The server runs, but the tunnel is down: no probe goes out, the reason names the interface.
            let down = await link.probe()
            #expect(down.reachability == .unreachable)
            #expect(down.vpnInterfaceState == "down")
            #expect(down.lastError?.contains("VPN interface wg0 is down") == true)
            #expect(down.roundTripMilliseconds == nil)

            // The tunnel comes back: the watch probes at once, without waiting for the interval.
            try folder.set("wg0", flags: "0x1091", operstate: "unknown")
            await link.watchInterface()
            let up = await link.status
            #expect(up.reachability == .reachable)
            #expect(up.vpnInterfaceState == "up")
            #expect(await calls.count == 1)

            // The VPN software stops and removes its interface: unreachable at once, reason says so.
            try folder.remove("wg0")
            await link.watchInterface()
            let gone = await link.status
            #expect(gone.reachability == .unreachable)
            #expect(gone.vpnInterfaceState == "absent")
            #expect(gone.lastError?.contains("does not exist") == true)
        }
    }

    @Test func aRealVethPairIsFollowed() async throws {
        // A real kernel interface, where the test may create one (root with iproute2, as in CI).
        guard getuid() == 0,
            FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip")
                || FileManager.default.isExecutableFile(atPath: "/sbin/ip")
        else {
            try #require(!TestRigs.required, Comment(rawValue: TestRigs.reason("not root or no iproute2")))
            print("note: \(TestRigs.reason("not root or no iproute2"))")
            return
        }
        let name = "kitv\(getpid() % 100_000)"
        func ip(_ arguments: String...) throws -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["ip"] + arguments
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
        }
        guard try ip("link", "add", name, "type", "veth", "peer", "name", name + "p") == 0 else {
            try #require(!TestRigs.required, Comment(rawValue: TestRigs.reason("cannot create a veth pair")))
            print("note: \(TestRigs.reason("cannot create a veth pair"))")
            return
        }
        defer { _ = try? ip("link", "del", name) }
        #expect(VPNInterfaceState.read(name) == .down)
        #expect(try ip("link", "set", name, "up") == 0)
        #expect(try ip("link", "set", name + "p", "up") == 0)
        var state = VPNInterfaceState.down
        for _ in 0..<40 where state != .up {
            state = VPNInterfaceState.read(name)
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(state == .up)
        #expect(try ip("link", "set", name + "p", "down") == 0)
        for _ in 0..<40 where state != .down {
            state = VPNInterfaceState.read(name)
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(state == .down, "operstate lowerlayerdown when the peer is down")
    }
}
