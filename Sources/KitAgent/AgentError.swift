import KitCore

/// Why the kit agent could not do what was asked, worded for the clerk or IT staff.
public enum AgentError: Error, CustomStringConvertible {
    /// The configuration is wrong.
    case configuration(ConfigurationError)
    /// The state directory is unusable.
    case stateDirectory(StateDirectoryError)
    /// No agent runs with this state directory (or it stopped without cleaning up).
    case notRunning(stateDirectory: String)
    /// A runtime file in the state directory cannot be written or read.
    case runtimeFile(path: String, reason: String)
    /// The local API cannot listen.
    case listenFailed(port: Int, reason: String)
    /// The running agent answered the local API in an unexpected way.
    case localAPI(reason: String)
    /// The running agent refused the request and said why.
    case refused(reason: String)
    /// The agent did not answer a request within the client's wait (``DeviceWaitPolicy``): what
    /// became of a device step is not known here; the agent records it or refuses it on the device.
    case noAnswerInTime(request: String, seconds: Int)
    /// A key file cannot be used.
    case keys(KeyStoreError)
    /// The agent's database cannot be used.
    case storage(StorageError)
    /// The outbox failed.
    case outbox(OutboxError)
    /// `server.url` (`--server`) names another server than the one the kit was enrolled with.
    case serverNotEnrolled(configured: String, enrolled: String)

    public var description: String {
        switch self {
        case .configuration(let error): return error.description
        case .stateDirectory(let error): return error.description
        case .notRunning(let directory):
            return "no kit-agent is running with state directory \(directory): start it with `kit-agent run`"
        case .runtimeFile(let path, let reason): return "runtime file \(path) cannot be used: \(reason)"
        case .listenFailed(let port, let reason): return "local API cannot listen on 127.0.0.1:\(port): \(reason)"
        case .localAPI(let reason): return "the running kit-agent gave an unexpected answer: \(reason)"
        case .refused(let reason): return reason
        case .noAnswerInTime(let request, let seconds):
            return "kit-agent did not answer \(request) within \(seconds) s; whether the step was recorded is shown "
                + "by `kit-agent queue` (and `kit-agent pay --list` for a card payment) — do not simply repeat it"
        case .keys(let error): return error.description
        case .storage(let error): return error.description
        case .outbox(let error): return error.description
        case .serverNotEnrolled(let configured, let enrolled):
            return
                "server.url \(configured) is not the server this kit is enrolled with (\(enrolled)); the queue is "
                + "sealed and sent only to that server: to move the kit, enroll it with the new server "
                + "(sync-server kits enroll, then kit-agent enroll --server \(configured)), or leave --server out"
        }
    }
}
