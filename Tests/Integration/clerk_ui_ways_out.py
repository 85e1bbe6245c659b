#!/usr/bin/env python3
"""The clerk UI when a visit does not go to plan (issue #20), in headless Chromium, like a clerk
would: a card of another person (amber warning with both values side by side, continuing needs a
reason), a declined card payment (amber, "Noch einmal versuchen"). Every screen is screenshotted
and checked with axe-core. Exits 0 when every expectation held, 1 with the reason otherwise.

Used by Tests/Integration/clerk-ui.sh (which puts the wrong card on the reader and runs a terminal
that declines the case's amount)."""
import argparse
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
    p.add_argument("--scenario", required=True, choices=["mismatch-then-decline"])
    p.add_argument("--card-family-name", required=True, help="the family name on the (wrong) card, as printed")
    p.add_argument("--case-family-name", required=True, help="the case citizen's family name")
    p.add_argument("--step-timeout", type=float, default=120)
    return p.parse_args()


class WaysOut(Clerk):
    def __init__(self, args):
        args.hook, args.after_click, args.skip, args.lock_at_end, args.settle_by_hand = [], [], [], False, None
        super().__init__(args)

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
            self.fill("unlock-secret", args.secret)
            self.by_testid("unlock").click()
        self.wait(lambda: self.shown(f"visit-{args.case}"), what=f"the visit {args.case}")
        self.by_testid(f"visit-{args.case}").click()
        self.wait(lambda: self.visible("screen-step"), what="the first step")

    def expect(self, condition, what):
        if not condition:
            self.shot("unerwartet")
            raise SystemExit(f"clerk-ui: expected {what}")

    def mismatch_then_decline(self):
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
        self.shot("ausweis-fremd")
        # Continuing needs a reason: without one nothing is recorded.
        self.by_testid("identity-continue").click()
        self.wait(lambda: self.visible("override-reason"), what="the reason field")
        self.by_testid("identity-override").click()
        self.wait(lambda: self.visible("step-error"), what="the refusal of an empty reason")
        self.expect(self.visible("step-warning"), "the warning to stay while the reason is missing")
        self.shot("ausweis-ohne-begruendung")
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
            self.shot(f"zahlung-abgelehnt-{attempt}")
        self.by_testid("payment-stop").click()
        self.wait(lambda: self.visible("screen-visits"), what="the list after 'Besuch anhalten'")
        return 0

    def run(self):
        self.open_visit()
        return self.mismatch_then_decline()


def main():
    args = parse()
    clerk = WaysOut(args)
    try:
        status = clerk.run()
    finally:
        problems = clerk.close()
    for finding in clerk.axe_findings:
        print(f"clerk-ui: {finding}")
    print(f"clerk-ui: axe-core {clerk.axe_version}: {len(clerk.axe_findings)} violations on {clerk.axe_screens} screens")
    return 1 if problems or clerk.axe_findings else status


if __name__ == "__main__":
    sys.exit(main())
