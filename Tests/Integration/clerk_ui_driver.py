#!/usr/bin/env python3
"""Completes one home visit in the clerk UI with headless Chromium, like a clerk would: unlock,
pick the visit, and for every step fill in what the screen asks and press its button. Saves a
screenshot of every screen. Exits 0 when the visit shows as completed, 1 with the reason otherwise.

Used by Tests/Integration/clerk-ui.sh, which brings up the server, the simulated devices and the
agent. Needs Debian's chromium + chromium-driver and selenium (PyPI)."""
import argparse
import os
import re
import subprocess
import sys
import time

import axe_check
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True, help="the page with the token, from `kit-agent ui`")
    p.add_argument("--secret", required=True, help="the kit's unlock secret")
    p.add_argument("--case", required=True)
    p.add_argument("--can", required=True)
    p.add_argument("--street", default="Rheinallee 7")
    p.add_argument("--zip", default="55118")
    p.add_argument("--city", default="Mainz")
    p.add_argument("--skip", action="append", default=[], help="finger=reason for the fingerprint step")
    p.add_argument("--hook", action="append", default=[], help="step=shell command run just before the step's button")
    p.add_argument("--shots", required=True, help="folder for the screenshots")
    p.add_argument("--step-timeout", type=float, default=120)
    p.add_argument("--lock-at-end", action="store_true", help="press 'Koffer sperren' after the visit")
    p.add_argument("--after-click", action="append", default=[],
                   help="step=shell command started (not awaited) right after the step's button")
    p.add_argument("--settle-by-hand", help="paid|not-paid:RECEIPT:NOTE for a payment the terminal cannot tell")
    return p.parse_args()


