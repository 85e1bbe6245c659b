// Clerk UI of the Bürgeramtskoffer: today's visits, one step per screen, live status.
// Talks only to the kit agent that served it (local API + event stream on loopback). No external
// assets, no storage beyond this tab's session: the token lives in sessionStorage and is gone
// when the tab closes. Case data is written with textContent only, never as HTML.
"use strict";

const STEP_NAMES = {
  identify: "Ausweis prüfen",
  sign: "Unterschrift",
  pay: "Bezahlen",
  fingerprints: "Fingerabdrücke",
  "update-address": "Anschrift ändern",
  "hand-out-document": "Dokument aushändigen",
  complete: "Abschließen",
};
const DEVICE_STEP_BUSY = {
  identity: "Der Ausweis wird gelesen. Bitte den Ausweis auf dem Lesegerät liegen lassen …",
  signature: "Bitte auf dem Unterschriften-Pad unterschreiben und dort „OK“ tippen …",
  fingerprints: "Bitte den angezeigten Finger auf den Scanner legen …",
  address: "Die neue Anschrift wird auf den Ausweis geschrieben. Ausweis bitte liegen lassen …",
  payment: "Bitte die Karte am Terminal vorhalten oder einstecken und dem Terminal folgen …",
};
const DEVICE_STEP_NAMES = {
  identity: "Ausweis",
  signature: "Unterschriften-Pad",
  fingerprints: "Fingerabdruck-Scanner",
  address: "Ausweis",
  payment: "Kartenterminal",
};
// The device a step needs, and how its readiness reads (the agent's states: ok, warning = in use,
// failure = missing or unreachable).
const STEP_DEVICE = {
  identify: "card-reader",
  "update-address": "card-reader",
  sign: "signature-pad",
  fingerprints: "fingerprint-scanner",
  pay: "ec-terminal",
};
const DEVICE_STATE_TEXT = {
  ok: "bereit",
  warning: "in Benutzung",
  failure: "nicht bereit",
};
const DEVICE_MISSING_HINT = {
  "card-reader": "Bitte das Kartenlesegerät einstecken.",
  "signature-pad": "Bitte das Unterschriften-Pad einstecken.",
  "fingerprint-scanner": "Bitte den Fingerabdruck-Scanner einstecken.",
  "ec-terminal": "Bitte das Kartenterminal einschalten und verbinden.",
};
const DEVICE_NAMES = {
  "card-reader": "Kartenleser",
  "signature-pad": "Unterschriften-Pad",
  "fingerprint-scanner": "Fingerabdruck-Scanner",
  "ec-terminal": "Kartenterminal",
  "terminal-certificates": "Zertifikate des Änderungsterminals",
  pcscd: "Kartenleser-Dienst",
  usb: "USB-Geräte",
  vpn: "VPN",
  disk: "Speicherplatz",
  queue: "Warteschlange",
};
// What the clerk can try when a device step fails (the agent's own message follows as detail).
const DEVICE_STEP_HINT = {
  identity: "Liegt der Ausweis mittig auf dem Lesegerät? Stimmt die Zugangsnummer (CAN)?",
  signature: "Ist das Unterschriften-Pad eingesteckt? Die Bürgerin oder der Bürger kann es noch einmal versuchen.",
  fingerprints: "Ist der Fingerabdruck-Scanner eingesteckt? Finger sauber und trocken auflegen.",
  address: "Den Ausweis liegen lassen, bis die Anschrift geschrieben ist. Stimmt die Zugangsnummer (CAN)?",
  payment: "Ist das Terminal eingeschaltet und verbunden? Eine offene Zahlung klärt der Koffer selbst mit dem Terminal.",
};
// The fields an identity check names when the card does not match (the API's `mismatches`).
const MISMATCH_NAMES = {
  givenNames: "Vornamen",
  familyName: "Familienname",
  dateOfBirth: "Geburtsdatum",
};
const FINGERS = [
  ["leftIndex", "Linker Zeigefinger"],
  ["rightIndex", "Rechter Zeigefinger"],
];
const SKIP_REASONS = [
  ["", "wird erfasst"],
  ["injured", "verletzt / verbunden"],
  ["missing", "fehlt"],
  ["notCapturable", "nicht erfassbar"],
];

const state = {
  token: null,
  unlocked: null,
  caseId: null,
  detail: null,
  busy: false,
  can: null, // kept in memory for the address step only; never stored
  socket: null,
  retry: 1000,
};

