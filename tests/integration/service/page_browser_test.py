#!/usr/bin/python3
"""The settings page in a real browser (docs/settings-page.md).

Debian's chromium, driven headless by chromedriver through python3-selenium,
against the real `notify-host serve` and the Microsoft 365 emulator, both
started here on loopback (port 0) and stopped here. One browser session for
every check. Screenshots of the list, the form, a failed Save and a passed
Save are written to SCREENSHOT_DIR; with --update-docs the passed Save is
also written to docs/settings-page.png (the README shows it).

  page_browser_test.py BUILD_DIR SOURCE_DIR SCREENSHOT_DIR [--update-docs]
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

BUILD, SOURCE, SHOTS = sys.argv[1], sys.argv[2], sys.argv[3]
UPDATE_DOCS = "--update-docs" in sys.argv[4:]
PASSWORD = "page test password 42"
TENANT = "4f7c2a51-0d3e-4b8a-9c61-2e5f8d7a1b30"
CLIENT_ID = "0b9d7e4c-6a21-4f3b-8e5d-7c1a2b3c4d5e"
SECRET_VALUE = "Xq8~Demo.Secret_Value-1234567890abcdefgh"
SECRET_ID = "9a8b7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
MAILBOX = "notify@contoso.onmicrosoft.com"
HOSTILE_NAME = "<script>window.__xss=1</script>"
HOSTILE_FROM = "<img src=x onerror=\"window.__xss=2\">"

checks = []  # (name, passed, detail)


def check(name, passed, detail=""):
    checks.append((name, bool(passed), detail))
    print(("ok   " if passed else "FAIL ") + name + ("" if passed else ": " + str(detail)),
          flush=True)


def is_stale(error):
    """True for an element the page being replaced took away. chromedriver says
    so in two ways: stale element, or a node that left the document."""
    return isinstance(error, StaleElementReferenceException) or (
        isinstance(error, WebDriverException) and
        "does not belong to the document" in str(error))


def wait_until(what, condition, seconds=30.0):
    """Polls `condition` until it is true or the deadline passes; an element
    taken away by a page still loading counts as not yet."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            value = condition()
        except WebDriverException as e:
            if not is_stale(e):
                raise
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("waited %.0f s for %s" % (seconds, what))
        time.sleep(0.05)


def ready_line(path):
    return json.loads(wait_until("a ready line in " + path,
                                 lambda: os.path.exists(path) and open(path).readline().strip()))


work = tempfile.mkdtemp(prefix="page-browser-")
procs = []
driver = None


def cleanup():
    if driver is not None:
        driver.quit()
    for p in reversed(procs):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
    shutil.rmtree(work, ignore_errors=True)


