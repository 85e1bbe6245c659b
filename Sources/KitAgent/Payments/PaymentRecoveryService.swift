import Logging
import ServiceLifecycle

/// Resolves open payment intents with the terminal (ZVT spec rev. 13.x status enquiry 05 01,
/// repeat receipt 06 20): once at start-up, then while any remain with growing pauses
/// (`initialDelay` doubling up to `maximumDelay`), and every `idleInterval` it looks for new ones
/// (a payment whose outcome became unknown while the agent runs).
struct PaymentRecoveryService: Service, CustomStringConvertible {
    let desk: PaymentDesk
    let initialDelay: Duration
    let maximumDelay: Duration
    let idleInterval: Duration
    let logger: Logger

    init(
        desk: PaymentDesk, initialDelay: Duration = .seconds(1), maximumDelay: Duration = .seconds(60),
        idleInterval: Duration = .seconds(2), logger: Logger
    ) {
        self.desk = desk
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.idleInterval = idleInterval
        self.logger = logger
    }

    var description: String { "PaymentRecoveryService" }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var delay = initialDelay
            while !Task.isCancelled {
                let round = await desk.recoverUnresolved()
                let pause: Duration
                if round.remaining == 0 {
                    delay = initialDelay
                    pause = idleInterval
                } else {
                    if round.resolved > 0 { delay = initialDelay }
                    pause = delay
                    delay = min(delay * 2, maximumDelay)
                    logger.info(
                        "payments with unknown outcome remain",
                        metadata: ["count": "\(round.remaining)", "nextAttemptSeconds": "\(pause.components.seconds)"])
                }
                do { try await Task.sleep(for: pause) } catch { return }
            }
        }
    }
}
