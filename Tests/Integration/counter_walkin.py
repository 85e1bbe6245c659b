#!/usr/bin/env python3
"""Counter mode in the clerk UI (issue #20, acceptance 7) with headless Chromium: unlock, search the
list by name and by case number, then "Vorsprache anlegen": pick the service from the kit's
catalogue, type name, date of birth (and address), open the case and complete its steps with the
simulated devices, like clerk_ui_driver.py does for a home visit. axe-core runs on every screen.
Prints "counter: walk-in case <id> register=<found|unknown|offline>" for counter.sh."""
import argparse
import sys

import clerk_ui_driver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--secret", required=True)
    p.add_argument("--can", required=True)
    p.add_argument("--shots", required=True)
    p.add_argument("--service", required=True, help="serviceId in the catalogue")
    p.add_argument("--given", required=True)
    p.add_argument("--family", required=True)
    p.add_argument("--birth", required=True, help="YYYY-MM-DD")
    p.add_argument("--address", help="street|zip|city typed on the walk-in screen")
    p.add_argument("--expect-register", choices=["found", "unknown", "offline"])
    p.add_argument("--search", action="append", default=[], help="query:expected case id in the results")
    p.add_argument("--step-timeout", type=float, default=120)
    args = p.parse_args()
    # What clerk_ui_driver.Clerk reads from its own options.
    args.case = "(walk-in)"
    args.street, args.zip, args.city = "Rheinallee 7", "55118", "Mainz"
    args.skip, args.hook, args.after_click = [], [], []
    args.lock_at_end = False
    args.settle_by_hand = None
    return args


class CounterClerk(clerk_ui_driver.Clerk):
    def open_from_list(self, _case_id):
        args = self.args
        self.wait(lambda: self.visible("screen-visits"), what="the list of cases")
        for item in args.search:
            query, expected = item.split(":", 1)
            self.fill("search-query", query)
            self.browser.find_element(By.CSS_SELECTOR, '[data-testid="search"]').click()
            self.wait(lambda: self.text("visits-title").startswith("Suchergebnis"), what=f"the search for {query!r}")
            self.wait(lambda: self.browser.find_elements(By.CSS_SELECTOR, f'[data-testid="visit-{expected}"]')
                      or self.visible("search-empty"), what=f"the search result for {query!r}")
            self.shot("suche")
            if not self.browser.find_elements(By.CSS_SELECTOR, f'[data-testid="visit-{expected}"]'):
                raise SystemExit(f"counter: searching {query!r} did not find {expected}")
            print(f"counter: search {query!r} found {expected}")
        self.browser.find_element(By.CSS_SELECTOR, '[data-testid="walkin-start"]').click()
        self.wait(lambda: self.visible("screen-walkin") and self.browser.find_elements(
            By.CSS_SELECTOR, "#walkin-service option"), what="the walk-in screen with the catalogue")
        Select(self.browser.find_element(By.ID, "walkin-service")).select_by_value(args.service)
        self.fill("walkin-given", args.given)
        self.fill("walkin-family", args.family)
        # A date input takes the digits in the browser's locale order (de-DE: TT.MM.JJJJ).
        year, month, day = args.birth.split("-")
        self.browser.find_element(By.ID, "walkin-birth").send_keys(day + month + year)
        birth = self.browser.find_element(By.ID, "walkin-birth")
        if birth.get_attribute("value") != args.birth:
            # Another locale order: set the value as the date picker would.
            self.browser.execute_script("arguments[0].value = arguments[1];", birth, args.birth)
        if args.address:
            street, zip_code, city = args.address.split("|")
            self.fill("walkin-street", street)
            self.fill("walkin-zip", zip_code)
            self.fill("walkin-city", city)
        self.shot("vorsprache")
        self.browser.find_element(By.CSS_SELECTOR, '[data-testid="walkin-open"]').click()
        self.wait(lambda: self.visible("walkin-result") or self.visible("walkin-error"), what="the walk-in case")
        self.shot("vorsprache-angelegt")
        if self.visible("walkin-error"):
            raise SystemExit(f"counter: the walk-in case was refused: {self.text('walkin-error')}")
        result = self.browser.find_element(By.ID, "walkin-result")
        case_id = result.get_attribute("data-case-id")
        text = self.text("walkin-result-text")
        register = "found" if "kennt die Person;" in text else "offline" if "vorläufig" in text else "unknown"
        print(f"counter: walk-in case {case_id} register={register}")
        if args.expect_register and register != args.expect_register:
            raise SystemExit(f"counter: register answer {register}, expected {args.expect_register}: {text}")
        self.args.case = case_id
        self.browser.find_element(By.CSS_SELECTOR, '[data-testid="walkin-continue"]').click()


def main():
    args = parse()
    clerk = CounterClerk(args)
    try:
        status = clerk.run()
    finally:
        problems = clerk.close()
    for finding in clerk.axe_findings:
        print(f"counter: {finding}")
    print(f"counter: axe-core {clerk.axe_version}: {len(clerk.axe_findings)} violations on {clerk.axe_screens} screens")
    return 1 if problems or clerk.axe_findings else status


if __name__ == "__main__":
    sys.exit(main())