class Clerk:
    def __init__(self, args):
        self.args = args
        options = webdriver.ChromeOptions()
        for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1024,1000", "--lang=de-DE", "--no-first-run", "--disable-extensions",
                     "--disable-background-networking", "--disable-component-update"]:
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        options.binary_location = "/usr/bin/chromium"  # Debian's; selenium must not go looking online
        self.browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.shot_number = 0
        self.hooks = dict(item.split("=", 1) for item in args.hook)
        self.after_click = dict(item.split("=", 1) for item in args.after_click)
        self.background = []
        self.axe_findings = []
        self.axe_screens = 0
        self.axe_version = "?"
        os.makedirs(args.shots, exist_ok=True)

    def shot(self, name):
        self.shot_number += 1
        path = os.path.join(self.args.shots, f"{self.shot_number:02d}-{name}.png")
        self.browser.save_screenshot(path)
        print(f"clerk-ui: screenshot {path}")
        self.check_accessibility(name)

    def check_accessibility(self, screen):
        """axe-core on every screen the clerk sees (BITV 2.0 / WCAG 2.1 AA); findings are collected
        and make the run fail at the end."""
        try:
            version, violations, _ = axe_check.run(self.browser)
        except RuntimeError as error:
            self.axe_findings.append(f"{screen}: axe-core did not run: {error}")
            return
        self.axe_version = version
        self.axe_screens += 1
        for violation in violations:
            self.axe_findings.append(f"{screen}: {axe_check.describe(violation)}")

    def wait(self, condition, timeout=20, what="the page"):
        try:
            return WebDriverWait(self.browser, timeout, poll_frequency=0.2).until(lambda b: condition())
        except TimeoutException:
            self.shot("timeout")
            raise SystemExit(f"clerk-ui: waited {timeout:.0f} s for {what}")

    def visible(self, element_id):
        elements = self.browser.find_elements(By.ID, element_id)
        return bool(elements) and elements[0].is_displayed()

    def text(self, element_id):
        return self.browser.find_element(By.ID, element_id).text

    def fill(self, element_id, value):
        field = self.browser.find_element(By.ID, element_id)
        field.clear()
        field.send_keys(value)

    def run(self):
        args = self.args
        self.browser.get(args.url)
        if "#token=" in self.browser.current_url:
            raise SystemExit("clerk-ui: the page left the token in the address bar")
        self.wait(lambda: self.visible("screen-unlock") or self.visible("screen-visits"), what="the first screen")
        self.wait(lambda: self.text("pill-live") == "Koffer-Dienst: verbunden", what="the live event stream")
        if self.visible("screen-unlock"):
            self.fill("unlock-secret", args.secret)
            self.shot("entsperren")
            self.browser.find_element(By.CSS_SELECTOR, '[data-testid="unlock"]').click()
        self.open_from_list(args.case)
        done_steps = []
        for _ in range(12):
            self.wait(lambda: self.visible("screen-step") or self.visible("screen-done"), what="the next step")
            if self.visible("screen-done"):
                self.shot("abgeschlossen")
                print(f"clerk-ui: visit {args.case} completed, steps: {' '.join(done_steps)}")
                print(f"clerk-ui: status pills: {self.text('pill-link')} | {self.text('pill-queue')} | "
                      f"{self.text('pill-devices')}")
                if args.lock_at_end:
                    self.browser.find_element(By.ID, "lock").click()
                    self.wait(lambda: self.visible("screen-unlock"), what="the unlock screen after locking")
                    if self.browser.find_elements(By.CSS_SELECTOR, "#visits li"):
                        raise SystemExit("clerk-ui: the visits are still on the page after locking")
                    self.shot("gesperrt")
                    print("clerk-ui: kit locked from the page")
                return 0
            step = self.browser.find_element(By.ID, "step-title").get_attribute("data-step")
            if step == "awaiting-terminal" and args.settle_by_hand:
                self.settle_by_hand()
                done_steps.append("settled-by-hand")
                continue
            if step in ("awaiting-terminal", "none", None):
                time.sleep(0.5)
                continue
            self.prepare(step)
            self.shot(step)
            if step in self.hooks:
                subprocess.run(self.hooks[step], shell=True, check=True)
            started = time.monotonic()
            self.browser.find_element(By.ID, "step-action").click()
            if step in self.after_click:
                self.background.append(subprocess.Popen(self.after_click[step], shell=True))
            # The screen while the device works (the pad waits for the signature, the scanner for a finger).
            try:
                WebDriverWait(self.browser, 1, poll_frequency=0.05).until(lambda b: self.visible("step-busy"))
                self.shot(f"{step}-laeuft")
            except TimeoutException:
                pass  # the step was quicker than the screenshot
            prompts = []

            def finished():
                if self.visible("step-busy"):
                    prompt = self.text("step-busy")
                    if prompt and (not prompts or prompts[-1] != prompt):
                        prompts.append(prompt)
                return (self.visible("step-error") or self.visible("step-next") or self.visible("screen-done")
                        or self.browser.find_element(By.ID, "step-title").get_attribute("data-step") != step)

            self.wait(finished, timeout=args.step_timeout, what=f"the step {step} to finish")
            if step == "fingerprints" and not any("auflegen" in prompt for prompt in prompts):
                self.shot("fingerprints-ohne-anweisung")
                raise SystemExit(f"clerk-ui: the scanner's finger prompts did not reach the screen (seen: {prompts})")
            for prompt in prompts[1:]:
                print(f"clerk-ui:   prompt: {prompt}")
            if self.visible("step-error"):
                self.shot(f"{step}-fehler")
                raise SystemExit(f"clerk-ui: step {step} failed: {self.text('step-error')}")
            print(f"clerk-ui: step {step} done in {time.monotonic() - started:.1f} s")
            done_steps.append(step)
            if self.visible("step-next"):
                self.shot(f"{step}-ergebnis")
                print(f"clerk-ui:   result: {self.text('step-result')}")
                self.browser.find_element(By.ID, "step-next").click()
                self.wait(lambda: not self.visible("step-next") or self.visible("screen-done"), what="the next screen")
        raise SystemExit("clerk-ui: the visit did not end after 12 screens")

    def open_from_list(self, case_id):
        """Privacy at the door: after unlocking only the next visit is on the screen; any other one
        needs the explicit tap on 'Alle Besuche von heute zeigen'."""
        visit = f'[data-testid="visit-{case_id}"]'
        show_all = '[data-testid="show-all-visits"]'

        def either():
            return (self.browser.find_elements(By.CSS_SELECTOR, visit)
                    or (self.visible("show-all-visits") and self.visible("screen-visits")))

        self.wait(either, what=f"the visit {case_id} or 'Alle Besuche von heute zeigen'")
        shown = len(self.browser.find_elements(By.CSS_SELECTOR, "#visits li"))
        if shown > 1:
            raise SystemExit(f"clerk-ui: {shown} visits on the screen before the tap on 'Alle Besuche'")
        self.shot("naechster-besuch")
        if not self.browser.find_elements(By.CSS_SELECTOR, visit):
            self.browser.find_element(By.CSS_SELECTOR, show_all).click()
            self.wait(lambda: self.browser.find_elements(By.CSS_SELECTOR, visit), what=f"the visit {case_id} in the list")
            self.shot("besuche")
        self.browser.find_element(By.CSS_SELECTOR, visit).click()

    def settle_by_hand(self):
        outcome, receipt, note = self.args.settle_by_hand.split(":", 2)
        self.shot("zahlung-offen")
        self.wait(lambda: self.visible("manual-paid"), timeout=60,
                  what="the form to settle the payment by hand (after the kit asked the new terminal)")
        # The page re-reads the case until the form is there; let a refresh already under way finish.
        time.sleep(1)
        self.wait(lambda: self.visible("manual-paid"), what="the form to settle the payment by hand")
        print(f"clerk-ui:   open payment: {self.browser.find_element(By.CSS_SELECTOR, '[data-testid=open-payment]').text}")
        Select(self.browser.find_element(By.ID, "manual-paid")).select_by_value(outcome)
        if receipt:
            self.fill("manual-receipt", receipt)
        self.fill("manual-note", note)
        self.shot("zahlung-von-hand")
        self.browser.find_element(By.CSS_SELECTOR, '[data-testid="manual-settle"]').click()
        self.wait(lambda: self.visible("step-error")
                  or self.browser.find_element(By.ID, "step-title").get_attribute("data-step") != "awaiting-terminal"
                  or self.visible("screen-done"), what="the payment to be settled")
        if self.visible("step-error"):
            self.shot("zahlung-fehler")
            raise SystemExit(f"clerk-ui: settling by hand failed: {self.text('step-error')}")
        print("clerk-ui: payment settled by hand")

    def prepare(self, step):
        args = self.args
        if step == "identify":
            self.fill("can", args.can)
        elif step == "update-address":
            self.fill("street", args.street)
            self.fill("zip", args.zip)
            self.fill("city", args.city)
            if self.visible("address-can"):
                self.fill("address-can", args.can)
        elif step == "fingerprints":
            for item in args.skip:
                finger, reason = item.split("=", 1)
                Select(self.browser.find_element(By.ID, f"skip-{finger}")).select_by_value(reason)

    def close(self):
        for process in self.background:
            process.wait(timeout=30)
        problems = [entry for entry in self.browser.get_log("browser") if entry.get("level") == "SEVERE"]
        for entry in problems:
            print(f"clerk-ui: browser console: {entry.get('message')}")
        self.browser.quit()
        return problems


def main():
    args = parse()
    clerk = Clerk(args)
    try:
        status = clerk.run()
    finally:
        problems = clerk.close()
    # Settling by hand while the kit asks the terminal is refused as busy (409) and retried by the
    # page; that failed load is expected, nothing else is.
    busy = re.compile(r"/v1/payments/\d+/resolve - Failed to load resource: the server responded with a status of 409")
    problems = [entry for entry in problems if not busy.search(entry.get("message", ""))]
    for finding in clerk.axe_findings:
        print(f"clerk-ui: {finding}")
    print(f"clerk-ui: axe-core {clerk.axe_version}: {len(clerk.axe_findings)} violations on {clerk.axe_screens} screens")
    # A Content-Security-Policy violation, a script error or an accessibility violation is a failure
    # even if the visit completed.
    return 1 if problems or clerk.axe_findings else status


if __name__ == "__main__":
    sys.exit(main())
