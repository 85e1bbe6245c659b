import KitDrivers

extension NPAAuthenticationTerminalRights {
    /// The rights of the kit's Änderungsterminal: identity check (read DG1-DG10 and DG13: document
    /// type, issuing state, expiry, names, doctoral degree, date and place of birth, nationality,
    /// birth name), read and write DG17 (place of residence) and DG18 (municipality ID), CAN allowed.
    public static let changeTerminal: Self = {
        var rights: Self = [.canAllowed]
        for group in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 17, 18] { rights.insert(.read(dataGroup: group)) }
        rights.insert(.write(dataGroup: 17))
        rights.insert(.write(dataGroup: 18))
        return rights
    }()
}
