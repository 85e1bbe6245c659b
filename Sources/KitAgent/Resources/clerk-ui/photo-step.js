// Clerk UI: the biometric photo step ("Foto aufnehmen", issue #22). Kept in its own file so the
// step can change without touching app.js; it adds itself to app.js's tables (STEPS, STEP_NAMES,
// DEVICE_STEP_BUSY, DEVICE_STEP_HINT, DEVICE_NAMES). While the step is on screen it asks the kit for the checks
// of the current camera frame about once a second and shows a traffic light and a hint per check.
// The photo itself is always taken by the kit's camera: the request carries no image.
"use strict";

STEP_NAMES.photo = "Foto aufnehmen";
DEVICE_STEP_BUSY.photo = "Bitte ruhig in die Kamera schauen – das Foto wird aufgenommen …";
DEVICE_NAMES["camera-device"] = "Kamera";
DEVICE_STEP_HINT.photo = "Ist die Kamera eingesteckt? Gesicht gleichmäßig ausleuchten, heller einfarbiger Hintergrund.";

const PHOTO_LIGHT_TEXT = { green: "in Ordnung", amber: "Hinweis", red: "nicht in Ordnung" };
let photoPoll = null;

function photoStopPolling() {
  if (photoPoll !== null) clearTimeout(photoPoll);
  photoPoll = null;
}

function photoRenderChecks(answer) {
  const list = document.getElementById("photo-checks");
  const hint = document.getElementById("photo-hint");
  if (!list || !hint) return false;
  list.replaceChildren(...answer.checks.map((check) =>
    element("li", { class: "photo-check " + check.light, "data-testid": "photo-check-" + check.check,
      "data-light": check.light },
      element("span", { class: "light", "aria-hidden": "true" }),
      element("span", { class: "title", textContent: check.title + ": " + PHOTO_LIGHT_TEXT[check.light] }),
      element("span", { class: "photo-hint-text", textContent: check.hint && check.light !== "green" ? " – " + check.hint : "" }))));
  hint.textContent = answer.acceptable
    ? "Alle Prüfungen erfüllt. Sie können das Foto jetzt aufnehmen."
    : (answer.hint || "Bitte warten …");
  hint.dataset.acceptable = answer.acceptable ? "yes" : "no";
  return true;
}

async function photoPollOnce(caseId) {
  photoPoll = null;
  if (state.caseId !== caseId || $("step-title").dataset.step !== "photo") return;
  if (!state.busy) {
    try {
      const answer = await api("GET", "/v1/camera/checks");
      if (!photoRenderChecks(answer)) return;
    } catch (error) {
      const hint = document.getElementById("photo-hint");
      if (!hint) return;
      hint.textContent = "Kein Kamerabild. " + DEVICE_STEP_HINT.photo + " (" + explain(error) + ")";
      hint.dataset.acceptable = "no";
    }
  }
  photoPoll = setTimeout(() => photoPollOnce(caseId), 1000);
}

STEPS.photo = {
  render(snapshot, body) {
    $("step-help").textContent = "Das biometrische Lichtbild für den Antrag. " + snapshot.citizen.givenNames + " " +
      snapshot.citizen.familyName + " schaut gerade in die Kamera, neutraler Gesichtsausdruck, Augen offen. " +
      "Die Ampeln zeigen, ob das Bild den Vorgaben entspricht.";
    body.append(
      element("p", { id: "photo-hint", class: "photo-hint", role: "status", "aria-live": "polite",
        "data-testid": "photo-hint", textContent: "Kamerabild wird geprüft …" }),
      element("ul", { id: "photo-checks", class: "photo-checks", "data-testid": "photo-checks",
        "aria-label": "Prüfungen des Kamerabilds" }));
    photoStopPolling();
    photoPollOnce(snapshot.caseId);
  },
  action() { return "Foto aufnehmen"; },
  busy: DEVICE_STEP_BUSY.photo,
  request(snapshot) { return { path: casePath(snapshot, "photo") }; },
  done(answer) {
    photoStopPolling();
    if (answer && Array.isArray(answer.checks)) photoRenderChecks({ acceptable: true, checks: answer.checks });
    return "Das Foto ist aufgenommen und versiegelt (" + answer.width + " × " + answer.height + " Pixel).";
  },
};
