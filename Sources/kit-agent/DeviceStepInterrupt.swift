import Dispatch
import Foundation
import KitAgent
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Ctrl-C (SIGINT) or SIGTERM while `kit-agent sign`, `fingerprints`, `identity` or `address` waits
/// for its device step in the agent (issue #19): the step is cancelled there like the clerk's
/// "Abbrechen" on the page — the pad cleared, the scanner and reader closed, nothing recorded —
/// instead of leaving the agent waiting for a pen nobody holds after the command has gone. The
/// command then ends with the agent's answer ("cancelled, nothing saved"). A second Ctrl-C ends
/// the command at once (the agent's own limit still ends the step).
enum DeviceStepInterrupt {
    static func cancellingOnInterrupt<T>(
        _ client: LocalAPIClient, caseId: String, _ body: () async throws -> T
    ) async throws -> T {
        let interrupts = Mutex(0)
        let sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                let count = interrupts.withLock { count in
                    count += 1
                    return count
                }
                guard count == 1 else { exit(130) }
                FileHandle.standardError.write(Data("kit-agent: cancelling the step at the device …\n".utf8))
                Task {
                    do {
                        let cancelled = try await client.cancelDeviceStep(caseId: caseId)
                        FileHandle.standardError.write(
                            Data("kit-agent: \(cancelled.step) cancelled (transaction \(cancelled.seq))\n".utf8))
                    } catch {
                        // Nothing waited any more (the step had just ended): its own answer follows.
                        FileHandle.standardError.write(Data("kit-agent: nothing to cancel: \(error)\n".utf8))
                    }
                }
            }
            source.resume()
            return source
        }
        defer {
            for source in sources { source.cancel() }
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
        }
        return try await body()
    }
}
