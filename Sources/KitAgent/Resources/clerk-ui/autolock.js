// Clerk UI of the Bürgeramtskoffer, the auto-lock: a warning a minute before, and back to the same step afterwards.
// Loaded before app.js; uses its helpers (element, field, api, runStep, …) at call time.
"use strict";


async function checkAutoLock() {
  if (!state.token || !state.unlocked || state.busy) return;
  let answer;
  try {
    answer = await api("GET", "/v1/lock");
  } catch (_) {
    return;
  }
  const seconds = answer && typeof answer.secondsUntilAutoLock === "number" ? answer.secondsUntilAutoLock : null;
  if (seconds === null) { lockedByAgent(); return; }
  if (seconds <= 60) {
    state.lockAt = Date.now() + seconds * 1000;
    if ($("lock-warning").hidden) {
      $("lock-warning").hidden = false;
      $("keep-working").focus();
    }
    updateLockCountdown();
  } else {
    $("lock-warning").hidden = true;
  }
}
function updateLockCountdown() {
  if ($("lock-warning").hidden || !state.lockAt) return;
  const left = Math.max(0, Math.round((state.lockAt - Date.now()) / 1000));
  $("lock-warning-text").textContent = "Der Koffer sperrt sich in " + left + " Sekunden, weil nichts getan wurde. " +
    "Eingegebene Angaben bleiben erhalten.";
  setTimeout(updateLockCountdown, 1000);
}
async function keepWorking() {
  try {
    await api("POST", "/v1/lock/keep");
    $("lock-warning").hidden = true;
    state.lockAt = null;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) lockedByAgent();
  }
}
// The agent locked by itself (idle): remember the visit, the step and what was typed (in this
// tab's memory only), show the unlock screen, and come back to it after unlocking.
function lockedByAgent() {
  state.unlocked = false;
  $("lock-warning").hidden = true;
  $("lock").hidden = true;
  if (state.caseId && !$("screen-step").hidden) {
    const fields = {};
    for (const field of $("screen-step").querySelectorAll("input, select, textarea")) {
      if (field.id) fields[field.id] = field.value;
    }
    state.resume = { caseId: state.caseId, step: $("step-title").dataset.step, fields };
  }
  state.detail = null;
  $("visits").replaceChildren();
  show("screen-unlock");
  $("unlock-secret").focus();
}
async function resumeVisit() {
  const resume = state.resume;
  state.resume = null;
  state.caseId = resume.caseId;
  await refreshCase();
  if ($("step-title").dataset.step !== resume.step) return; // the visit moved on meanwhile
  for (const [id, text] of Object.entries(resume.fields)) {
    const field = $(id);
    if (field && text) field.value = text;
  }
}