function $(id) { return document.getElementById(id); }
const SCREEN_TITLES = {
  "screen-token": "Nicht verbunden",
  "screen-unlock": "Koffer entsperren",
  "screen-visits": "Vorgänge",
  "screen-walkin": "Vorsprache anlegen",
  "screen-done": "Besuch beendet",
};
// Shows one screen, names it in the window title and moves the focus to its heading, so a screen
// reader announces the new screen instead of staying on a button that is gone.
function show(screen, title) {
  const changed = $(screen).hidden;
  for (const element of document.querySelectorAll(".screen")) element.hidden = element.id !== screen;
  document.title = (title || SCREEN_TITLES[screen] || "Besuch") + " – Bürgeramtskoffer";
  const heading = $(screen).querySelector("h2");
  if (heading && (changed || title)) {
    heading.tabIndex = -1;
    heading.focus();
  }
}
function euro(cents) {
  return (cents / 100).toLocaleString("de-DE", { style: "currency", currency: "EUR" });
}
function setPill(id, text, level) {
  const pill = $(id);
  pill.textContent = text;
  pill.className = "pill " + level;
}
function element(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (key === "class") node.className = value;
    else if (key.startsWith("data-") || key === "for" || key === "inputmode" || key === "autocomplete" || key === "pattern")
      node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) node.append(child);
  return node;
}

// --- the local API -------------------------------------------------------------------------

// A refusal of the agent: `message` is the clerk's German sentence from the agent's catalogue,
// `detail` the English technical detail for IT (shown only behind "Details für die IT").
class ApiError extends Error {
  constructor(status, message, detail, code) {
    super(message);
    this.status = status;
    this.detail = detail || "";
    this.code = code || "";
  }
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: Object.assign(
      { Authorization: "Bearer " + state.token },
      body === undefined ? {} : { "Content-Type": "application/json" }),
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
  });
  if (response.status === 204) return null;
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (_) { json = null; }
  if (!response.ok) {
    const error = json && json.error ? json.error : {};
    if (error.code) throw new ApiError(response.status, error.message, error.detail, error.code);
    // Not from the catalogue (the access check, a malformed request): German here, the rest for IT.
    throw new ApiError(response.status, "", (error.message || "") + " (HTTP " + response.status + ")", "");
  }
  return json;
}

// What the clerk reads about a failed request: always German.
function explain(error) {
  if (error instanceof ApiError) {
    if (error.code) return error.message;
    if (error.status === 401) return "Der Koffer ist gesperrt oder diese Seite hat keinen gültigen Zugang mehr.";
    return "Der Koffer-Dienst hat die Anfrage abgelehnt. Bitte die Seite neu laden.";
  }
  return "Der Koffer-Dienst antwortet nicht. Bitte die IT anrufen, wenn das so bleibt.";
}
// The English technical detail of a failed request, for IT.
function detailOf(error) {
  if (error instanceof ApiError) return error.detail;
  return error && error.message ? String(error.message) : "";
}
// "Details für die IT": collapsed, marked as English for screen readers.
function itDetails(detail) {
  return element("details", { class: "it-detail" }, element("summary", { textContent: "Details für die IT" }),
    element("p", { lang: "en", textContent: detail }));
}

// --- live status ------------------------------------------------------------------------------

function connectEvents() {
  const url = "ws://" + location.host + "/v1/events";
  let socket;
  try {
    socket = new WebSocket(url, ["kit-agent.v1", "kit-token." + state.token]);
  } catch (_) {
    scheduleReconnect();
    return;
  }
  state.socket = socket;
  socket.onopen = () => {
    state.retry = 1000;
    setPill("pill-live", "Koffer-Dienst: verbunden", "ok");
  };
  socket.onmessage = (message) => {
    let event;
    try { event = JSON.parse(message.data); } catch (_) { return; }
    onEvent(event);
  };
  socket.onclose = async () => {
    setPill("pill-live", "Koffer-Dienst: getrennt – verbinde neu …", "bad");
    // A restarted agent has a new token: this page can no longer talk to it.
    try {
      await api("GET", "/v1/status");
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        sessionStorage.removeItem("kitToken");
        $("token-reason").textContent = "Der Koffer-Dienst wurde neu gestartet.";
        show("screen-token");
        return;
      }
    }
    scheduleReconnect();
  };
}

function scheduleReconnect() {
  const delay = state.retry;
  state.retry = Math.min(state.retry * 2, 15000);
  setTimeout(connectEvents, delay);
}

