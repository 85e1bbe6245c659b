"""axe-core on the page a Selenium browser shows: every rule of the copy selenium-axe-python ships
(WCAG 2.0/2.1 A and AA, best practices). Shared by the Chromium tests (clerk UI, case pages)."""
import os

import selenium_axe_python

SOURCE_PATH = os.path.join(os.path.dirname(selenium_axe_python.__file__), "axe-core", "axe.min.js")
_source = None


def run(browser):
    """Returns (axe version, violations, number of rules that passed); raises RuntimeError when
    axe-core cannot run on the page."""
    global _source
    if _source is None:
        with open(SOURCE_PATH, encoding="utf-8") as f:
            _source = f.read()
    browser.execute_script(_source)
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r)).catch(e => done({error: String(e)}));")
    if "error" in result:
        raise RuntimeError(result["error"])
    return result["testEngine"]["version"], result["violations"], len(result.get("passes", []))


def describe(violation):
    """One line: rule, impact, what is wrong and where (at most three places)."""
    nodes = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
    return f"axe {violation['id']} ({violation['impact']}): {violation['help']} at {nodes}"
