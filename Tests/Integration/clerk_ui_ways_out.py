#!/usr/bin/env python3
"""The clerk UI when a visit does not go to plan (issue #20), in headless Chromium, like a clerk
would. Scenarios:

- mismatch-decline-fee-notice: a card of another person (amber warning with both values side by
  side, continuing needs a reason), a declined card payment (amber, "Noch einmal versuchen"), then
  "Andere Zahlungsart" → Gebührenbescheid, and the visit completes;
- cancel-cannot-sign: the pad waits, the clerk presses "Abbrechen" (nothing captured, the cancel is
  recorded), then "Kann nicht unterschreiben" with a witness note, and the visit completes;
- unreadable-impossible: "Ausweis nicht lesbar" with how the person identified, then "Besuch nicht
  möglich" (nobody at home);
- auto-lock (an agent with a short lock.idleTimeout): after unlocking only the next visit is on the
  screen; a minute before the auto-lock the page warns, "Weiterarbeiten" keeps the kit unlocked;
  without it the kit locks, and after unlocking the clerk is back at the same step with the typed
  field kept.

Every screen is screenshotted and checked with axe-core; the text the clerk sees on every failure
screen (error, warning and result boxes, unlock refusals) is scanned for English words of the
agent's messages — English may appear only behind "Details für die IT" with lang="en". Exits 0
when every expectation held, 1 with the reason otherwise. Used by Tests/Integration/clerk-ui.sh."""
import argparse
import os
import re
import sys

from clerk_ui_driver import Clerk
from selenium.webdriver.common.by import By


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--secret", required=True)
    p.add_argument("--case", required=True)
    p.add_argument("--can", required=True)
    p.add_argument("--shots", required=True)
    p.add_argument("--scenario", required=True,
                   choices=["mismatch-decline-fee-notice", "cancel-cannot-sign", "unreadable-impossible", "auto-lock"])
    p.add_argument("--card-family-name", help="the family name on the (wrong) card, as printed")
    p.add_argument("--case-family-name", help="the case citizen's family name")
    p.add_argument("--hold-file", help="while it exists the simulated pad does not sign (STU_TESTBED_HOLD_FILE)")
    p.add_argument("--wrong-secret-first", action="store_true", help="type a wrong unlock secret first")
    p.add_argument("--step-timeout", type=float, default=120)
    return p.parse_args()


# Words of the agent's English messages that never occur in the German ones.
ENGLISH = {"the", "is", "not", "cannot", "failed", "wrong", "please", "after", "try", "again", "connected",
           "declined", "aborted", "unlock", "secret", "nothing", "written", "recorded", "card", "payment", "waits",
           "missing", "unknown", "error", "refused", "cancelled", "running", "found", "plug", "step"}

# The visible text of the boxes a clerk reads, without the collapsed "Details für die IT".
CLERK_TEXT = """
const boxes = ["step-error", "step-warning", "step-result", "unlock-error", "step-busy"];
const out = [];
for (const id of boxes) {
  const box = document.getElementById(id);
  if (!box || box.hidden) continue;
  const copy = box.cloneNode(true);
  for (const details of copy.querySelectorAll("details")) details.remove();
  out.push(copy.textContent);
}
const detailsWithoutLang = [...document.querySelectorAll("details p")].filter((p) => p.lang !== "en").length;
return [out.join(" \\n "), detailsWithoutLang];
"""