function onEvent(event) {
  switch (event.type) {
    case "status":
      showStatus(event.status, event.devices || []);
      break;
    case "case.updated":
      if (!$("screen-visits").hidden) loadVisits({ keepView: true });
      else if (event.caseId === state.caseId && !state.busy && !$("manual-paid") &&
               $("step-title").dataset.step === "awaiting-terminal") refreshCase(); // never wipe the clerk's input
      break;
    case "step.progress":
      if (event.caseId === state.caseId && state.busy && event.message) {
        $("step-busy").textContent = event.message;
      }
      break;
    case "step.started":
      if (event.step && DEVICE_STEP_BUSY[event.step] && event.caseId !== state.caseId) {
        setPill("pill-devices", "Geräte: in Benutzung (" + (DEVICE_STEP_NAMES[event.step] || "Gerät") + ")", "warn");
      }
      break;
    default:
      break; // newer agents may send more kinds
  }
}

function showStatus(status, devices) {
  if (!status) return;
  const server = status.server || {};
  if (server.reachability === "reachable") {
    setPill("pill-link", "Stadtnetz: verbunden", "ok");
  } else if (server.reachability === "unreachable") {
    setPill("pill-link", "Stadtnetz: offline – alles wird sicher im Koffer gespeichert", "warn");
  } else if (server.reachability === "incompatible") {
    setPill("pill-link", "Stadtnetz: Server passt nicht – bitte IT anrufen", "bad");
  } else {
    setPill("pill-link", "Stadtnetz: wird geprüft", "unknown");
  }
  const queue = status.queue;
  if (queue) {
    const waiting = (queue.byState.pending || 0) + (queue.byState.sent || 0);
    const parked = queue.byState.parked || 0;
    const text = waiting === 0
      ? "Warteschlange: alles übertragen"
      : "Warteschlange: " + waiting + (waiting === 1 ? " Vorgang wartet" : " Vorgänge warten");
    setPill("pill-queue", text + (parked ? " · " + parked + " in Klärung" : ""), parked ? "warn" : waiting ? "unknown" : "ok");
  }
  if (status.syncProblemMessage) {
    // The queue does not drain although the server answers: the agent's German sentence.
    setPill("pill-queue", "Warteschlange: " + status.syncProblemMessage, "bad");
  }
  if (devices.length) state.devices = devices;
  const name = (d) => DEVICE_NAMES[d.device] || "weiteres Gerät";
  const problems = devices.filter((device) => device.state === "failure");
  const inUse = devices.filter((device) => device.state === "warning" && STEP_DEVICE_NAMES.has(device.device));
  const warnings = devices.filter((device) => device.state === "warning" && !STEP_DEVICE_NAMES.has(device.device));
  if (problems.length) {
    setPill("pill-devices", "Geräte: nicht bereit – " + problems.map(name).join(", "), "bad");
  } else if (warnings.length) {
    setPill("pill-devices", "Geräte: Hinweis zu " + warnings.map(name).join(", "), "warn");
  } else if (inUse.length) {
    setPill("pill-devices", "Geräte: bereit, in Benutzung: " + inUse.map(name).join(", "), "ok");
  } else if (devices.length) {
    setPill("pill-devices", "Geräte: bereit", "ok");
  }
  updateStepDevice();
  const unlocked = status.unlocked === true;
  $("lock").hidden = !unlocked;
  if (state.unlocked !== unlocked) {
    state.unlocked = unlocked;
    if (!unlocked) lockedByAgent();
    else if (!state.caseId) loadVisits();
  }
}

const STEP_DEVICE_NAMES = new Set(Object.values(STEP_DEVICE));
// The device the current step needs, named in German with its readiness.
function updateStepDevice() {
  const line = $("step-device");
  const step = $("step-title").dataset.step;
  const needed = STEP_DEVICE[step];
  const device = needed && (state.devices || []).find((d) => d.device === needed);
  if (!device || $("screen-step").hidden) { line.hidden = true; return; }
  const ready = device.state !== "failure";
  line.textContent = DEVICE_NAMES[needed] + ": " + (DEVICE_STATE_TEXT[device.state] || "unbekannt") +
    (ready ? "" : ". " + DEVICE_MISSING_HINT[needed]);
  line.className = "device-line " + (ready ? "ok" : "bad");
  line.hidden = false;
}

// --- screens ----------------------------------------------------------------------------------

// Privacy at the door: the list of other citizens' names is shown only on an explicit tap; by
// default (after a visit, after unlocking) only the next visit.
async function loadVisits(options) {
  if (!(options && options.keepView)) state.showAll = false;
  let visits;
  try {
    visits = await api("GET", "/v1/cases");
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) { show("screen-unlock"); return; }
    visits = [];
  }
  const list = $("visits");
  list.replaceChildren();
  const open = visits.filter((visit) => !visit.completed && !visit.workflow.visitImpossible);
  const shown = state.showAll ? visits : open.slice(0, 1);
  $("visits-title").textContent = state.showAll ? "Heutige Vorgänge" : "Nächster Vorgang";
  $("search-empty").hidden = true;
  $("visits-all-done").hidden = state.showAll || open.length > 0 || visits.length === 0;
  $("show-all-visits").hidden = state.showAll || visits.length <= shown.length;
  for (const visit of shown) list.append(visitItem(visit));
  $("visits-empty").hidden = visits.length > 0;
  state.caseId = null;
  state.can = null;
  state.resume = null;
  show("screen-visits");
}