def main():
    global driver
    os.makedirs(SHOTS, exist_ok=True)
    bin_dir = os.path.join(BUILD, "bin")
    # The emulator, as the demo runs it.
    emu_out = os.path.join(work, "emulator.json")
    procs.append(subprocess.Popen(
        [os.path.join(bin_dir, "m365-emulator"), "--config",
         os.path.join(SOURCE, "tests/emulator/demo-config.json"), "--state-dir",
         os.path.join(work, "emulator")],
        stdout=open(emu_out, "w"), stderr=open(os.path.join(work, "emulator.log"), "w")))
    emu = ready_line(emu_out)

    # A host with two channels: the Microsoft 365 one and the sample file channel.
    plugins = os.path.join(work, "plugins")
    os.makedirs(plugins)
    os.chmod(work, 0o755)
    os.chmod(plugins, 0o755)
    for name in ("m365_oauth_smtp.so", "eml_file.so"):
        shutil.copy(os.path.join(BUILD, "lib", name), plugins)
        os.chmod(os.path.join(plugins, name), 0o755)
    settings = os.path.join(work, "host.properties")
    with open(settings, "w") as f:
        f.write("plugins.directory = %s\nplugins.enabled = m365_oauth_smtp, eml_file\n"
                "http.port = 0\ndelivery.poll_interval_ms = 100\n" % plugins)

    def host(*args, stdin=None):
        return subprocess.run([os.path.join(bin_dir, "notify-host"), "--config", settings] +
                              list(args), input=stdin, capture_output=True, text=True,
                              timeout=120)

    r = host("admin-password", stdin=PASSWORD + "\n")
    check("admin-password stores the password's hash", r.returncode == 0 and
          open(os.path.join(work, "admin-password")).read().startswith("$argon2id$"), r.stderr)
    key = host("api-key", "create", "page").stdout.strip()
    serve_out = os.path.join(work, "serve.json")
    procs.append(subprocess.Popen(
        [os.path.join(bin_dir, "notify-host"), "--config", settings, "serve"],
        stdout=open(serve_out, "w"), stderr=open(os.path.join(work, "serve.log"), "w")))
    base = ready_line(serve_out)["listening"]

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    options.add_argument("--headless=new")
    options.add_argument("--window-size=1100,1400")
    options.add_argument("--disable-gpu")
    options.add_argument("--disable-dev-shm-usage")
    if os.geteuid() == 0:
        # Chromium's sandbox cannot start as root (CI containers run as root);
        # only then is it turned off.
        options.add_argument("--no-sandbox")
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or
                                              "/usr/bin/chromedriver"), options=options)
    d = driver
    d.set_page_load_timeout(120)

    def by(css):
        return d.find_element(By.CSS_SELECTOR, css)

    def all_of(css):
        return d.find_elements(By.CSS_SELECTOR, css)

    def shot(name):
        d.save_screenshot(os.path.join(SHOTS, name + ".png"))

    def advanced_open():
        return d.execute_script("return document.querySelector('details.advanced').open")

    def open_details():
        if not advanced_open():
            by("details.advanced summary").click()

    def submit(action, seconds=120):
        """Runs `action` (a click or a key) and waits for the next page's report."""
        old = by("html")
        action()

        def replaced():
            try:
                old.tag_name
                return False
            except WebDriverException as e:
                if is_stale(e):
                    return True
                raise
        wait_until("the next page", replaced, seconds)
        wait_until("the report", lambda: all_of("#report"), seconds)

    def fill(key, value):
        element = by("[name='%s']" % key)
        if element.tag_name == "select":
            element.find_element(By.CSS_SELECTOR, "option[value='%s']" % value).click()
        else:
            element.clear()
            element.send_keys(value)

    def save():
        submit(lambda: by("form.settings button.save").click())

    def steps():
        return {e.get_attribute("data-step"): e for e in all_of("[data-step]")}

    # Sign-in, keyboard only: the password field has the focus; Enter submits.
    d.get(base + "/")
    check("an unsigned visitor is sent to the sign-in form", d.current_url.endswith("/signin"),
          d.current_url)
    d.switch_to.active_element.send_keys("not the password" + Keys.ENTER)
    check("a wrong password is refused", "Wrong password." in by("#signin-error").text)
    d.switch_to.active_element.send_keys(PASSWORD + Keys.ENTER)
    wait_until("the rulesets list", lambda: all_of("h1") and by("h1").text == "Rulesets")
    check("signing in with the keyboard alone shows the rulesets", True)

    # A new ruleset's form, generated from the channel's fields.
    by("#new-name").send_keys("ops")
    by("#new-channel").find_element(By.CSS_SELECTOR, "option[value='m365_oauth_smtp']").click()
    by("form.new button").click()
    fields = json.loads(host("fields", "m365_oauth_smtp", "--json").stdout)
    if isinstance(fields, dict):
        fields = fields.get("fields", [])
    inputs = [e.get_attribute("name") for e in all_of("form.settings [name]")
              if not e.get_attribute("name").startswith("_")]
    check("the form has one input per field, in the channel's order",
          inputs == [f["key"] for f in fields], (inputs, [f["key"] for f in fields]))
    unlabelled = [e.get_attribute("name") for e in all_of("form.settings input, form.settings select")
                  if e.get_attribute("type") != "hidden" and
                  not all_of("label[for='%s']" % e.get_attribute("id"))]
    check("every input has a label tied to it", not unlabelled, unlabelled)
    check("required fields are marked",
          all_of("label[for='in-server_name'] .required") and
          not all_of("label[for='in-from_name'] .required"))
    check("defaults are filled in", by("[name=port]").get_attribute("value") == "587" and
          by("[name=batch_size]").get_attribute("value") == "medium")
    check("choices are selects", by("[name=cloud]").tag_name == "select")
    check("the advanced group is folded away",
          not advanced_open() and d.execute_script(
              "return document.querySelector('[name=smtp_host]').checkVisibility()") is False,
          advanced_open())

    fill("server_name", "Ops alerts")
    fill("port", str(emu["smtp_port"]))
    fill("timeout", "10")
    fill("batch_size", "small")
    fill("from_email", MAILBOX)
    fill("client_id", CLIENT_ID)
    fill("client_secret", SECRET_ID)
    fill("tenant_id", TENANT)
    # The advanced group opens from the keyboard: Enter on its summary.
    by("details.advanced summary").send_keys(Keys.ENTER)
    check("the advanced group opens from the keyboard", advanced_open())
    fill("smtp_host", "localhost")
    fill("authority_url", emu["authority"])
    fill("ca_file", emu["ca_file"])
    shot("form")
    save()
    hint = all_of("[data-field='client_secret']")
    check("the secret's ID pasted as its Value: the hint is beside the field",
          hint and "secret's ID" in hint[0].text and
          hint[0].find_element(By.XPATH, "ancestor::div[contains(@class,'field')]//input")
          .get_attribute("name") == "client_secret", hint and hint[0].text)
    check("the form keeps what was typed except the secret",
          by("[name=server_name]").get_attribute("value") == "Ops alerts" and
          by("[name=client_secret]").get_attribute("value") == "")

    # A wrong secret, with JavaScript off: the page works server-rendered.
    d.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    fill("client_secret", "Wr0ng~Secret.Value-abcdefghijklmnopqrstu")
    save()
    token = steps().get("token")
    check("a wrong secret: the token step fails with its remedy (JavaScript off)",
          token is not None and token.get_attribute("data-outcome") == "failed" and
          token.find_elements(By.CSS_SELECTOR, ".remedy") and
          token.find_element(By.CSS_SELECTOR, ".remedy").text.strip(),
          token and token.text)
    shot("failed-save")
    d.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
    listed = host("ruleset", "show", "ops")
    check("nothing is stored when Save fails", listed.returncode != 0, listed.stdout)

    # The right secret: every step passes. Enter in a field submits (keyboard).
    fill("client_secret", SECRET_VALUE)
    submit(lambda: by("[name=client_secret]").send_keys(Keys.ENTER))
    outcomes = {k: e.get_attribute("data-outcome") for k, e in steps().items()}
    check("the right secret: every step passes", outcomes and
          all(o in ("passed", "skipped") for o in outcomes.values()) and
          outcomes.get("token") == "passed", outcomes)
    for e in all_of("[data-step]"):
        check("step %s shows its mark and time" % e.get_attribute("data-step"),
              e.find_element(By.CSS_SELECTOR, ".mark").text and
              re.search(r"\d+ ms", e.find_element(By.CSS_SELECTOR, ".time").text))
    shot("passed-save")
    if UPDATE_DOCS:
        shutil.copy(os.path.join(SHOTS, "passed-save.png"),
                    os.path.join(SOURCE, "docs", "settings-page.png"))

    # Health turns ok once the service delivers through the ruleset.
    req = urllib.request.Request(base + "/api/v1/notifications", method="POST", data=json.dumps(
        {"ruleset": "ops", "to": ["alice@contoso.com"], "subject": "through the API",
         "body": "x"}).encode(), headers={"Authorization": "Bearer " + key,
                                          "Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=60).read()

    def listed_ok():
        d.get(base + "/")
        rows = all_of("tr[data-ruleset='ops']")
        return rows and rows[0].get_attribute("data-health") == "ok"
    wait_until("ops listed as ok", listed_ok, 60)
    check("the ruleset is listed with its channel and health ok",
          "m365_oauth_smtp" in by("tr[data-ruleset='ops']").text)
    shot("list")

    # Send a test message; find it in the emulator's spool.
    d.get(base + "/ruleset?name=ops")
    by("#test-to").send_keys("bob@contoso.com")
    submit(lambda: by("form.test button").click())
    spool = emu["spool_dir"]

    def test_message_spooled():
        for name in os.listdir(spool):
            if name.endswith(".json"):
                text = open(os.path.join(spool, name)).read()
                if "bob@contoso.com" in text:
                    return True
        return False
    check("Send test message: the message is in the emulator's spool",
          "Test message sent" in by("#report h2").text and
          wait_until("the spooled test message", test_message_spooled, 30))

    # Reopen: the secret is nowhere in the DOM or the page source.
    d.get(base + "/ruleset?name=ops")
    secret_input = by("[name=client_secret]")
    dom = d.execute_script("return document.documentElement.outerHTML")
    check("reopened: the secret is absent from the DOM and the page source",
          SECRET_VALUE not in d.page_source and SECRET_VALUE not in dom and
          secret_input.get_attribute("value") == "" and
          secret_input.get_attribute("type") == "password" and
          secret_input.get_attribute("placeholder") == "stored - type to replace")
    check("the rule for keeping the secret is explained", "type the secret again" in
          by("#rule-client_secret").text)

    # An endpoint changed without the secret: refused, explained.
    open_details()
    fill("smtp_host", "127.0.0.1")
    save()
    refusal = all_of("[data-field='client_secret']")
    check("smtp_host changed without the secret: refused beside the secret field",
          refusal and "smtp_host" in refusal[0].text and all_of("#report.failed"),
          refusal and refusal[0].text)
    check("the refused Save stored nothing",
          "smtp_host=localhost" in host("ruleset", "show", "ops").stdout.replace(" ", ""))

    # Markup in server_name and from_name is shown as text, never run.
    d.get(base + "/ruleset?name=ops")
    fill("server_name", HOSTILE_NAME)
    open_details()
    fill("from_name", HOSTILE_FROM)
    fill("client_secret", SECRET_VALUE)
    save()
    d.get(base + "/ruleset?name=ops")
    check("a <script> in server_name and from_name is shown as text",
          by("[name=server_name]").get_attribute("value") == HOSTILE_NAME and
          by("[name=from_name]").get_attribute("value") == HOSTILE_FROM and
          d.execute_script("return window.__xss === undefined") and
          "<script>window.__xss" not in d.page_source)

    # A second plugin gets its page for free.
    d.get(base + "/ruleset?name=files&channel=eml_file")
    eml_fields = json.loads(host("fields", "eml_file", "--json").stdout)
    if isinstance(eml_fields, dict):
        eml_fields = eml_fields.get("fields", [])
    eml_inputs = [e.get_attribute("name") for e in all_of("form.settings [name]")
                  if not e.get_attribute("name").startswith("_")]
    check("the sample file channel gets its form from its fields",
          eml_inputs == [f["key"] for f in eml_fields], eml_inputs)

    # Readable at 400 px: nothing wider than the screen.
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                      {"width": 400, "height": 900, "deviceScaleFactor": 1, "mobile": True})
    d.get(base + "/ruleset?name=ops")
    width = d.execute_script("return document.documentElement.scrollWidth")
    check("readable at 400 px wide (no sideways scrolling)", width <= 400, width)
    d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    # A POST without the CSRF token is refused, even with the session cookie.
    cookie = d.get_cookie("nh_session")
    check("the session cookie is HttpOnly and SameSite=Strict",
          cookie and cookie.get("httpOnly") and cookie.get("sameSite") == "Strict", cookie)
    form = urllib.parse.urlencode({"_ruleset": "ops", "_channel": "m365_oauth_smtp",
                                   "server_name": "forged"}).encode()
    forged = urllib.request.Request(base + "/ruleset", data=form, method="POST",
                                    headers={"Cookie": "nh_session=" + cookie["value"]})
    try:
        status = urllib.request.urlopen(forged, timeout=60).status
    except urllib.error.HTTPError as e:
        status = e.code
    check("a POST without the CSRF token is refused", status == 403 and
          "forged" not in host("ruleset", "show", "ops").stdout, status)

    # Sign-out ends the session: the old cookie opens nothing.
    by("form.signout button").click()
    wait_until("the sign-in form", lambda: d.current_url.endswith("/signin"))

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None
    try:
        status = urllib.request.build_opener(NoRedirect).open(urllib.request.Request(
            base + "/", headers={"Cookie": "nh_session=" + cookie["value"]}), timeout=60).status
    except urllib.error.HTTPError as e:
        status = e.code
    check("sign-out ends the session: the old cookie is sent to sign in again", status == 303,
          status)

    # The service stops cleanly, and (under the sanitizers) without a report.
    serve = procs.pop()
    serve.send_signal(signal.SIGTERM)
    rc = serve.wait(timeout=60)
    log = open(os.path.join(work, "serve.log"), errors="replace").read()
    check("serve stops cleanly on SIGTERM, its log free of sanitizer reports",
          rc == 0 and "Sanitizer" not in log and "runtime error:" not in log, (rc, log[-2000:]))
    check("no secret in the service's log", SECRET_VALUE not in log and PASSWORD not in log)


try:
    main()
except Exception as e:  # a check that cannot run is a failure, said plainly
    check("the browser run completed", False, repr(e))
    # Where it stopped: a bare WebDriverException says nothing by itself.
    traceback.print_exc()
finally:
    cleanup()
failed = [c for c in checks if not c[1]]
print("%d passed, %d failed; screenshots in %s" % (len(checks) - len(failed), len(failed), SHOTS))
sys.exit(1 if failed else 0)
