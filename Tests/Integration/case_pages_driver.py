#!/usr/bin/env python3
"""Drives the back office's "Vorgänge" pages in headless Chromium like an operator: log in with the
operator token, open Vorgänge, page, filter, open a case, view each kind of evidence, open a case
whose evidence retention deleted, and check that every view shows on the case page and in the
audit trail (GET /v1/admin/audit). axe-core (selenium-axe-python's copy) checks every page: zero
violations allowed. Prints "PASS <what>" / "FAIL <what>" lines and saves a screenshot per page;
exits 1 when anything failed.

Used by Tests/Integration/case-pages.sh, which seeds the server and starts it."""
import argparse
import json
import os
import ssl
import sys
import urllib.request

import axe_check
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.support.ui import Select, WebDriverWait



class Operator:
    def __init__(self, args):
        self.args = args
        self.failures = 0
        self.shots = 0
        options = webdriver.ChromeOptions()
        for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1000", "--lang=de-DE", "--no-first-run", "--disable-extensions",
                     "--disable-background-networking", "--disable-component-update",
                     # The server's certificate is issued by its own kit CA, which Chromium does not know.
                     "--ignore-certificate-errors"]:
            options.add_argument(flag)
        options.binary_location = "/usr/bin/chromium"
        self.browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        os.makedirs(args.shots, exist_ok=True)

    def check(self, condition, what):
        print(f"{'PASS' if condition else 'FAIL'} {what}", flush=True)
        if not condition:
            self.failures += 1
        return condition

    def shot(self, name):
        self.shots += 1
        self.browser.save_screenshot(os.path.join(self.args.shots, f"{self.shots:02d}-{name}.png"))

    def axe(self, page):
        """Runs axe-core on the current page (axe_check.py): zero violations required."""
        try:
            version, violations, _ = axe_check.run(self.browser)
        except RuntimeError as error:
            return self.check(False, f"axe-core on {page}: {error}")
        for violation in violations:
            print(f"  {axe_check.describe(violation)}", flush=True)
        self.shot(page)
        return self.check(not violations, f"axe-core {version}: {len(violations)} violations on {page}")

    def settle(self, condition, what):
        """Waits (up to 20 s) for the page a click led to; a click may return before it is shown."""
        # An element read while the next page replaces the old one goes stale: look again, as a
        # person would, instead of counting that moment as a failure.
        try:
            WebDriverWait(self.browser, 20, poll_frequency=0.2,
                          ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)).until(
                lambda b: b.execute_script("return document.readyState") == "complete" and condition(b))
        except Exception:  # noqa: BLE001 - a timeout or a browser error: the check fails, the walk goes on
            self.check(False, f"waited 20 s for {what} ({self.browser.current_url})")

    def text(self):
        return self.browser.find_element(By.TAG_NAME, "main").text

    def h1(self):
        return self.browser.find_element(By.TAG_NAME, "h1").text

    def evidence(self, label):
        """Presses the "Nachweis ansehen" button of the step whose hidden context names `label`."""
        for button in self.browser.find_elements(By.CSS_SELECTOR, "form[action='/admin/case/evidence'] button"):
            if label in button.get_attribute("textContent"):
                button.click()
                # The click returns before the answer is shown: wait for the evidence page, pictures loaded.
                WebDriverWait(self.browser, 20, poll_frequency=0.2).until(lambda b: b.execute_script(
                    "const h = document.querySelector('h1');"
                    "return document.readyState === 'complete' && h && h.textContent.startsWith('Nachweis:')"
                    " && Array.from(document.images).every(i => i.complete)"))
                return True
        return self.check(False, f"a 'Nachweis ansehen' button for {label}")

    def run(self):
        b = self.browser
        url = self.args.url
        token = open(self.args.token_file, encoding="utf-8").read().strip()

        b.get(f"{url}/admin/login")
        self.check(b.find_element(By.TAG_NAME, "html").get_attribute("lang") == "de", "the login page is German (lang=de)")
        self.axe("login")
        b.find_element(By.ID, "token").send_keys(token)
        b.find_element(By.ID, "token").submit()
        self.settle(lambda b: b.current_url.endswith("/admin/fleet"), "the fleet page after login")
        self.check(b.current_url.endswith("/admin/fleet"), f"logged in, on the fleet page ({b.current_url})")

        b.find_element(By.LINK_TEXT, "Vorgänge").click()
        self.settle(lambda b: "/admin/cases" in b.current_url, "the case list")
        self.check(self.h1() == "Vorgänge", "Vorgänge opens from the navigation")
        self.check("61 Vorgänge insgesamt." in self.text(), "the list counts all 61 cases")
        self.check("Seite 1 von 2" in self.text(), "the list is paged (50 a page)")
        # Focus is visible: the first link reached with Tab has an outline.
        b.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
        outline = b.execute_script("return getComputedStyle(document.activeElement).outlineStyle")
        self.check(outline not in ("none", ""), f"keyboard focus is visible (outline {outline})")
        self.axe("vorgaenge")

        b.find_element(By.LINK_TEXT, "Nächste Seite").click()
        self.settle(lambda b: "seite=2" in b.current_url, "page 2")
        self.check("Seite 2 von 2" in self.text() and "2026-MZ-0500" in self.text(), "page 2 holds the oldest cases")
        self.axe("vorgaenge-seite-2")

        Select(b.find_element(By.ID, "stand")).select_by_value("abgelehnt")
        b.find_element(By.CSS_SELECTOR, "form.filter button").click()
        self.settle(lambda b: "stand=abgelehnt" in b.current_url, "the filtered list")
        self.check("stand=abgelehnt" in b.current_url, "the filter is in the address")
        self.check("1 Vorgang im Stand „abgelehnt“." in self.text(), "filter: one rejected case")
        self.check("stadtkasse: abgelehnt – „Kassenzeichen fehlt“" in self.text(),
                   "the list says who rejected, and why")
        self.axe("vorgaenge-abgelehnt")

        b.find_element(By.PARTIAL_LINK_TEXT, "2026-MZ-0500").click()
        self.settle(lambda b: "/admin/case?id=" in b.current_url, "the case page")
        self.check(self.h1() == "Vorgang 2026-MZ-0500", "the case page opens from the list")
        steps = b.find_elements(By.CSS_SELECTOR, "main table:first-of-type tbody tr")
        self.check(len(steps) == 5, f"the case page lists its 5 steps ({len(steps)})")
        self.check("Noch niemand hat Nachweise" in self.text(), "no evidence view yet")
        self.axe("vorgang")
        case_url = b.current_url

        self.evidence("Unterschrift")
        width = b.execute_script("const i = document.getElementById('unterschrift'); return i ? i.naturalWidth : 0")
        self.check(width == 600, f"the signature image shows ({width} px wide)")
        self.check("Diese Einsichtnahme ist protokolliert" in self.text(), "the page says the view is logged")
        self.axe("nachweis-unterschrift")

        b.get(case_url)
        self.evidence("Fingerabdrücke")
        rows = [r.text for r in b.find_elements(By.CSS_SELECTOR, "#fingerqualitaet tbody tr")]
        self.check(rows == ["rechter Zeigefinger 82 ja", "linker Zeigefinger 31 nein"], f"finger quality table {rows}")
        skipped = [r.text for r in b.find_elements(By.CSS_SELECTOR, "#ausgelassen tbody tr")]
        self.check(skipped == ["linker Daumen verletzt"], f"skipped finger with reason {skipped}")
        self.axe("nachweis-fingerabdruecke")

        b.get(case_url)
        self.evidence("Zahlung")
        receipt = b.find_element(By.ID, "beleg").text
        self.check("Betrag EUR 37,00" in receipt and "Genehmigt" in receipt, "the receipt lines show")
        self.axe("nachweis-zahlung")

        b.get(case_url)
        views = b.find_elements(By.CSS_SELECTOR, "#einsichtnahmen tbody tr")
        self.check(len(views) == 3, f"the case page lists the 3 views ({len(views)})")
        self.axe("vorgang-einsichtnahmen")

        b.get(f"{url}/admin/cases?stand=geloescht")
        b.find_element(By.PARTIAL_LINK_TEXT, "2026-MZ-0503").click()
        self.settle(lambda b: "/admin/case?id=" in b.current_url, "the deleted case's page")
        self.check("Die Nachweise wurden am" in b.find_element(By.ID, "aufbewahrung").text,
                   "a case after retention says when its evidence was deleted")
        self.check(not b.find_elements(By.CSS_SELECTOR, "form[action='/admin/case/evidence']"),
                   "and offers no evidence to view")
        self.axe("vorgang-geloescht")

        # The audit trail (operator token over the server's TLS, verified with its kit CA).
        context = ssl.create_default_context(cafile=self.args.ca)
        request = urllib.request.Request(f"{url}/v1/admin/audit?limit=50", headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, context=context, timeout=10) as answer:
            audit = json.load(answer)
        viewed = [e for e in audit if e["action"] == "evidence-viewed"]
        self.check(len(viewed) == 3 and all(e["actor"].startswith("Betreiber (Sitzung ") for e in viewed),
                   f"the audit trail holds the 3 views with operator and time: {[e['detail'] for e in viewed]}")
        self.check(all("2026-MZ-0500 step" in e["detail"] for e in viewed), "each names case and step")
        self.back_office(url, token, context)

    def back_office(self, url, token, context):
        """Issue #20: the fleet's "Handlungsbedarf" and sorting, and a conflict decided with a note
        through the confirmation step; axe-core on every state of both pages."""
        b = self.browser
        b.get(f"{url}/admin/fleet")
        self.check(self.h1() == "Flotte", "the fleet page opens")
        heads = [h.text for h in b.find_elements(By.CSS_SELECTOR, "thead th")]
        self.check("Handlungsbedarf" in heads, f"the fleet table has a Handlungsbedarf column ({heads})")
        self.check("1 offener Konflikt" in self.text(), "the kit's open conflict is listed as something to do")
        self.check("UTC" not in self.text() and " Uhr" in self.text(), "times are local, with 'Uhr'")
        self.axe("flotte")
        b.find_element(By.LINK_TEXT, "Koffer").click()
        self.settle(lambda b: "sortierung=kit" in b.current_url, "the fleet sorted by kit")
        sorted_head = b.find_element(By.CSS_SELECTOR, "th[aria-sort]")
        self.check(sorted_head.text == "Koffer" and sorted_head.get_attribute("aria-sort") == "ascending",
                   "sorting by a column marks it with aria-sort")
        self.axe("flotte-sortiert")

        b.find_element(By.LINK_TEXT, "Konflikte").click()
        self.settle(lambda b: "/admin/conflicts" in b.current_url, "the conflicts page")
        section = b.find_element(By.CSS_SELECTOR, "section.conflict")
        self.check("Doppelte Zahlung" in section.text and "Erika Mustermann" in section.text,
                   "the conflict names its reason and the citizen")
        self.check("37,00 €" in section.text and "000123" in section.text,
                   "the double payment shows the amount and the kit's receipt trace")
        self.axe("konflikte")
        form = section.find_element(By.CSS_SELECTOR, "form.resolve")
        form.find_element(By.CSS_SELECTOR, "input[value='discard']").click()
        form.find_element(By.TAG_NAME, "textarea").send_keys("   ")
        form.find_element(By.TAG_NAME, "button").click()
        self.settle(lambda b: b.find_elements(By.CSS_SELECTOR, "section.conflict p.error"), "the refusal")
        self.check("Bitte eine Notiz eingeben" in self.text(), "a decision without a note is refused in German")
        self.axe("konflikte-ohne-notiz")
        section = b.find_element(By.CSS_SELECTOR, "section.conflict")
        area = section.find_element(By.TAG_NAME, "textarea")
        area.clear()
        area.send_keys("Zweite Zahlung wird erstattet, Bürgerin informiert")
        section.find_element(By.CSS_SELECTOR, "form.resolve button").click()
        self.settle(lambda b: self.h1() == "Entscheidung bestätigen", "the confirmation step")
        self.check("Zahlung des Koffers erstatten" in self.text(), "the confirmation names the decision")
        self.axe("konflikt-bestaetigen")
        b.find_element(By.XPATH, "//button[text()='Entscheidung bestätigen']").click()
        self.settle(lambda b: "ergebnis=erledigt" in b.current_url, "the decided conflict")
        self.check("Keine offenen Konflikte." in self.text(), "the conflict is decided")
        self.check("Zweite Zahlung wird erstattet, Bürgerin informiert" in self.text(),
                   "the page shows the note with the decision")
        self.axe("konflikte-entschieden")
        request = urllib.request.Request(f"{url}/v1/admin/audit?limit=50", headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, context=context, timeout=10) as answer:
            audit = json.load(answer)
        decided = [e for e in audit if e["action"] == "conflict-resolved"]
        self.check(len(decided) == 1 and decided[0]["detail"].endswith(
            "discard – Notiz: Zweite Zahlung wird erstattet, Bürgerin informiert"),
            f"the audit trail holds the decision with the note: {[e['detail'] for e in decided]}")

    def close(self):
        self.browser.quit()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True, help="https://127.0.0.1:PORT of the seeded sync-server")
    p.add_argument("--token-file", required=True, help="the server's keys/admin.token")
    p.add_argument("--ca", required=True, help="the server's keys/kit-ca.pem")
    p.add_argument("--shots", required=True, help="folder for the screenshots")
    args = p.parse_args()
    operator = Operator(args)
    try:
        operator.run()
    except Exception as error:  # a missing element is a failure with its reason, not a traceback
        operator.check(False, f"the walk through the pages stopped: {type(error).__name__}: {error}")
        operator.shot("error")
    finally:
        operator.close()
    sys.exit(1 if operator.failures else 0)


if __name__ == "__main__":
    main()
