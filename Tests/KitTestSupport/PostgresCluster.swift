import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A throwaway PostgreSQL 15 cluster for tests (shared/RIGS.md, "Databases"), started once per
/// test process and shared by every test; each test asks for a fresh database of its own.
///
/// How it runs: `initdb` as user `postgres` (trust authentication, `--no-sync`) into a new
/// folder under the temporary directory; the server listens on 127.0.0.1 on a free port with its
/// socket inside the data directory, with durability switched off (a test cluster).
/// The server is a direct child of the test process (`setpriv` drops to the `postgres` user and
/// execs the server; `pg_ctl start` would leave the server an orphan of PID 1, which does not
/// reap it here), so stopping it — `pg_ctl -m fast -w stop` from ``stop()``, or SIGINT (the same
/// fast shutdown) from an exit handler when the test process ends — is followed by reaping it:
/// no zombie, no orphan, and the folder is removed. A cluster left behind by a test process that
/// crashed is stopped and removed by the next test process that starts one.
///
/// Not root: the same commands run as the current user. Not installed: ``isInstalled`` is false;
/// tests skip with ``missingMessage`` unless the environment variable CI is set (then they fail).
public actor PostgresCluster {
    /// The cluster of this test process.
    public static let shared = PostgresCluster()

    /// A cluster of its own (most tests use ``shared``).
    public init() {}

    /// Where the running cluster answers.
    public struct Endpoint: Sendable, Equatable {
        public let host: String
        public let port: Int
        /// The superuser, authenticated by trust.
        public let username: String
        public let dataDirectory: String
    }

    /// Why the cluster could not be used, in a sentence for whoever runs the tests.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Folder of the PostgreSQL 15 programs (`POSTGRES_BIN_DIR` overrides).
    public static var binDirectory: String {
        ProcessInfo.processInfo.environment["POSTGRES_BIN_DIR"] ?? "/usr/lib/postgresql/15/bin"
    }

    /// Whether the server programs are there.
    public static var isInstalled: Bool {
        ["initdb", "postgres", "pg_ctl", "pg_isready", "psql"].allSatisfy {
            FileManager.default.isExecutableFile(atPath: binDirectory + "/" + $0)
        } && (getuid() != 0 || FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"))
    }

    /// Whether a missing PostgreSQL is a failure (under scripts/test) rather than a reason to skip.
    public static var isRequired: Bool { TestRigs.required }

    /// Whether PostgreSQL tests should run: installed, or required (and then failing clearly).
    public static var shouldRun: Bool { isInstalled || isRequired }

    public static let missingMessage =
        "PostgreSQL 15 is not installed (apt-get install --no-install-recommends postgresql-15): "
        + "PostgreSQL tests are skipped; under scripts/test (KIT_REQUIRE_RIGS=1) they fail"

    private var starting: Task<Endpoint, any Error>?
    private var server: Process?
    private var folder: String?

    /// Starts the cluster on first use; later calls return the same endpoint.
    public func start() async throws -> Endpoint {
        if let starting { return try await starting.value }
        let task = Task { try await self.launch() }
        starting = task
        return try await task.value
    }

    /// A new, empty database on the cluster (named after `prefix` and a random suffix).
    public func createDatabase(prefix: String = "t") async throws -> String {
        let endpoint = try await start()
        let suffix = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let name = "\(prefix.lowercased().filter { $0.isLetter || $0.isNumber || $0 == "_" })_\(suffix)"
        let result = try await Self.execute(
            Self.binDirectory + "/psql",
            [
                "-h", endpoint.host, "-p", "\(endpoint.port)", "-U", endpoint.username, "-d", "postgres", "-X", "-q",
                "-v", "ON_ERROR_STOP=1", "-c", "CREATE DATABASE \(name)",
            ])
        guard result.status == 0 else {
            throw Failure(description: "CREATE DATABASE \(name) failed: \(result.output)")
        }
        return name
    }

    /// Stops the cluster (`pg_ctl -m fast -w stop`), reaps the server and removes its folder.
    /// Optional: the exit handler does the same when the test process ends.
    public func stop() async {
        guard let server, let folder else { return }
        let data = folder + "/data"
        _ = try? await Self.execute(
            Self.binDirectory + "/pg_ctl", ["-D", data, "-m", "fast", "-w", "-t", "20", "stop"], asPostgres: true)
        await Self.waitForExit(server)
        try? FileManager.default.removeItem(atPath: folder)
        postgresClusterAtExit.withLock { $0[server.processIdentifier] = nil }
        self.server = nil
        self.folder = nil
        starting = nil
    }

    // MARK: Start

    private func launch() async throws -> Endpoint {
        guard Self.isInstalled else {
            throw Failure(
                description: Self.isRequired
                    ? "PostgreSQL 15 is not installed (looked in \(Self.binDirectory)) and CI is set, so this "
                        + "fails: apt-get install --no-install-recommends postgresql-15"
                    : Self.missingMessage)
        }
        Self.removeAbandonedClusters()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "\(Self.folderPrefix)\(UUID().uuidString.prefix(8))"
        ).path
        let data = folder + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try Data("\(getpid())\n".utf8).write(to: URL(fileURLWithPath: folder + "/owner.pid"))
        self.folder = folder
        if getuid() == 0 {
            guard let user = getpwnam("postgres") else {
                throw Failure(description: "there is no user postgres (it comes with the postgresql-15 package)")
            }
            guard chown(data, user.pointee.pw_uid, user.pointee.pw_gid) == 0 else {
                throw Failure(description: "cannot hand \(data) to user postgres: \(String(cString: strerror(errno)))")
            }
        }
        let initdb = try await Self.execute(
            Self.binDirectory + "/initdb",
            ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"],
            asPostgres: true)
        guard initdb.status == 0 else {
            try? FileManager.default.removeItem(atPath: folder)
            throw Failure(description: "initdb failed: \(initdb.output)")
        }
        var lastProblem = ""
        for _ in 1...3 {
            let port = try Self.freePort()
            let server = try startServer(data: data, port: port, log: folder + "/server.log")
            if try await Self.waitUntilReady(port: port, server: server) {
                postgresClusterAtExit.withLock { $0[server.processIdentifier] = folder }
                Self.registerExitHandler()
                return Endpoint(host: "127.0.0.1", port: port, username: "postgres", dataDirectory: data)
            }
            await Self.waitForExit(server)
            lastProblem = (try? String(contentsOfFile: folder + "/server.log", encoding: .utf8)) ?? ""
            // A port taken between choosing and binding: try another one.
            guard lastProblem.contains("could not bind") || lastProblem.contains("already in use") else { break }
        }
        try? FileManager.default.removeItem(atPath: folder)
        throw Failure(description: "PostgreSQL did not start: \(lastProblem.suffix(2000))")
    }

    private func startServer(data: String, port: Int, log: String) throws -> Process {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        output.seekToEndOfFile()
        let process = Process()
        let arguments = [
            "-D", data, "-p", "\(port)", "-k", data,
            "-c", "listen_addresses=127.0.0.1",
            // A throwaway cluster: no durability, room for many parallel tests.
            "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
            "-c", "max_connections=300",
        ]
        Self.configure(process, Self.binDirectory + "/postgres", arguments, asPostgres: true)
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? output.close()
        server = process
        return process
    }

    private static func waitUntilReady(port: Int, server: Process) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            guard server.isRunning else { return false }
            let probe = try await execute(
                binDirectory + "/pg_isready", ["-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-t", "1"])
            if probe.status == 0 { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        server.interrupt()
        return false
    }

    // MARK: Processes

    static let folderPrefix = "kit-test-pg-"

    /// Runs a program to its end; its output (stdout and stderr) comes back as text.
    static func execute(
        _ executable: String, _ arguments: [String], asPostgres: Bool = false
    ) async throws -> (status: Int32, output: String) {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent(
            "\(folderPrefix)out-\(getpid())-\(UUID().uuidString)"
        ).path
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        let process = Process()
        configure(process, executable, arguments, asPostgres: asPostgres)
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { finished in continuation.resume(returning: finished.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        try? output.close()
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return (status, text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// As root, drops to user postgres with `setpriv` (which execs: the program stays our child).
    private static func configure(_ process: Process, _ executable: String, _ arguments: [String], asPostgres: Bool) {
        if asPostgres && getuid() == 0 {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments =
                ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
        environment["PGCONNECT_TIMEOUT"] = "5"
        environment["LC_ALL"] = "C.UTF-8"
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
    }

    private static func waitForExit(_ process: Process) async {
        let deadline = ContinuousClock.now + .seconds(20)
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    private static func freePort() throws -> Int {
        do {
            return try ListeningSocket().port
        } catch {
            throw Failure(description: "no free loopback port for PostgreSQL")
        }
    }

    /// Stops and removes clusters (and output files) whose test process is gone: it was killed
    /// before its exit handler ran.
    private static func removeAbandonedClusters() {
        let temporary = FileManager.default.temporaryDirectory.path
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: temporary) else { return }
        func isGone(_ pid: pid_t?) -> Bool {
            guard let pid, pid > 0 else { return false }
            return kill(pid, 0) != 0 && errno == ESRCH
        }
        for name in names where name.hasPrefix(folderPrefix) {
            let path = temporary + "/" + name
            if name.hasPrefix(folderPrefix + "out-") {
                let owner = name.dropFirst(folderPrefix.count + 4).split(separator: "-").first.flatMap { pid_t($0) }
                if isGone(owner) { try? FileManager.default.removeItem(atPath: path) }
                continue
            }
            let owner = (try? String(contentsOfFile: path + "/owner.pid", encoding: .utf8)).flatMap {
                pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            guard isGone(owner) else { continue }
            // Only a server that still runs on this folder (the pid may have been reused).
            if let pidText = try? String(contentsOfFile: path + "/data/postmaster.pid", encoding: .utf8),
                let line = pidText.split(separator: "\n").first, let server = pid_t(line), server > 0,
                let command = try? String(contentsOfFile: "/proc/\(server)/cmdline", encoding: .utf8),
                command.contains(path + "/data")
            {
                kill(server, SIGKILL)
            }
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    private static let exitHandlerRegistered = Mutex(false)

    private static func registerExitHandler() {
        let first = exitHandlerRegistered.withLock { registered in
            defer { registered = true }
            return !registered
        }
        if first { atexit { stopClusterAtExit() } }
    }
}

/// The running servers and their folders, for the exit handler (which can capture nothing).
private let postgresClusterAtExit = Mutex<[pid_t: String]>([:])

/// Fast shutdown (SIGINT, what `pg_ctl -m fast` sends), reap, remove the folder.
private func stopClusterAtExit() {
    let clusters = postgresClusterAtExit.withLock { $0 }
    for pid in clusters.keys { kill(pid, SIGINT) }
    for (pid, folder) in clusters {
        var status: Int32 = 0
        var reaped = false
        for _ in 0..<500 {
            let result = waitpid(pid, &status, WNOHANG)
            // -1: already reaped by Foundation's process monitor.
            if result == pid || result == -1 {
                reaped = true
                break
            }
            usleep(20_000)
        }
        if !reaped {
            kill(pid, SIGKILL)
            _ = waitpid(pid, &status, 0)
        }
        try? FileManager.default.removeItem(atPath: folder)
    }
}