// One entry of the list (also used by the search): who, what, the case number, where it stands.
function visitItem(visit) {
  const steps = visit.workflow.steps;
  const done = steps.filter((step) => step.status === "done").length;
  const meta = visit.completed
    ? "Abgeschlossen"
    : visit.workflow.visitImpossible ? "Besuch nicht möglich – neuer Termin folgt"
    : "Schritt " + Math.min(done + 1, steps.length) + " von " + steps.length + ": " + (STEP_NAMES[visit.current] || "wartet");
  const button = element("button", { class: visit.completed ? "completed" : "", "data-testid": "visit-" + visit.caseId },
    element("span", { class: "name", textContent: visit.citizen }),
    element("span", { class: "meta", textContent: visit.title + " · " + visit.caseId + " · " + meta }));
  button.addEventListener("click", () => openCase(visit.caseId));
  return element("li", {}, button);
}

async function openCase(caseId) {
  state.caseId = caseId;
  await refreshCase();
}

async function refreshCase() {
  try {
    state.detail = await api("GET", "/v1/cases/" + encodeURIComponent(state.caseId));
  } catch (error) {
    showError(explain(error), detailOf(error));
    return;
  }
  // The clerk is filling in the form for an open payment that is still open: keep the screen.
  const stillOpen = state.detail.workflow.steps.some((step) => step.status === "awaiting-terminal");
  if (stillOpen && $("manual-paid") && $("step-title").dataset.step === "awaiting-terminal") return;
  renderStep();
}

function renderStep() {
  const { snapshot, workflow } = state.detail;
  $("case-citizen").textContent = snapshot.citizen.givenNames + " " + snapshot.citizen.familyName;
  $("case-title").textContent = snapshot.title;
  const track = $("step-track");
  track.replaceChildren(...workflow.steps.map((step) => {
    const item = element("li", { class: step.status === "done" ? "done" : step.status === "current" ? "current" : "",
      textContent: (step.status === "done" ? "✓ " : "") + (STEP_NAMES[step.step] || step.step) +
        (step.status === "done" ? " (erledigt)" : "") });
    if (step.status === "current") item.setAttribute("aria-current", "step");
    return item;
  }));
  hideMessages();
  $("step-ways").replaceChildren();
  $("step-next").hidden = true;
  const completed = workflow.steps.some((step) => step.step === "complete" && step.status === "done");
  if (completed || workflow.visitImpossible) {
    $("done-title").textContent = completed ? "Besuch abgeschlossen" : "Besuch nicht möglich";
    $("done-text").textContent = completed
      ? "Alle Schritte für " + snapshot.citizen.givenNames + " " + snapshot.citizen.familyName +
        " sind im Koffer gespeichert und versiegelt. Sie werden übertragen, sobald das Stadtnetz erreichbar ist."
      : "Der Vermerk ist im Koffer gespeichert und versiegelt. Das Back Office plant einen neuen Termin.";
    show("screen-done");
    return;
  }
  let current = workflow.steps.find((step) => step.status === "current");
  const pending = workflow.steps.find((step) => step.status === "awaiting-terminal");
  // After an override nothing is written to a card: if the address is all that is left, offer a
  // new check with the citizen's own card instead of an empty screen.
  const addressWaits = workflow.steps.some((step) => step.step === "update-address" && step.status === "blocked");
  if (!current && !pending && workflow.identity === "overridden" && addressWaits) {
    current = workflow.steps.find((step) => step.step === "identify");
  }
  const body = $("step-body");
  body.replaceChildren();
  const action = $("step-action");
  action.hidden = false;
  action.disabled = false;
  if (!current) {
    $("step-title").dataset.step = pending ? "awaiting-terminal" : "none";
    $("step-title").textContent = pending ? "Zahlung wird geklärt" : "Warten";
    $("step-help").textContent = pending
      ? "Der Koffer fragt das Terminal, ob die letzte Zahlung durchgegangen ist. Bitte warten – " +
        "und die Gebühr auf keinen Fall ein zweites Mal kassieren."
      : "Für diesen Besuch ist gerade kein Schritt möglich.";
    action.hidden = true;
    show("screen-step");
    if (pending) {
      renderOpenPayment(snapshot, body);
      // Until the clerk starts settling by hand, follow what the kit learns from the terminal.
      const caseId = snapshot.caseId;
      setTimeout(() => {
        if (state.caseId === caseId && !state.busy && !$("manual-paid") &&
            $("step-title").dataset.step === "awaiting-terminal") refreshCase();
      }, 3000);
    }
    return;
  }
  $("step-device").hidden = true;
  const renderer = STEPS[current.step];
  $("step-title").textContent = STEP_NAMES[current.step] || current.step;
  $("step-title").dataset.step = current.step;
  renderer.render(snapshot, body);
  // The ways out of this step, and out of the visit.
  $("step-ways").replaceChildren(...(renderer.ways || []).map(([testid, text, open]) => choice(testid, text, open)),
    choice("visit-impossible", "Besuch nicht möglich", visitImpossible));
  action.textContent = renderer.action(snapshot);
  state.renderer = renderer;
  show("screen-step", STEP_NAMES[current.step] || "Besuch");
  updateStepDevice();
}

