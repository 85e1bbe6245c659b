// Counter mode of the clerk UI (issue #20): open a case for a walk-in citizen ("Vorsprache") from
// the city's service catalogue, and search today's cases by name or case number. Uses app.js's
// helpers (api, element, show, explain, detailOf, itDetails, openCase, visitItem, loadVisits).

const REGISTER_ANSWERS = {
  found: "Das Melderegister kennt die Person; der Vorgang ist mit ihrem Eintrag verbunden.",
  unknown: "Das Melderegister kennt die Person nicht; der Vorgang enthält Ihre Angaben.",
  offline: "Das Stadtnetz ist nicht erreichbar: Der Vorgang ist vorläufig. Der Server prüft ihn bei der "
    + "nächsten Verbindung mit dem Melderegister.",
};
const counter = { catalogue: null, opened: null };

async function startWalkIn() {
  $("walkin-error").hidden = true;
  $("walkin-result").hidden = true;
  $("walkin-form").hidden = false;
  try {
    counter.catalogue = await api("GET", "/v1/service-catalogue");
  } catch (error) {
    show("screen-walkin");
    walkInError(error);
    $("walkin-form").hidden = true;
    return;
  }
  const select = $("walkin-service");
  select.replaceChildren(...counter.catalogue.services.map((service) =>
    element("option", { value: service.serviceId, textContent: service.title })));
  for (const id of ["walkin-given", "walkin-family", "walkin-birth", "walkin-street", "walkin-zip", "walkin-city"])
    $(id).value = "";
  markAddressNeed();
  show("screen-walkin");
}

// The address fields are required only where the chosen service needs the address.
function markAddressNeed() {
  const service = (counter.catalogue ? counter.catalogue.services : [])
    .find((entry) => entry.serviceId === $("walkin-service").value);
  const needed = !!(service && service.needsAddress);
  $("walkin-address-legend").textContent = needed ? "Anschrift (für diese Leistung nötig)" : "Anschrift (freiwillig)";
  for (const id of ["walkin-street", "walkin-zip", "walkin-city"]) $(id).required = needed;
}

function walkInError(error) {
  $("walkin-error").replaceChildren(element("p", { textContent: explain(error) }));
  if (detailOf(error)) $("walkin-error").append(itDetails(detailOf(error)));
  $("walkin-error").hidden = false;
  $("walkin-error").scrollIntoView({ block: "nearest" });
}

async function openWalkIn(event) {
  event.preventDefault();
  $("walkin-error").hidden = true;
  const body = {
    serviceId: $("walkin-service").value,
    givenNames: value("walkin-given"),
    familyName: value("walkin-family"),
    dateOfBirth: value("walkin-birth"),
  };
  const address = { street: value("walkin-street"), zip: value("walkin-zip"), city: value("walkin-city") };
  if (address.street || address.zip || address.city) Object.assign(body, address);
  let opened;
  try {
    opened = await api("POST", "/v1/walk-ins", body);
  } catch (error) {
    walkInError(error);
    return;
  }
  counter.opened = opened;
  $("walkin-form").hidden = true;
  $("walkin-result-text").textContent =
    "Vorgang " + opened.caseId + " angelegt. " + (REGISTER_ANSWERS[opened.register] || "");
  $("walkin-result").hidden = false;
  $("walkin-result").dataset.caseId = opened.caseId;
  $("walkin-continue").focus();
}

// Search by name or case number in today's cases (the kit's own: nothing leaves the kit).
async function searchVisits(event) {
  event.preventDefault();
  const query = value("search-query").toLocaleLowerCase("de-DE");
  if (!query) { loadVisits(); return; }
  let visits;
  try {
    visits = await api("GET", "/v1/cases");
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) { show("screen-unlock"); return; }
    visits = [];
  }
  const found = visits.filter((visit) =>
    [visit.citizen, visit.caseId, visit.title].some((text) => text.toLocaleLowerCase("de-DE").includes(query)));
  $("visits").replaceChildren(...found.map(visitItem));
  state.showAll = true;
  $("visits-title").textContent = "Suchergebnis (" + found.length + ")";
  $("visits-all-done").hidden = true;
  $("visits-empty").hidden = true;
  $("show-all-visits").hidden = false;
  $("search-empty").hidden = found.length > 0;
  show("screen-visits", "Suchergebnis");
}

document.addEventListener("DOMContentLoaded", () => {
  $("walkin-start").addEventListener("click", () => startWalkIn());
  $("walkin-service").addEventListener("change", markAddressNeed);
  $("walkin-form").addEventListener("submit", openWalkIn);
  $("walkin-back").addEventListener("click", () => loadVisits());
  $("walkin-continue").addEventListener("click", () => openCase(counter.opened.caseId));
  $("search-form").addEventListener("submit", searchVisits);
});