class WaysOut(Clerk):
    def __init__(self, args):
        args.hook, args.after_click, args.skip, args.lock_at_end, args.settle_by_hand = [], [], [], False, None
        super().__init__(args)
        self.screens_scanned = 0

    def german_only(self, screen):
        """Fails when the boxes the clerk reads on this screen carry English words."""
        text, details_without_lang = self.browser.execute_script(CLERK_TEXT)
        words = set(re.findall(r"[a-zäöüß']+", text.lower()))
        english = sorted(words & ENGLISH)
        self.screens_scanned += 1
        if english or details_without_lang:
            self.shot(f"{screen}-englisch")
            raise SystemExit(f"clerk-ui: {screen}: English {english} in what the clerk reads: {text!r}"
                             f" ({details_without_lang} IT details without lang=en)")

    def failure_shot(self, name):
        self.shot(name)
        self.german_only(name)

    def by_testid(self, testid):
        return self.browser.find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]')

    def shown(self, testid):
        found = self.browser.find_elements(By.CSS_SELECTOR, f'[data-testid="{testid}"]')
        return bool(found) and found[0].is_displayed()

    def step(self):
        return self.browser.find_element(By.ID, "step-title").get_attribute("data-step")

    def open_visit(self):
        args = self.args
        self.browser.get(args.url)
        self.wait(lambda: self.visible("screen-unlock") or self.visible("screen-visits"), what="the first screen")
        if self.visible("screen-unlock"):
            if args.wrong_secret_first:
                self.fill("unlock-secret", args.secret + "-falsch")
                self.by_testid("unlock").click()
                self.wait(lambda: self.visible("unlock-error"), what="the refusal of a wrong secret")
                print(f"clerk-ui:   wrong secret: {self.text('unlock-error')}")
                self.failure_shot("kennwort-falsch")
            self.fill("unlock-secret", args.secret)
            self.by_testid("unlock").click()
        self.open_from_list(args.case)
        self.wait(lambda: self.visible("screen-step"), what="the first step")

    def expect(self, condition, what):
        if not condition:
            self.shot("unerwartet")
            raise SystemExit(f"clerk-ui: expected {what}")

    def mismatch_decline_fee_notice(self):
        args = self.args
        self.expect(self.step() == "identify", "the identity step first")
        self.fill("can", args.can)
        self.by_testid("step-action").click()
        self.wait(lambda: self.visible("step-warning") or self.visible("step-error") or self.visible("step-next"),
                  timeout=args.step_timeout, what="the identity check")
        self.expect(not self.visible("step-next") and not self.visible("step-result"),
                    "no success box for a card of another person")
        self.expect(self.visible("step-warning"), f"the amber warning (error: {self.text('step-error')!r})")
        row = self.by_testid("difference-familyName").text
        self.expect(args.card_family_name in row and args.case_family_name in row,
                    f"both family names side by side, got {row!r}")
        print(f"clerk-ui:   mismatch shown: {row}")
        self.failure_shot("ausweis-fremd")
        # Continuing needs a reason: without one nothing is recorded.
        self.by_testid("identity-continue").click()
        self.wait(lambda: self.visible("override-reason"), what="the reason field")
        self.by_testid("identity-override").click()
        self.wait(lambda: self.visible("step-error"), what="the refusal of an empty reason")
        self.expect(self.visible("step-warning"), "the warning to stay while the reason is missing")
        self.failure_shot("ausweis-ohne-begruendung")
        self.fill("override-reason", "Reisepass C01X00T47 vorgelegt, Lichtbild stimmt überein")
        self.by_testid("identity-override").click()
        self.wait(lambda: self.visible("step-next") or (self.visible("step-error") and not self.visible("step-warning")),
                  what="the override to be recorded")
        self.expect(self.visible("step-next"), f"the override recorded (error: {self.text('step-error')!r})")
        self.shot("ausweis-begruendet")
        self.by_testid("step-next").click()
        self.wait(lambda: self.step() == "pay", what="the payment step")
        # The terminal declines this amount: amber, nothing charged, try again.
        for attempt in (1, 2):
            if attempt == 1:
                self.by_testid("step-action").click()
            else:
                self.by_testid("payment-retry").click()
            self.wait(lambda: not self.visible("step-busy") and (
                self.visible("step-warning") or self.visible("step-error") or self.visible("step-next")),
                timeout=args.step_timeout, what=f"payment attempt {attempt}")
            self.expect(not self.visible("step-next") and self.visible("step-warning"),
                        f"an amber box for the declined payment (error: {self.text('step-error')!r})")
            self.expect(self.shown("payment-retry") and "Noch einmal versuchen" in self.by_testid("payment-retry").text,
                        "'Noch einmal versuchen'")
            print(f"clerk-ui:   payment attempt {attempt}: {self.by_testid('payment-declined-reason').text}")
            self.failure_shot(f"zahlung-abgelehnt-{attempt}")
        # Another way to pay: the cash office sends a fee notice.
        self.by_testid("payment-other").click()
        self.wait(lambda: self.visible("other-payment-method"), what="the form for another way to pay")
        self.by_testid("other-payment-submit").click()
        self.wait(lambda: self.visible("step-error"), what="the refusal without a way to pay")
        self.failure_shot("zahlungsart-fehlt")
        self.select("other-payment-method", "fee-notice")
        self.by_testid("other-payment-submit").click()
        self.wait(lambda: self.step() == "complete", what="the completion step after the fee notice")
        return self.complete()

    def select(self, element_id, value):
        from selenium.webdriver.support.ui import Select
        Select(self.browser.find_element(By.ID, element_id)).select_by_value(value)

    def complete(self):
        self.shot("abschliessen")
        self.by_testid("step-action").click()
        self.wait(lambda: self.visible("screen-done") or self.visible("step-error"), what="the visit to complete")
        self.expect(self.visible("screen-done"), f"the visit completed (error: {self.text('step-error')!r})")
        self.shot("abgeschlossen")
        return 0

    def cancel_cannot_sign(self):
        args = self.args
        self.expect(self.step() == "sign", "the signature step first")
        open(args.hold_file, "w").close()  # the citizen does not sign
        try:
            self.by_testid("step-action").click()
            self.wait(lambda: self.visible("step-busy") and self.shown("step-cancel"), what="the pad waiting")
            self.shot("unterschrift-wartet")
            self.by_testid("step-cancel").click()
            self.wait(lambda: not self.visible("step-busy"), what="the cancel", timeout=30)
        finally:
            os.remove(args.hold_file)
        self.expect(self.visible("step-result") and "abgebrochen" in self.text("step-result"),
                    f"the cancel to show as such (error: {self.text('step-error')!r})")
        self.expect(not self.visible("step-next") and self.step() == "sign", "the signature step still open")
        print(f"clerk-ui:   cancelled: {self.text('step-result')}")
        self.failure_shot("unterschrift-abgebrochen")
        self.by_testid("cannot-sign").click()
        self.wait(lambda: self.visible("cannot-sign-reason"), what="the form 'kann nicht unterschreiben'")
        self.select("cannot-sign-reason", "cannot-write")
        self.by_testid("cannot-sign-submit").click()
        self.wait(lambda: self.visible("step-error"), what="the refusal without a witness note")
        self.failure_shot("zeugenvermerk-fehlt")
        self.fill("cannot-sign-witness", "Zeugin: Tochter Anna Probe, Zustimmung mündlich erklärt")
        self.by_testid("cannot-sign-submit").click()
        self.wait(lambda: self.step() == "complete", what="the completion step after the witness note")
        return self.complete()

    def unreadable_impossible(self):
        self.expect(self.step() == "identify", "the identity step first")
        self.by_testid("card-unreadable").click()
        self.wait(lambda: self.visible("card-unreadable-reason"), what="the form 'Ausweis nicht lesbar'")
        self.fill("card-unreadable-reason", "Reisepass vorgelegt, Lichtbild stimmt überein")
        self.shot("ausweis-nicht-lesbar")
        self.by_testid("card-unreadable-submit").click()
        self.wait(lambda: self.step() == "sign", what="the signature step after the note")
        self.by_testid("visit-impossible").click()
        self.wait(lambda: self.visible("visit-impossible-reason"), what="the form 'Besuch nicht möglich'")
        self.select("visit-impossible-reason", "other")
        self.by_testid("visit-impossible-submit").click()
        self.wait(lambda: self.visible("step-error"), what="the refusal of 'other' without a note")
        self.failure_shot("besuch-ohne-vermerk")
        self.select("visit-impossible-reason", "nobody-home")
        self.fill("visit-impossible-note", "Zweimal geklingelt, Nachbarin sagt: im Krankenhaus")
        self.by_testid("visit-impossible-submit").click()
        self.wait(lambda: self.visible("screen-done"), what="the visit to end as impossible")
        title = self.text("done-title")
        self.expect(title == "Besuch nicht möglich", f"the end screen 'Besuch nicht möglich', got {title!r}")
        self.shot("besuch-nicht-moeglich")
        return 0

    def auto_lock(self):
        args = self.args
        self.expect(self.step() == "identify", "the identity step first")
        self.fill("can", "12345")  # typed, not yet sent
        self.wait(lambda: self.visible("lock-warning"), timeout=90, what="the warning before the auto-lock")
        print(f"clerk-ui:   warning: {self.text('lock-warning')}")
        self.expect("Weiterarbeiten" in self.by_testid("keep-working").text, "the button 'Weiterarbeiten'")
        self.shot("sperre-warnung")
        self.by_testid("keep-working").click()
        self.wait(lambda: not self.visible("lock-warning"), what="the warning to go after 'Weiterarbeiten'")
        self.expect(self.visible("screen-step"), "the step still on the screen after 'Weiterarbeiten'")
        # This time nobody reacts: the kit locks, the page shows the unlock screen.
        self.wait(lambda: self.visible("lock-warning"), timeout=90, what="the second warning")
        self.wait(lambda: self.visible("screen-unlock"), timeout=120, what="the auto-lock")
        self.expect(not self.browser.find_elements(By.CSS_SELECTOR, "#visits li"), "no names left on the page when locked")
        self.shot("automatisch-gesperrt")
        self.fill("unlock-secret", args.secret)
        self.by_testid("unlock").click()
        self.wait(lambda: self.visible("screen-step") and self.step() == "identify", what="the same step after unlocking")
        kept = self.browser.find_element(By.ID, "can").get_attribute("value")
        self.expect(kept == "12345", f"the typed CAN kept, got {kept!r}")
        self.shot("zurueck-im-schritt")
        print("clerk-ui:   back at the identity step after the auto-lock, typed field kept")
        return 0

    def run(self):
        self.open_visit()
        scenario = self.args.scenario.replace("-", "_")
        status = getattr(self, scenario)()
        print(f"clerk-ui:   German only on {self.screens_scanned} failure screens")
        return status


def main():
    args = parse()
    clerk = WaysOut(args)
    try:
        status = clerk.run()
    finally:
        problems = clerk.close()
    # The refusals these paths provoke (401 wrong secret, 400 missing facts, 409 cancelled step)
    # show in the console as failed loads; anything else (a script error, a CSP violation) fails.
    expected = re.compile(r"Failed to load resource: the server responded with a status of 4\d\d")
    problems = [entry for entry in problems if not expected.search(entry.get("message", ""))]
    for finding in clerk.axe_findings:
        print(f"clerk-ui: {finding}")
    print(f"clerk-ui: axe-core {clerk.axe_version}: {len(clerk.axe_findings)} violations on {clerk.axe_screens} screens")
    return 1 if problems or clerk.axe_findings else status


if __name__ == "__main__":
    sys.exit(main())