// An open payment the terminal cannot account for (it was replaced, its journal cleared): after
// the kit has asked it at least once, the clerk may settle it by hand with what was checked.
async function renderOpenPayment(snapshot, body) {
  let open;
  try {
    open = (await api("GET", "/v1/payments")).find((intent) => intent.caseId === snapshot.caseId);
  } catch (_) {
    return;
  }
  if (!open) return;
  const since = new Date(open.createdAt).toLocaleTimeString("de-DE", { hour: "2-digit", minute: "2-digit" });
  body.append(element("p", { "data-testid": "open-payment", textContent:
    euro(open.amountCents) + " seit " + since + " Uhr · " + open.recoveryAttempts + " Nachfragen beim Terminal" +
    (open.reason ? " · zuletzt: " + open.reason : "") }));
  if (open.recoveryAttempts < 1) return;
  const choice = element("select", { id: "manual-paid", "data-testid": "manual-paid" },
    element("option", { value: "", textContent: "bitte wählen" }),
    element("option", { value: "paid", textContent: "bezahlt (Beleg liegt vor)" }),
    element("option", { value: "not-paid", textContent: "nicht bezahlt" }));
  body.append(element("h3", { textContent: "Von Hand klären, wenn das Terminal es nicht mehr weiß" }),
    element("label", { for: "manual-paid", textContent: "Ergebnis" }), choice,
    ...field("manual-receipt", "Belegnummer (falls bezahlt)", { inputmode: "numeric", autocomplete: "off" }),
    ...field("manual-note", "Was wurde geprüft? (Pflicht)", { autocomplete: "off", maxLength: 500 }));
  const settle = element("button", { type: "button", class: "secondary", "data-testid": "manual-settle", textContent: "Zahlung von Hand klären" });
  settle.addEventListener("click", async () => {
    hideMessages();
    const paid = value("manual-paid");
    const note = value("manual-note");
    const receipt = value("manual-receipt");
    if (!paid || !note) { showError("Bitte Ergebnis wählen und eintragen, was geprüft wurde."); return; }
    if (receipt && !/^[0-9]{1,9}$/.test(receipt)) { showError("Die Belegnummer besteht aus Ziffern."); return; }
    const body = Object.assign({ paid: paid === "paid", note }, receipt ? { receiptNumber: Number(receipt) } : {});
    settle.disabled = true;
    try {
      // The kit may be asking the terminal right now (a recovery round): then wait and try again.
      for (let attempt = 1; ; attempt++) {
        try {
          await api("POST", "/v1/payments/" + open.intentSeq + "/resolve", body);
          break;
        } catch (error) {
          if (!(error instanceof ApiError && error.code === "paymentBusy") || attempt >= 10) throw error;
          await new Promise((resolve) => setTimeout(resolve, 2000));
        }
      }
      await refreshCase();
    } catch (error) {
      showError("Nicht geklärt: " + explain(error), detailOf(error));
    } finally {
      settle.disabled = false;
    }
  });
  body.append(settle);
}

