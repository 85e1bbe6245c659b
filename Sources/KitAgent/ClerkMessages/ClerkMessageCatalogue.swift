/// The German texts of ``ClerkMessage`` (Bürgeramt wording: what happened, what to do).
/// `{name}` is a placeholder that ``ClerkText`` fills.
public enum ClerkMessageCatalogue {
    /// The texts by key.
    public static let german: [ClerkMessage: String] = [
        .caseLocked: "Der Koffer ist gesperrt. Bitte mit dem Koffer-Kennwort entsperren.",
        .caseNotOnKit:
            "Dieser Vorgang ist nicht auf diesem Koffer. Sobald das Stadtnetz erreichbar ist, holt der Koffer die "
            + "zugeteilten Vorgänge ab; sonst bitte das Back Office fragen.",
        .caseDamaged:
            "Die gespeicherten Daten dieses Vorgangs sind nicht lesbar. Bitte die IT anrufen: Der Vorgang muss neu "
            + "abgeholt werden.",
        .storageFailed:
            "Der Koffer kann seine Daten gerade nicht lesen oder speichern. Es wurde nichts gespeichert. Bitte die IT "
            + "anrufen.",
        .unlockWrongSecret: "Das Kennwort stimmt nicht. Noch {remaining} Versuche, dann muss der Koffer warten.",
        .unlockWrongSecretWait:
            "Das Kennwort stimmt nicht. Vor dem nächsten Versuch muss der Koffer jetzt eine Weile warten.",
        .unlockLockedOut: "Zu viele falsche Kennwörter: Der Koffer ist bis {until} Uhr gesperrt.",
        .unlockNotInitialized: "Für diesen Koffer ist noch kein Kennwort festgelegt. Bitte die IT anrufen.",
        .unlockAlreadyInitialized: "Für diesen Koffer ist bereits ein Kennwort festgelegt.",
        .unlockSecretTooShort: "Das Kennwort muss mindestens {minimum} Zeichen haben.",
        .unlockKeyFailure: "Der Koffer kann seine Schlüssel nicht öffnen. Bitte die IT anrufen.",
        .unlockOfflineTooLong:
            "Der Koffer war seit {since} nicht mehr mit dem Server verbunden (erlaubt sind {limit}). Bitte mit dem "
            + "Stadtnetz verbinden und synchronisieren; danach lässt er sich wieder entsperren.",
        .unlockWiped:
            "Dieser Koffer wurde als verloren gemeldet und hat alle Schlüssel und Falldaten gelöscht. Bitte der IT "
            + "zurückgeben.",
        .unlockUnknownClerk:
            "Für „{clerk}“ ist auf diesem Koffer kein Zugang eingerichtet. Bitte die Kennung prüfen oder die IT fragen.",
        .unlockClerkExists: "„{clerk}“ hat auf diesem Koffer schon einen Zugang.",
        .unlockClerkRevoked: "Der Zugang von „{clerk}“ wurde zentral gesperrt und kann nicht neu eingerichtet werden.",
        .workflowNotInCase: "Der Schritt „{step}“ gehört nicht zu diesem Vorgang. Bitte das Back Office fragen.",
        .workflowWaitsFor: "„{step}“ kommt erst nach {missing}. Bitte zuerst das erledigen.",
        .workflowPaymentPending:
            "Eine Kartenzahlung dieses Vorgangs ist am Terminal noch offen. Der Koffer fragt das Terminal. Die "
            + "Gebühr bitte nicht noch einmal kassieren.",
        .workflowIdentityMismatch:
            "Der geprüfte Ausweis gehört nicht zu diesem Vorgang. Prüfen Sie den richtigen Ausweis oder begründen "
            + "Sie, wie sich die Person ausgewiesen hat.",
        .workflowIdentityOverridden:
            "Nach einer begründeten Abweichung wird nichts auf einen Ausweis geschrieben. Prüfen Sie den Ausweis der "
            + "Person dieses Vorgangs erneut.",
        .stepIdentify: "Ausweis prüfen",
        .stepSign: "Unterschrift",
        .stepPay: "Bezahlen",
        .stepFingerprints: "Fingerabdrücke",
        .stepPhoto: "Foto",
        .stepUpdateAddress: "Anschrift ändern",
        .stepHandOutDocument: "Dokument aushändigen",
        .stepComplete: "Abschließen",
        .notReadyToRecord:
            "Der Koffer kann noch nichts speichern: Er ist gesperrt oder noch nicht vollständig eingerichtet. Bitte "
            + "die IT anrufen.",
        .recordFailed:
            "Der Schritt konnte nicht gespeichert werden. Es wurde nichts gespeichert. Bitte die IT anrufen.",
        .signatureBindingBroken:
            "Die Unterschrift gehört nicht zum angezeigten Text. Es wurde nichts gespeichert. Bitte noch einmal "
            + "unterschreiben lassen.",
        .signatureNotStored:
            "Die Unterschrift konnte nicht gespeichert werden. Bitte noch einmal unterschreiben lassen.",
        .signaturePadFailed:
            "Das Unterschriften-Pad hat die Unterschrift nicht übergeben. Es wurde nichts gespeichert. Bitte das Pad "
            + "prüfen und noch einmal unterschreiben lassen.",
        .signaturePadMissing: "Es ist kein Unterschriften-Pad angeschlossen. Bitte das Pad einstecken.",
        .signatureCancelled: "Die Unterschrift wurde abgebrochen. Es wurde nichts gespeichert.",
        .deviceStepCancelled: "Der Schritt wurde abgebrochen; das Gerät ist freigegeben. Es wurde nichts gespeichert.",
        .deviceStepStoppedForShutdown:
            "Das Koffer-Programm wird gerade beendet; der Schritt wurde abgebrochen und nichts gespeichert. Bitte "
            + "nach dem Neustart wiederholen.",
        .paymentAgentStopping:
            "Das Koffer-Programm wird gerade beendet; die Kartenzahlung wurde nicht begonnen. Bitte nach dem "
            + "Neustart erneut starten.",
        .deviceStepWaitOver:
            "Die Wartezeit von {seconds} Sekunden ist abgelaufen; das Gerät ist freigegeben. Es wurde nichts "
            + "gespeichert. Bitte den Schritt neu beginnen.",
        .cancelNothingRunning: "Es wartet gerade kein Gerät auf diesen Vorgang; nichts wurde abgebrochen.",
        .fingerprintCaptureStopped:
            "Die Erfassung der Fingerabdrücke wurde abgebrochen. Es wurde nichts gespeichert. Bitte neu beginnen.",
        .fingerprintScannerMissing:
            "Es ist kein Fingerabdruck-Scanner angeschlossen. Bitte den Scanner einstecken.",
        .fingerprintScannerNotReady:
            "Der Fingerabdruck-Scanner ist nicht bereit. Bitte ab- und wieder anstecken und neu beginnen.",
        .fingerprintSetEmpty: "Es wurde kein Finger erfasst und keiner als nicht erfassbar angegeben.",
        .fingerprintsNotStored: "Die Fingerabdrücke konnten nicht gespeichert werden. Bitte neu beginnen.",
        .idCardWrongCAN:
            "Die Zugangsnummer (CAN) passt nicht zu diesem Ausweis. Bitte die sechs Ziffern vorne auf dem Ausweis "
            + "prüfen.",
        .idCardFailed:
            "Der Ausweis konnte nicht gelesen werden. Bitte den Ausweis mittig auflegen, liegen lassen und noch "
            + "einmal versuchen.",
        .cardReaderProblem: "{reader}",
        .terminalCredentialsMissing:
            "Auf diesem Koffer fehlen die Zertifikate für das Ändern von Ausweisen. Bitte die IT anrufen.",
        .addressNotWritten:
            "Die neue Anschrift ließ sich nicht vom Ausweis zurücklesen. Es wurde nichts gespeichert. Bitte noch "
            + "einmal versuchen.",
        .identityNotChecked:
            "Zuerst den Ausweis prüfen: Die Anschrift wird nur auf den geprüften Ausweis der Person dieses Vorgangs "
            + "geschrieben.",
        .identityMismatchedNoChipWrite:
            "Der zuletzt geprüfte Ausweis gehört nicht zu diesem Vorgang. Es wurde nichts auf einen Ausweis "
            + "geschrieben. Prüfen Sie den richtigen Ausweis erneut.",
        .cardHolderDiffers:
            "Der Ausweis auf dem Lesegerät gehört nicht zur Person dieses Vorgangs. Es wurde nichts auf den Ausweis "
            + "geschrieben und nichts gespeichert.",
        .overrideReasonMissing:
            "Bitte begründen, wie sich die Person ausgewiesen hat (mindestens {minimum} Zeichen).",
        .identityAlreadyConfirmed:
            "Der Ausweis wurde bereits erfolgreich geprüft. Es gibt keine Abweichung zu begründen.",
        .addressAlreadyRecorded:
            "Die Anschrift dieses Vorgangs ist bereits geändert. Es wurde nichts erneut gespeichert.",
        .paymentNoTerminal: "Auf diesem Koffer ist kein Kartenterminal eingerichtet. Bitte die IT anrufen.",
        .paymentNoAmount: "Für diesen Vorgang ist keine Gebühr hinterlegt. Bitte das Back Office fragen.",
        .paymentInvalidAmount: "Dieser Betrag kann nicht mit Karte bezahlt werden.",
        .paymentUnresolved:
            "Eine Kartenzahlung über {amount} ist noch ungeklärt. Der Koffer fragt das Terminal. Die Gebühr bitte "
            + "nicht noch einmal kassieren.",
        .paymentBusy: "Am Terminal läuft gerade eine andere Zahlung. Bitte warten, bis sie beendet ist.",
        .paymentAlreadyResolved: "Diese Zahlung ist bereits geklärt.",
        .paymentNoSuchIntent: "Diese Zahlung ist auf diesem Koffer nicht bekannt.",
        .paymentManualRefused:
            "Die Zahlung kann so nicht von Hand geklärt werden: Der Koffer muss zuerst das Terminal gefragt haben, "
            + "und was geprüft wurde, ist Pflicht.",
        .paymentApproved: "Bezahlt: {amount}.",
        .paymentDeclined: "Das Terminal hat die Zahlung abgelehnt: {terminal}.",
        .paymentAborted: "Die Zahlung wurde am Terminal abgebrochen: {terminal}.",
        .paymentNotSent:
            "Das Terminal war nicht bereit; es wurde nichts abgebucht. Ist das Terminal eingeschaltet und verbunden?",
        .paymentNotPaid: "Die Zahlung wurde nicht ausgeführt; es wurde nichts abgebucht.",
        .paymentUnknown:
            "Das Ergebnis der Zahlung ist noch unbekannt. Der Koffer fragt das Terminal. Die Gebühr bitte nicht "
            + "noch einmal kassieren.",
        .paymentSettledNotPaid: "Die Zahlung wurde von Hand als nicht bezahlt geklärt.",
        .stepMissingFacts: "Für diesen Schritt fehlen Angaben. Bitte die Seite neu laden und noch einmal versuchen.",
        .stepNotRecordable: "Dieser Schritt wird vom Koffer selbst gespeichert.",
        .stepNeedsCard: "Dieser Schritt geht nur mit dem Ausweis auf dem Lesegerät.",
        .stepFactsInvalid: "Bitte alle Pflichtangaben ausfüllen: {what}.",
        .workflowVisitEnded:
            "Dieser Besuch ist als „nicht möglich“ vermerkt. Das Back Office plant einen neuen Termin; weitere "
            + "Schritte sind auf diesem Besuch nicht mehr möglich.",
        .inputCANFormat: "Die Zugangsnummer (CAN) hat sechs Ziffern; sie steht vorne auf dem Ausweis.",
        .inputAddress: "Bitte Straße, fünfstellige Postleitzahl und Ort angeben.",
        .inputTextToSignEmpty:
            "Für diesen Vorgang gibt es keinen Text zum Unterschreiben. Bitte das Back Office fragen.",
        .inputFingerUnknown: "Die Angaben zu den Fingern sind unbekannt. Bitte die Seite neu laden.",
        .inputInvalid: "Die Angaben waren unvollständig. Bitte die Seite neu laden und noch einmal versuchen.",
        .walkInCatalogueMissing:
            "Der Koffer hat noch keinen Leistungskatalog. Bitte einmal mit dem Stadtnetz verbinden und "
            + "synchronisieren; danach lassen sich Vorsprachen anlegen.",
        .walkInServiceUnknown:
            "Diese Leistung steht nicht im Leistungskatalog des Koffers. Bitte die Seite neu laden und die Leistung "
            + "neu wählen.",
        .walkInCitizenInvalid:
            "Bitte Vornamen, Familiennamen und ein gültiges Geburtsdatum angeben (je höchstens 200 Zeichen).",
        .walkInAddressNeeded:
            "Für diese Leistung bitte die Anschrift angeben: Straße mit Hausnummer, fünfstellige Postleitzahl und Ort.",
    ]
}
