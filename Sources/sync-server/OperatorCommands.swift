import ArgumentParser
import Foundation
import SyncServer

#if canImport(Glibc)
    import Glibc
#endif

extension SyncServerCommand {
    struct Operators: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Named back-office accounts for the admin pages.",
            discussion: """
                Each person who signs in to /admin gets an account; every conflict decision, evidence view and \
                re-delivery is recorded with that person. Roles: sachbearbeitung (cases, conflicts, evidence), \
                it (fleet, deliveries), datenschutz (reads everything that is logged, opens no evidence). Once \
                the first account exists, the operator token no longer signs in browsers (scripts keep using it \
                as a Bearer token).
                """,
            subcommands: [Add.self, List.self, Disable.self, Enable.self, Password.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Create an account; the password is read from the terminal or one line of standard input.")
            @OptionGroup var options: StoreOptions
            @Argument(help: "Login name: a-z 0-9 . _ -, e.g. pschmidt.") var name: String
            @Option(help: "The person's name as pages and the audit trail show it.") var displayName: String
            @Option(help: "sachbearbeitung, it or datenschutz.") var role: String

            func validate() throws {
                guard OperatorAccount.isValidName(name) else {
                    throw ValidationError("name: 1 to 64 characters a-z 0-9 . _ -")
                }
                guard OperatorAccount.isValidDisplayName(displayName) else {
                    throw ValidationError("--display-name: 1 to 100 printable characters")
                }
                guard OperatorRole(rawValue: role) != nil else {
                    throw ValidationError("--role: sachbearbeitung, it or datenschutz")
                }
            }

            func run() async throws {
                let password = try PasswordPrompt.read()
                let store = try await options.application().openStore()
                let account = OperatorAccount(
                    name: name, displayName: displayName.trimmingCharacters(in: .whitespaces),
                    role: OperatorRole(rawValue: role) ?? .backOffice, createdAt: Date())
                do {
                    try await store.addOperator(
                        account, password: try OperatorPassword.hashing(password), by: "sync-server operators add")
                } catch {
                    await store.close()
                    throw error
                }
                await store.close()
                print("operator \(name) (\(account.role.label)) created")
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the accounts.")
            @OptionGroup var options: StoreOptions
            func run() async throws {
                let store = try await options.application().openStore()
                let accounts = try await store.operators()
                await store.close()
                for account in accounts {
                    print(
                        "\(account.name)  \(account.displayName)  \(account.role.rawValue)  "
                            + (account.active ? "active" : "disabled"))
                }
            }
        }

        struct Disable: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Disable an account and end its sessions (it stays in the audit trail).")
            @OptionGroup var options: StoreOptions
            @Argument(help: "Login name.") var name: String
            func run() async throws {
                try await setActive(options: options, name: name, active: false)
                print("operator \(name) disabled; its sessions are ended")
            }
        }

        struct Enable: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Enable a disabled account again.")
            @OptionGroup var options: StoreOptions
            @Argument(help: "Login name.") var name: String
            func run() async throws {
                try await setActive(options: options, name: name, active: true)
                print("operator \(name) enabled")
            }
        }

        struct Password: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Set a new password (read like for add) and end the account's sessions.")
            @OptionGroup var options: StoreOptions
            @Argument(help: "Login name.") var name: String
            func run() async throws {
                let password = try PasswordPrompt.read()
                let store = try await options.application().openStore()
                let changed = try await store.setOperatorPassword(
                    name: name, password: try OperatorPassword.hashing(password), by: "sync-server operators password")
                await store.close()
                guard changed else { throw ValidationError("no operator named \(name)") }
                print("password of \(name) set; its sessions are ended")
            }
        }

        static func setActive(options: StoreOptions, name: String, active: Bool) async throws {
            let store = try await options.application().openStore()
            let changed = try await store.setOperatorActive(
                name: name, active: active, by: "sync-server operators \(active ? "enable" : "disable")")
            await store.close()
            guard changed else { throw ValidationError("no operator named \(name)") }
        }
    }
}

/// Reads a new password: twice from the terminal with echo off, or one line of standard input.
enum PasswordPrompt {
    static func read() throws -> String {
        let password: String
        if isatty(STDIN_FILENO) == 1 {
            password = try silentLine(prompt: "Passwort: ")
            guard try silentLine(prompt: "Passwort wiederholen: ") == password else {
                throw ValidationError("the two passwords differ")
            }
        } else {
            guard let line = readLine(strippingNewline: true) else {
                throw ValidationError("no password on standard input")
            }
            password = line
        }
        guard password.count >= OperatorPassword.minimumLength else {
            throw ValidationError("the password needs at least \(OperatorPassword.minimumLength) characters")
        }
        return password
    }

    private static func silentLine(prompt: String) throws -> String {
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
        guard let line = readLine(strippingNewline: true) else { throw ValidationError("no password entered") }
        return line
    }
}