async function runStep(renderer) {
  if (state.busy) return;
  let request;
  try {
    request = renderer.request(state.detail.snapshot); // before the boxes are cleared: it may read from them
  } catch (problem) {
    $("step-error").hidden = true;
    showError(problem.message);
    return;
  }
  hideMessages();
  state.busy = true;
  for (const button of $("step-ways").querySelectorAll("button")) button.disabled = true;
  $("step-action").disabled = true;
  $("back-to-visits").disabled = true;
  state.cancelling = false;
  if (renderer.busy) {
    $("step-busy").textContent = renderer.busy;
    $("step-busy").hidden = false;
    $("step-busy").scrollIntoView({ block: "nearest" });
    $("step-cancel").hidden = !renderer.cancellable;
    $("step-cancel").disabled = false;
  }
  try {
    const answer = await api("POST", request.path, request.body);
    $("step-busy").hidden = true;
    const note = renderer.done ? renderer.done(answer) : null;
    if (note && note.warning) {
      // Not a success: the amber box says what happened and offers the ways on.
      showWarning(note.warning);
      $("step-action").hidden = true;
    } else if (note) {
      $("step-result").textContent = note;
      $("step-result").hidden = false;
      $("step-action").hidden = true;
      $("step-next").hidden = false;
      $("step-next").onclick = () => refreshCase();
    } else {
      await refreshCase();
    }
  } catch (error) {
    $("step-busy").hidden = true;
    const hint = DEVICE_STEP_HINT[request.path.split("/").pop()] || "";
    if (state.cancelling) {
      // The clerk cancelled: nothing was captured, the cancel itself is recorded.
      $("step-result").replaceChildren(element("p", { textContent: explain(error) + " Der Abbruch ist vermerkt." }));
      $("step-result").hidden = false;
    } else if (error instanceof ApiError && error.status === 409 && request.path.endsWith("/address")) {
      // A refusal, not a device problem: the card is not (or not proven to be) the citizen's.
      state.can = null;
      showError("Die Anschrift wurde nicht auf den Ausweis geschrieben. " + explain(error), detailOf(error));
    } else if (error instanceof ApiError && error.status < 500 && error.status !== 403) {
      showError(explain(error), detailOf(error)); // a refusal: the agent's sentence says what to do
    } else {
      showError(explain(error) + (hint ? " " + hint : ""), detailOf(error));
    }
  } finally {
    state.busy = false;
    state.cancelling = false;
    $("step-cancel").hidden = true;
    for (const button of $("step-ways").querySelectorAll("button")) button.disabled = false;
    $("step-action").disabled = false;
    $("back-to-visits").disabled = false;
  }
}

function hideMessages() {
  $("step-error").hidden = true;
  $("step-result").hidden = true;
  $("step-busy").hidden = true;
  $("step-warning").hidden = true;
  $("step-warning").replaceChildren();
}
// The amber box: something the clerk must decide on (not an error, not a success).
function showWarning(nodes) {
  $("step-warning").replaceChildren(...nodes);
  $("step-warning").hidden = false;
  $("step-warning").scrollIntoView({ block: "nearest" });
}
function choice(testid, text, onclick, kind) {
  const button = element("button", { type: "button", class: kind || "secondary", "data-testid": testid, textContent: text });
  button.addEventListener("click", onclick);
  return button;
}
function showError(text, detail) {
  const box = $("step-error");
  box.replaceChildren(element("p", { textContent: text }));
  if (detail) box.append(itDetails(detail));
  box.hidden = false;
  box.scrollIntoView({ block: "nearest" });
}
function casePath(snapshot, step) {
  return "/v1/cases/" + encodeURIComponent(snapshot.caseId) + "/" + step;
}
function field(id, label, attributes) {
  return [element("label", { for: id, textContent: label }), element("input", Object.assign({ id, "data-testid": id }, attributes))];
}
function value(id) { return ($(id).value || "").trim(); }
function totalCents(snapshot) { return snapshot.fees.reduce((sum, fee) => sum + fee.amountCents, 0); }

