import Foundation
import KitDrivers
import KitTestSupport

/// Real processes for the PC/SC integration tests: pcscd (with vsmartcard's vpcd readers) and
/// Debian's vicc. Children are spawned with an empty signal mask (the test runner's threads block
/// signals, which children would inherit and then ignore SIGTERM), stopped with SIGTERM, then
/// SIGKILL after a grace period, and always reaped.
enum PCSCTestRig {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let pcscd = "/usr/sbin/pcscd"
    static let vpcdConfig = "/etc/reader.conf.d/vpcd"
    static let python = "/usr/bin/python3"
    static let vicc = "/usr/bin/vicc"
    static let viccModules = "/usr/lib/python3/site-packages/virtualsmartcard"
    static let cryptodome = "/usr/lib/python3/dist-packages/Cryptodome"

    /// Missing Debian packages, each with the package name.
    static var missingPackages: [String] {
        var missing: [String] = []
        let files = FileManager.default
        if !files.isExecutableFile(atPath: pcscd) { missing.append("pcscd") }
        if !files.fileExists(atPath: vpcdConfig) { missing.append("vsmartcard-vpcd") }
        if !files.fileExists(atPath: vicc) { missing.append("vsmartcard-vpicc") }
        if !files.fileExists(atPath: viccModules) { missing.append("python3-virtualsmartcard") }
        if !files.fileExists(atPath: cryptodome) { missing.append("python3-pycryptodome") }
        return missing
    }

    /// Run the suite when everything is installed, and always in CI (where a missing package
    /// must fail loudly instead of skipping).
    static var shouldRun: Bool {
        if missingPackages.isEmpty { return true }
        if TestRigs.required { return true }
        print("Skipping PC/SC integration tests: missing Debian packages \(missingPackages.joined(separator: " "))")
        return false
    }

    static func requirePackages() throws {
        let missing = missingPackages
        guard missing.isEmpty else {
            throw Failure(
                description: "PC/SC integration tests need the Debian packages \(missing.joined(separator: " ")): "
                    + "run scripts/setup")
        }
    }

    /// Spawns `path` with `arguments`, output discarded, signals unblocked and at their defaults.
    static func spawn(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard result == 0 else { throw Failure(description: "cannot start \(path): error \(result)") }
        return pid
    }

    /// SIGTERM, SIGKILL after `grace` seconds, then reap.
    static func stop(_ pid: pid_t, grace: TimeInterval = 2) {
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        var status: Int32 = 0
        while Date() < deadline {
            if waitpid(pid, &status, WNOHANG) == pid { return }
            Thread.sleep(forTimeInterval: 0.02)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
    }

    /// SIGKILL and reap (a card pulled at once).
    static func killNow(_ pid: pid_t) {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}

/// A pcscd of our own for one test: started in the foreground, waited for until it offers the two
/// vpcd readers, stopped and reaped by ``stop()``. If another pcscd already runs it is used and
/// left alone.
final class PCSCTestDaemon {
    private(set) var pid: pid_t?

    init() throws {
        try PCSCTestRig.requirePackages()
        Self.waitForSiblingDaemons()
        if (try? PCSCContext()) != nil {
            pid = nil
            return
        }
        try start()
    }

    /// Another suite of this test process may own a pcscd right now (the older `PCSCDaemon`
    /// helper); it stops it when its test ends. Using that daemon meanwhile would lose it mid-test,
    /// so wait (at most 8 s) until no pcscd child of this process is left.
    static func waitForSiblingDaemons() {
        let deadline = Date().addingTimeInterval(8)
        while Date() < deadline && !siblingDaemons().isEmpty {
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Live pcscd processes whose parent is this test process.
    static func siblingDaemons() -> [pid_t] {
        let me = getpid()
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")"), open < close
            else { return nil }
            let name = stat[stat.index(after: open)..<close]
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            // fields[0] is the state, fields[1] the parent pid; zombies are gone already.
            guard name == "pcscd", fields.count > 1, fields[0] != "Z", pid_t(fields[1]) == me else { return nil }
            return pid
        }
    }

    func start() throws {
        pid = try PCSCTestRig.spawn(PCSCTestRig.pcscd, ["--foreground"])
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let readers = try? PCSCContext().readers(), readers.count >= 2 { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        stop()
        throw PCSCTestRig.Failure(description: "pcscd started but offered no vpcd readers within 10 s")
    }

    func stop() {
        guard let pid else { return }
        PCSCTestRig.stop(pid)
        self.pid = nil
    }

    deinit { stop() }
}

/// Debian's vicc as a plain ISO 7816 card on the first virtual reader.
///
/// Debian 12 installs the module under `/usr/lib/python3/site-packages/virtualsmartcard/` and vicc
/// imports PyCrypto's `Crypto` package, which Debian ships as `Cryptodome`: a temporary folder
/// with a `Crypto` link bridges both.
final class VICCCard {
    private var pid: pid_t?
    private let shim: URL

    init(port: UInt16 = 35963) throws {
        try PCSCTestRig.requirePackages()
        shim = FileManager.default.temporaryDirectory.appendingPathComponent("vicc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: shim, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: shim.appendingPathComponent("Crypto").path, withDestinationPath: PCSCTestRig.cryptodome)
        pid = try PCSCTestRig.spawn(
            PCSCTestRig.python, [PCSCTestRig.vicc, "-t", "iso7816", "-P", String(port)],
            environment: ["PYTHONPATH": "\(PCSCTestRig.viccModules):\(shim.path)"])
    }

    /// Pulls the card (vicc killed: its socket closes at once).
    func remove() {
        guard let pid else { return }
        PCSCTestRig.killNow(pid)
        self.pid = nil
    }

    deinit {
        remove()
        try? FileManager.default.removeItem(at: shim)
    }
}

/// Collects events of a stream (monitor or device) with arrival times, from one consumer task.
actor PCSCEventRecorder<Event: Sendable> {
    private(set) var events: [(event: Event, at: ContinuousClock.Instant)] = []
    private var task: Task<Void, Never>?

    func start(_ stream: AsyncStream<Event>) {
        task = Task { [weak self] in
            for await event in stream { await self?.append(event) }
        }
    }

    private func append(_ event: Event) {
        events.append((event, ContinuousClock.now))
    }

    /// Waits until an event matching `predicate` arrived after `since`; returns its arrival time.
    func waitFor(
        since: ContinuousClock.Instant = .now - .seconds(3600), timeout: Duration = .seconds(5),
        _ predicate: @Sendable (Event) -> Bool
    ) async -> ContinuousClock.Instant? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let hit = events.first(where: { $0.at >= since && predicate($0.event) }) { return hit.at }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }
}
