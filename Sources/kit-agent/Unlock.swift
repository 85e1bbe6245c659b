import ArgumentParser
import Foundation
import KitAgent

#if canImport(Glibc)
    import Glibc
#endif

extension KitAgentCommand {
    struct Unlock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Unlock the kit with your secret, so case data can be read.",
            discussion: """
                Asks who is unlocking (your clerk id, e.g. anna.schmidt; or give --clerk), then your secret, \
                read from the terminal without echo, or both lines from standard input when it is not a \
                terminal. Every step recorded until the kit is locked is recorded under your name; an unlock \
                by another clerk than the last one records the hand-over of the kit. With --initialize the \
                secret becomes the first clerk's secret of a new kit (at least 8 characters).
                """
        )

        @OptionGroup var options: AgentOptions

        @Flag(help: "Set the unlock secret of a kit that has none yet.")
        var initialize = false

        @Option(help: "Your clerk id (asked when not given).")
        var clerk: String?

        @Option(help: "With --initialize: the first clerk's name as shown on the clerk page.")
        var name: String?

        func run() async throws {
            let stateDirectory = try await options.resolveStateDirectory()
            let client = try LocalAPIClient(stateDirectory: stateDirectory)
            // At a terminal the kit asks who is unlocking; a script without --clerk unlocks with
            // whichever clerk's slot the secret opens.
            let clerkId =
                try clerk
                ?? (isatty(STDIN_FILENO) == 1 ? ClerkPrompt.read(prompt: "Wer entsperrt? Ihre Kennung: ") : nil)
            let secret = try SecretPrompt.read(prompt: initialize ? "New unlock secret: " : "Unlock secret: ")
            if initialize && isatty(STDIN_FILENO) == 1 {
                guard try SecretPrompt.read(prompt: "Repeat the secret: ") == secret else {
                    throw ValidationError("the two secrets differ; nothing was changed")
                }
            }
            try await client.unlock(secret: secret, initialize: initialize, clerk: clerkId, name: name)
            let who = clerkId.map { " für \($0)" } ?? ""
            print(initialize ? "Geheimnis gesetzt; der Koffer ist\(who) entsperrt" : "Der Koffer ist\(who) entsperrt")
        }
    }

    struct Lock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lock the kit now (case data unreadable until unlocked).")

        @OptionGroup var options: AgentOptions

        func run() async throws {
            let stateDirectory = try await options.resolveStateDirectory()
            try await LocalAPIClient(stateDirectory: stateDirectory).lock()
            print("the kit is locked")
        }
    }
}

/// Reads a secret: from the terminal with echo off, or one line from standard input.
enum SecretPrompt {
    static func read(prompt: String) throws -> String {
        guard isatty(STDIN_FILENO) == 1 else {
            guard let line = readLine(strippingNewline: true) else {
                throw ValidationError("no secret on standard input")
            }
            return line
        }
        FileHandle.standardError.write(Data(prompt.utf8))
        var saved = termios()
        tcgetattr(STDIN_FILENO, &saved)
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSANOW, &silent)
        defer {
            tcsetattr(STDIN_FILENO, TCSANOW, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let line = readLine(strippingNewline: true) else { throw ValidationError("no secret entered") }
        return line
    }
}