// One entry per workflow step: what the screen shows, what the button says, which request it sends.
const STEPS = {
  identify: {
    render(snapshot, body) {
      $("step-help").textContent = "Legen Sie den Personalausweis von " + snapshot.citizen.givenNames + " " +
        snapshot.citizen.familyName + " auf das Lesegerät und geben Sie die sechsstellige Zugangsnummer (CAN) " +
        "von der Vorderseite ein.";
      const identity = state.detail.workflow.identity;
      if (identity === "mismatched") showWarning(mismatchWarning([]));
      if (identity === "overridden") {
        body.append(element("p", { class: "error", "data-testid": "identity-overridden", role: "alert",
          textContent: "Die Abweichung ist dokumentiert. Auf den Ausweis wird erst geschrieben, wenn der Ausweis der " +
            "Person dieses Vorgangs geprüft ist." }));
      }
      body.append(...field("can", "Zugangsnummer (CAN)", { inputmode: "numeric", autocomplete: "off", maxLength: 6, pattern: "[0-9]{6}" }));
    },
    action() { return "Ausweis prüfen"; },
    busy: DEVICE_STEP_BUSY.identity,
    ways: [["card-unreadable", "Ausweis nicht lesbar", cardUnreadable]],
    request(snapshot) {
      const can = value("can");
      if (!/^[0-9]{6}$/.test(can)) throw new Error("Die Zugangsnummer hat sechs Ziffern.");
      state.can = can;
      return { path: casePath(snapshot, "identity"), body: { can } };
    },
    done(answer) {
      const result = answer && answer.result;
      if (result && result.matchesCase === true) return "Der Ausweis gehört zu diesem Vorgang.";
      state.can = null; // never reuse the CAN of a card that is not the citizen's
      const differences = answer && Array.isArray(answer.differences) ? answer.differences
        : (result && Array.isArray(result.mismatches) ? result.mismatches : []).map((name) => ({ field: name, card: "–", case: "–" }));
      return { warning: mismatchWarning(differences) };
    },
  },
  sign: {
    render(snapshot, body) {
      $("step-help").textContent = "Lesen Sie den Text gemeinsam. Er erscheint gleich auf dem Unterschriften-Pad.";
      body.append(element("p", { class: "sign-text", "data-testid": "sign-text", textContent: snapshot.textsToSign[0] || "" }));
    },
    action() { return "Auf dem Pad unterschreiben"; },
    busy: DEVICE_STEP_BUSY.signature,
    cancellable: true,
    ways: [["cannot-sign", "Kann nicht unterschreiben", cannotSign]],
    request(snapshot) {
      // No timeoutSeconds: the pad waits as the agent's DeviceWaitPolicy says, and fetch() waits
      // without a limit of its own, so a signature the agent records always reaches this page.
      return { path: casePath(snapshot, "signature"), body: { text: snapshot.textsToSign[0] || "" } };
    },
  },
  pay: {
    render(snapshot, body) {
      $("step-help").textContent = "Die Gebühren werden mit der Karte am Terminal bezahlt.";
      const rows = snapshot.fees.map((fee) =>
        element("tr", {}, element("td", { textContent: fee.label }), element("td", { class: "amount", textContent: euro(fee.amountCents) })));
      rows.push(element("tr", {}, element("td", { textContent: "Summe" }), element("td", { class: "amount", textContent: euro(totalCents(snapshot)) })));
      body.append(element("table", { class: "fees" }, element("tbody", {}, ...rows)));
    },
    action(snapshot) { return "Kartenzahlung starten (" + euro(totalCents(snapshot)) + ")"; },
    busy: DEVICE_STEP_BUSY.payment,
    request(snapshot) { return { path: casePath(snapshot, "payment"), body: { amountCents: totalCents(snapshot) } }; },
    done(answer) {
      if (answer && answer.status === "not-paid") return { warning: declinedWarning(answer) };
      return null; // approved: next step; unknown: the screen shows that the kit asks the terminal
    },
  },
  fingerprints: {
    render(snapshot, body) {
      $("step-help").textContent = "Nacheinander werden die Zeigefinger erfasst. Ist ein Finger verletzt oder fehlt er, " +
        "wählen Sie das hier aus – der Koffer nimmt dann einen Ersatzfinger.";
      const grid = element("div", { class: "fingers" });
      for (const [key, label] of FINGERS) {
        const select = element("select", { id: "skip-" + key, "data-testid": "skip-" + key },
          ...SKIP_REASONS.map(([reason, text]) => element("option", { value: reason, textContent: text })));
        grid.append(element("label", { for: "skip-" + key, textContent: label }), select);
      }
      body.append(grid);
    },
    action() { return "Fingerabdrücke erfassen"; },
    busy: DEVICE_STEP_BUSY.fingerprints,
    cancellable: true,
    request(snapshot) {
      const skip = {};
      for (const [key] of FINGERS) if (value("skip-" + key)) skip[key] = value("skip-" + key);
      return { path: casePath(snapshot, "fingerprints"), body: { skip } };
    },
  },
  "update-address": {
    render(snapshot, body) {
      $("step-help").textContent = "Die neue Anschrift wird auf den Ausweis geschrieben und im Melderegister geändert.";
      body.append(...field("street", "Straße und Hausnummer", { autocomplete: "off" }));
      body.append(...field("zip", "Postleitzahl", { inputmode: "numeric", autocomplete: "off", maxLength: 5 }));
      body.append(...field("city", "Ort", { autocomplete: "off", value: snapshot.citizen.address.city }));
      if (!state.can) body.append(...field("address-can", "Zugangsnummer (CAN) des Ausweises", { inputmode: "numeric", autocomplete: "off", maxLength: 6 }));
    },
    action() { return "Anschrift auf den Ausweis schreiben"; },
    busy: DEVICE_STEP_BUSY.address,
    request(snapshot) {
      const can = state.can || value("address-can");
      if (!/^[0-9]{6}$/.test(can)) throw new Error("Die Zugangsnummer hat sechs Ziffern.");
      const body = { can, street: value("street"), zip: value("zip"), city: value("city") };
      if (!body.street || !/^[0-9]{5}$/.test(body.zip) || !body.city) throw new Error("Bitte Straße, fünfstellige Postleitzahl und Ort angeben.");
      return { path: casePath(snapshot, "address"), body };
    },
  },
  "hand-out-document": {
    render(snapshot, body) {
      $("step-help").textContent = "Übergeben Sie das Dokument und bestätigen Sie die Übergabe.";
      body.append(element("ul", {}, ...snapshot.documents.map((doc) => element("li", { textContent: doc.title + " (" + doc.documentId + ")" }))));
    },
    action() { return "Dokument ist übergeben"; },
    request(snapshot) {
      const facts = {};
      if (snapshot.documents.length) facts.documentId = snapshot.documents.map((doc) => doc.documentId).join(",");
      return { path: "/v1/steps", body: { caseId: snapshot.caseId, kind: "document.handed-out", facts } };
    },
  },
  complete: {
    render(snapshot, body) {
      $("step-help").textContent = "Alle Schritte sind erledigt. Schließen Sie den Besuch ab.";
    },
    action() { return "Besuch abschließen"; },
    request(snapshot) { return { path: "/v1/steps", body: { caseId: snapshot.caseId, kind: "case.completed" } }; },
  },
};


