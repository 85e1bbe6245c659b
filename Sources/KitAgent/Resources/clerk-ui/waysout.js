// Clerk UI of the Bürgeramtskoffer, the ways out of a visit, each recorded as its own transaction:
// cannot sign, another way to pay, card not readable, visit not possible, cancel of a device step.
// Loaded before app.js; uses its helpers (element, field, api, runStep, …) at call time.
"use strict";

// A card of another person: both values side by side, then stop the visit, check another card,
// or continue with a documented reason (recorded as an override; nothing is ever written to a card).
function mismatchWarning(differences) {
  const nodes = [element("h3", { textContent: "Der Ausweis gehört nicht zu diesem Vorgang" })];
  if (differences.length) {
    const head = element("tr", {}, element("th", { scope: "col", textContent: "Angabe" }),
      element("th", { scope: "col", textContent: "Auf dem Ausweis" }), element("th", { scope: "col", textContent: "Im Vorgang" }));
    const rows = differences.map((difference) => element("tr", { "data-testid": "difference-" + difference.field },
      element("th", { scope: "row", textContent: MISMATCH_NAMES[difference.field] || difference.field }),
      element("td", { textContent: difference.card }), element("td", { textContent: difference.case })));
    nodes.push(element("table", { class: "compare", "data-testid": "identity-differences" },
      element("caption", { textContent: "Abweichende Angaben" }), element("thead", {}, head), element("tbody", {}, ...rows)));
  }
  nodes.push(element("p", { textContent: "Das Prüfergebnis ist gespeichert. Auf diesen Ausweis wird keine Anschrift " +
    "geschrieben. Halten Sie den Besuch an, prüfen Sie den richtigen Ausweis – oder fahren Sie mit einer " +
    "Begründung fort, wie sich die Person ausgewiesen hat." }));
  const reasonForm = element("form", { id: "override-form", class: "stack", hidden: true, "data-testid": "override-form" },
    ...field("override-reason", "Begründung (Pflicht): Wie hat sich die Person ausgewiesen?", { autocomplete: "off", maxLength: 500 }),
    element("button", { type: "submit", class: "primary", "data-testid": "identity-override",
      textContent: "Begründung speichern und fortfahren" }));
  reasonForm.addEventListener("submit", (event) => { event.preventDefault(); runStep(IDENTITY_OVERRIDE); });
  nodes.push(element("div", { class: "choices" },
    choice("identity-stop", "Besuch anhalten", () => loadVisits()),
    choice("identity-again", "Anderen Ausweis prüfen", () => refreshCase()),
    choice("identity-continue", "Trotzdem fortfahren", () => {
      reasonForm.hidden = false;
      $("override-reason").focus();
    })), reasonForm);
  return nodes;
}

// A declined or aborted card payment: nothing was charged; try again (or another way to pay).
function declinedWarning(answer) {
  return [
    element("h3", { textContent: "Die Zahlung wurde nicht genehmigt" }),
    element("p", { "data-testid": "payment-declined-reason", textContent: (answer.clerkMessage ||
      "Die Zahlung wurde nicht ausgeführt.") + " Es wurde nichts abgebucht." }),
    element("div", { class: "choices" },
      choice("payment-retry", "Noch einmal versuchen", () => runStep(STEPS.pay), "primary"),
      choice("payment-other", "Andere Zahlungsart", () => otherPayment()),
      choice("payment-stop", "Besuch anhalten", () => loadVisits())),
  ];
}

