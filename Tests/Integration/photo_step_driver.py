#!/usr/bin/env python3
"""The clerk UI's photo step (issue #22) in headless Chromium: the clerk driver of clerk-ui.sh
(clerk_ui_driver.py, unchanged) with one addition before the photo button is pressed: the page
must show a traffic light per check, all required ones green, and the hint that the photo may be
taken. Same arguments as clerk_ui_driver.py."""
import sys

import clerk_ui_driver
from selenium.webdriver.common.by import By

REQUIRED = ["exposure", "faceFound", "singleFace", "eyesOpen", "faceSize", "position", "roll", "headPose",
            "sharpness"]


class PhotoClerk(clerk_ui_driver.Clerk):
    def prepare(self, step):
        super().prepare(step)
        if step != "photo":
            return

        def lights():
            return {item.get_attribute("data-testid").removeprefix("photo-check-"): item.get_attribute("data-light")
                    for item in self.browser.find_elements(By.CSS_SELECTOR, "#photo-checks li")}

        self.wait(lambda: len(lights()) == len(REQUIRED) + 1, timeout=30, what="a traffic light per photo check")
        self.wait(lambda: self.browser.find_element(By.ID, "photo-hint").get_attribute("data-acceptable") == "yes",
                  timeout=30, what="the hint that the photo may be taken")
        seen = lights()
        red = [check for check in REQUIRED if seen.get(check) != "green"]
        if red:
            raise SystemExit(f"clerk-ui: photo checks not green: {red}")
        print(f"clerk-ui:   photo checks: {' '.join(f'{name}={light}' for name, light in seen.items())}")
        print(f"clerk-ui:   photo hint: {self.text('photo-hint')}")


def main():
    args = clerk_ui_driver.parse()
    clerk = PhotoClerk(args)
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