// The clerk's documented override of a failed identity check (never a write to the card).
const IDENTITY_OVERRIDE = {
  request(snapshot) {
    const reason = value("override-reason");
    if (reason.length < 10) throw new Error("Bitte begründen, wie sich die Person ausgewiesen hat (mindestens 10 Zeichen).");
    return { path: casePath(snapshot, "identity") + "/override", body: { reason } };
  },
  done() {
    return "Die Abweichung ist dokumentiert. Schritte ohne Ausweis können folgen; auf den Ausweis wird nichts geschrieben.";
  },
};

// --- start ------------------------------------------------------------------------------------

function readToken() {
  const match = /(?:^#|&)token=([0-9a-f]+)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem("kitToken", match[1]);
    history.replaceState(null, "", location.pathname);
  }
  return sessionStorage.getItem("kitToken");
}

async function start() {
  state.token = readToken();
  if (!state.token) { show("screen-token"); return; }
  $("unlock-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const secret = $("unlock-secret").value;
    $("unlock-secret").value = "";
    $("unlock-error").hidden = true;
    try {
      await api("POST", "/v1/unlock", { secret });
      state.unlocked = true;
      if (state.resume) await resumeVisit();
      else await loadVisits();
    } catch (error) {
      // Wrong secret, or locked out "bis 14:32 Uhr": the agent's German sentence.
      $("unlock-error").replaceChildren(element("p", { textContent: "Nicht entsperrt: " + explain(error) }));
      if (detailOf(error)) $("unlock-error").append(itDetails(detailOf(error)));
      $("unlock-error").hidden = false;
    }
  });
  $("back-to-visits").addEventListener("click", () => loadVisits());
  // Leaving the citizen's home: case data becomes unreadable until the secret is entered again.
  $("lock").addEventListener("click", async () => {
    if (state.busy) return;
    try {
      await api("POST", "/v1/lock");
    } catch (error) {
      alert("Sperren fehlgeschlagen: " + explain(error)); // German only; the detail is in the agent's log
      return;
    }
    state.unlocked = false;
    state.caseId = null;
    state.can = null;
    $("lock").hidden = true;
    $("visits").replaceChildren();
    show("screen-unlock");
  });
  $("done-back").addEventListener("click", () => loadVisits());
  $("show-all-visits").addEventListener("click", () => { state.showAll = true; loadVisits({ keepView: true }); });
  $("keep-working").addEventListener("click", () => keepWorking());
  setInterval(checkAutoLock, 5000);
  $("step-cancel").addEventListener("click", () => cancelDeviceStep());
  // The step is a real form: Enter in a field runs the step's action.
  $("step-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (state.renderer && !$("step-action").hidden && !$("step-action").disabled) runStep(state.renderer);
  });
  connectEvents();
  try {
    const status = await api("GET", "/v1/status");
    showStatus(status, []);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      sessionStorage.removeItem("kitToken");
      show("screen-token");
    }
  }
}

document.addEventListener("DOMContentLoaded", start);