// A small form for a way out, shown in the amber box: fields, a mandatory check, one request.
function wayOutForm(testid, title, help, fields, submitText, request) {
  const form = element("form", { class: "stack", "data-testid": testid },
    element("h3", { textContent: title }), element("p", { textContent: help }), ...fields,
    element("div", { class: "choices" },
      element("button", { type: "submit", class: "primary", "data-testid": testid + "-submit", textContent: submitText }),
      choice(testid + "-back", "Zurück", () => refreshCase())));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    runStep({ request, done: () => null });
  });
  hideMessages();
  showWarning([form]);
  const first = form.querySelector("select, input, textarea");
  if (first) first.focus();
}
function selectField(id, label, options) {
  return [element("label", { for: id, textContent: label }),
    element("select", { id, "data-testid": id },
      element("option", { value: "", textContent: "bitte wählen" }),
      ...options.map(([value, text]) => element("option", { value, textContent: text })))];
}
function stepRequest(snapshot, kind, facts) {
  return { path: "/v1/steps", body: { caseId: snapshot.caseId, kind, facts } };
}
const VISIT_IMPOSSIBLE_REASONS = [
  ["nobody-home", "Niemand angetroffen"],
  ["cancelled-by-citizen", "Von der Person abgesagt"],
  ["health", "Gesundheitlich nicht möglich"],
  ["unsafe", "Besuch nicht zumutbar (Sicherheit)"],
  ["other", "Anderer Grund (Vermerk nötig)"],
];
function visitImpossible() {
  wayOutForm("visit-impossible", "Besuch nicht möglich",
    "Der Vermerk wird gespeichert; das Back Office plant einen neuen Termin. Auf diesem Besuch sind danach keine Schritte mehr möglich.",
    [...selectField("visit-impossible-reason", "Grund", VISIT_IMPOSSIBLE_REASONS),
      ...field("visit-impossible-note", "Vermerk (bei „Anderer Grund“ Pflicht)", { autocomplete: "off", maxLength: 500 })],
    "Vermerk speichern", (snapshot) => {
      const reason = value("visit-impossible-reason");
      const note = value("visit-impossible-note");
      if (!reason) throw new Error("Bitte einen Grund wählen.");
      if (reason === "other" && note.length < 10) throw new Error("Bitte den Grund in einem Satz vermerken (mindestens 10 Zeichen).");
      return stepRequest(snapshot, "visit.impossible", note ? { reason, note } : { reason });
    });
}
function cannotSign() {
  wayOutForm("cannot-sign", "Kann nicht unterschreiben",
    "Statt der Unterschrift werden der Grund und ein Zeugenvermerk gespeichert: wer bezeugt, dass die Person zustimmt.",
    [...selectField("cannot-sign-reason", "Grund", [
      ["cannot-write", "Kann körperlich nicht schreiben"],
      ["cannot-read", "Kann den Text nicht lesen (vorgelesen)"],
      ["other", "Anderer Grund"]]),
    ...field("cannot-sign-witness", "Zeugenvermerk (Pflicht): Name der Zeugin oder des Zeugen, wie zugestimmt wurde", { autocomplete: "off", maxLength: 500 })],
    "Vermerk speichern", (snapshot) => {
      const reason = value("cannot-sign-reason");
      const witnessNote = value("cannot-sign-witness");
      if (!reason) throw new Error("Bitte einen Grund wählen.");
      if (witnessNote.length < 10) throw new Error("Bitte den Zeugenvermerk ausfüllen (mindestens 10 Zeichen).");
      return stepRequest(snapshot, "signature.impossible", { reason, witnessNote });
    });
}
function otherPayment() {
  wayOutForm("other-payment", "Andere Zahlungsart",
    "Die Gebühr wird nicht an der Tür bezahlt. Die Stadtkasse schickt einen Gebührenbescheid oder eine Rechnung.",
    [...selectField("other-payment-method", "Zahlungsart", [["fee-notice", "Gebührenbescheid"], ["invoice", "Rechnung"]])],
    "Zahlungsart speichern", (snapshot) => {
      const method = value("other-payment-method");
      if (!method) throw new Error("Bitte Gebührenbescheid oder Rechnung wählen.");
      return stepRequest(snapshot, "payment.deferred", { method });
    });
}
function cardUnreadable() {
  wayOutForm("card-unreadable", "Ausweis nicht lesbar",
    "Der Ausweis lässt sich nicht lesen. Vermerken Sie, wie sich die Person ausgewiesen hat; auf den Ausweis wird dann nichts geschrieben.",
    [...field("card-unreadable-reason", "Wie hat sich die Person ausgewiesen? (Pflicht)", { autocomplete: "off", maxLength: 480 })],
    "Vermerk speichern und fortfahren", (snapshot) => {
      const reason = value("card-unreadable-reason");
      if (reason.length < 10) throw new Error("Bitte vermerken, wie sich die Person ausgewiesen hat (mindestens 10 Zeichen).");
      return { path: casePath(snapshot, "identity") + "/override", body: { reason: "Ausweis nicht lesbar: " + reason } };
    });
}
// Stops the device step that waits (the pad is cleared); the step's own request then ends.
async function cancelDeviceStep() {
  if (!state.busy || !state.caseId) return;
  state.cancelling = true;
  $("step-cancel").disabled = true;
  try {
    await api("POST", "/v1/cases/" + encodeURIComponent(state.caseId) + "/cancel");
  } catch (error) {
    state.cancelling = false;
    showError(explain(error), detailOf(error));
  }
}
