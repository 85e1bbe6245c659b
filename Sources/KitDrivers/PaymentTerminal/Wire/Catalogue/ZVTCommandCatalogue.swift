/// How the data part of a listed command starts before its BMP fields (ZVT spec rev. 13.x,
/// chapters 2 and 3, the data block of each command).
public enum ZVTDataLayout: Sendable, Equatable {
    /// BMP fields only.
    case fields
    /// `[<password 3 BCD>] [BMP fields]`; empty data means no password.
    case password
    /// One untagged byte, then BMP fields (e.g. the fixed timeout of Read Card 06 C0).
    case leadingByte(String)
    /// Feig cVEND functions 0F A1: `[<password 3 BCD>] <function number, 2 bytes, high byte first>`.
    case cvendFunction
}

/// One entry of the ZVT command lists: control field, English name and data layout.
public struct ZVTCommandDescription: Sendable, Equatable {
    /// The CLASS byte.
    public let commandClass: UInt8
    /// The INSTR byte.
    public let instruction: UInt8
    /// English name as in the specification's command summary, e.g. "Read card".
    public let name: String
    /// How the data part is laid out.
    public let layout: ZVTDataLayout
}

/// The commands of the ZVT specification's ECR and PT command lists (rev. 13.x, "Summary of
/// commands") that have no dedicated type here, and the Feig cVEND extensions (Feig ZVT
/// manual: 08 13 change configuration, 08 14 write file, 0F A1 cVEND functions, 04 0C request
/// for data). Commands with their own type (registration, authorization, …) are not listed.
public enum ZVTCommandCatalogue {
    /// The entry for a control field, or `nil` when the command is neither in the lists nor typed.
    public static func description(commandClass: UInt8, instruction: UInt8) -> ZVTCommandDescription? {
        table[UInt16(commandClass) << 8 | UInt16(instruction)]
    }

    /// All listed commands in control-field order.
    public static var all: [ZVTCommandDescription] {
        table.values.sorted { ($0.commandClass, $0.instruction) < ($1.commandClass, $1.instruction) }
    }

    private static let table: [UInt16: ZVTCommandDescription] = {
        let entries: [(UInt8, UInt8, String, ZVTDataLayout)] = [
            // PT → ECR
            (0x04, 0x01, "Set date and time in ECR", .fields),
            (0x04, 0x0C, "Request for data", .fields),
            (0x04, 0x0D, "Input request", .fields),
            (0x04, 0x0E, "Menu request", .fields),
            // ECR → PT, class 06
            (0x06, 0x03, "Account balance request", .fields),
            (0x06, 0x04, "Activate card", .fields),
            (0x06, 0x05, "Procurement", .fields),
            (0x06, 0x09, "Top-up prepaid card", .fields),
            (0x06, 0x0A, "Tax free", .fields),
            (0x06, 0x0C, "Book tip", .fields),
            (0x06, 0x12, "Reprint receipts", .password),
            (0x06, 0x1A, "Print system configuration", .password),
            (0x06, 0x1B, "Set/reset terminal ID", .password),
            (0x06, 0x21, "Telephonic authorisation", .fields),
            (0x06, 0x22, "Pre-authorisation / reservation", .fields),
            (0x06, 0x23, "Partial reversal of a pre-authorisation", .fields),
            (0x06, 0x24, "Book total", .fields),
            (0x06, 0x25, "Pre-authorisation reversal", .fields),
            (0x06, 0x51, "Send offline transactions", .password),
            (0x06, 0x79, "Selftest", .password),
            (0x06, 0x85, "Display text (old version)", .fields),
            (0x06, 0x86, "Display text with numerical input (old version)", .fields),
            (0x06, 0x87, "PIN verification for customer card (old version)", .fields),
            (0x06, 0x88, "Display text with function-key input (old version)", .fields),
            (0x06, 0x91, "Set date and time in PT", .password),
            (0x06, 0x93, "Initialisation", .password),
            (0x06, 0x95, "Change password", .password),
            (0x06, 0xC0, "Read card", .leadingByte("timeout")),
            (0x06, 0xC6, "Send APDUs", .fields),
            (0x06, 0xD8, "Dial-up", .fields),
            (0x06, 0xD9, "Transmit data via dial-up", .fields),
            (0x06, 0xDA, "Receive data via dial-up", .fields),
            (0x06, 0xDB, "Hang-up", .fields),
            (0x06, 0xDD, "Transparent mode", .fields),
            (0x06, 0xE0, "Display text", .fields),
            (0x06, 0xE1, "Display text with function-key input", .fields),
            (0x06, 0xE2, "Display text with numerical input", .fields),
            (0x06, 0xE3, "PIN verification for customer card", .fields),
            (0x06, 0xE4, "Blocked-list query to ECR", .fields),
            (0x06, 0xE5, "MAC calculation", .fields),
            (0x06, 0xE6, "Card poll with authorisation", .fields),
            // ECR → PT, class 08
            (0x08, 0x01, "Activate service mode", .fields),
            (0x08, 0x02, "Switch protocol", .fields),
            (0x08, 0x10, "Software update", .password),
            (0x08, 0x11, "Read file", .password),
            (0x08, 0x12, "Delete file", .password),
            (0x08, 0x13, "Change configuration", .fields),
            (0x08, 0x14, "Write file", .password),
            (0x08, 0x20, "Start OPT action", .password),
            (0x08, 0x21, "Set OPT point-in-time", .password),
            (0x08, 0x22, "Start OPT pre-initialisation", .password),
            (0x08, 0x23, "Output OPT data", .password),
            (0x08, 0x24, "OPT out-of-order", .password),
            (0x08, 0x30, "Select language", .leadingByte("language")),
            (0x08, 0x40, "Change baud rate", .fields),
            (0x08, 0x50, "Activate card reader", .fields),
            // Feig cVEND
            (0x0F, 0xA1, "cVEND functions", .cvendFunction),
        ]
        var table: [UInt16: ZVTCommandDescription] = [:]
        for (commandClass, instruction, name, layout) in entries {
            table[UInt16(commandClass) << 8 | UInt16(instruction)] = ZVTCommandDescription(
                commandClass: commandClass, instruction: instruction, name: name, layout: layout)
        }
        return table
    }()
}
