#!/usr/bin/env python3
"""Browser tests of berthd's dashboard: headless Chromium driven by Selenium against a real daemon.

Usage: test_dashboard.py BERTH_BIN_DIR
Brings a project of berth-fixture replicas up with `berth up -d` (private socket and state directory, free ports),
logs the browser in through the one-time link of `berth dashboard` (a session cookie), checks the page in a real
browser, checks that a client without a session gets nothing, saves test-artifacts/dashboard.png, brings the project
down and kills by pid whatever it started. Prints "browser: N passed, M failed" last.
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Project:
    def __init__(self, bin_dir, token=None):
        self.token = token
        self.berth = os.path.join(bin_dir, "berth")
        self.tmp = tempfile.mkdtemp(prefix="berth-dashboard-")
        self.admin_port = free_port()
        self.gateway_port = free_port()
        run_dir = os.path.join(self.tmp, "run")
        os.makedirs(run_dir, mode=0o700)
        self.env = dict(os.environ, BERTH_SOCKET=os.path.join(run_dir, "control.sock"),
                        BERTH_STATE_DIR=os.path.join(self.tmp, "state"))
        project_dir = os.path.join(self.tmp, "dashboard-test")
        os.makedirs(project_dir)
        self.manifest = os.path.join(project_dir, "berth.yaml")
        fixture = os.path.join(bin_dir, "berth-fixture")
        with open(self.manifest, "w") as f:
            admin = (f'{{ listen: "127.0.0.1:{self.admin_port}", token: "{token}" }}' if token
                     else f"127.0.0.1:{self.admin_port}")
            f.write(f"""admin: {admin}
gateway:
  listen: 127.0.0.1:{self.gateway_port}
  access_log: false
  routes:
    - {{ path: /, service: web }}
services:
  web:
    command: ["{fixture}", "--log-every", "500"]
    replicas: 2
    port: auto
    ready: {{ http: /healthz, interval: 100ms }}
  yearly:
    command: ["/bin/sh", "-c", "echo yearly report"]
    schedule: "0 0 1 1 *"
""")
        self.pids = set()
        self.base = f"http://127.0.0.1:{self.admin_port}"
        self.state_dir = self.env["BERTH_STATE_DIR"]

    def cli(self, *args, timeout=120, check=True):
        result = subprocess.run([self.berth, *args], env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"berth {' '.join(args)} -> {result.returncode}\n{result.stdout}\n{result.stderr}")
        return result

    def status(self):
        status = json.loads(self.cli("status", "-f", self.manifest, "--json").stdout)
        self.pids.add(status["daemon_pid"])
        for service in status["services"]:
            for replica in service["replicas"]:
                if replica.get("pid"):
                    self.pids.add(replica["pid"])
        return status

    def replicas(self):
        return next(s for s in self.status()["services"] if s["name"] == "web")["replicas"]

    def login_url(self):
        """A fresh one-time login link, as `berth dashboard` prints it."""
        url = self.cli("dashboard", "-f", self.manifest).stdout.strip()
        assert url.startswith(self.base + "/login?code="), url
        return url

    def bearer(self):
        """The bearer token for scripts: admin.token, or the one berthd generated in the state directory."""
        if self.token:
            return {"Authorization": "Bearer " + self.token}
        with open(os.path.join(self.state_dir, "admin-token")) as f:
            return {"Authorization": "Bearer " + f.read().strip()}

    def up(self):
        self.cli("up", "-d", "-f", self.manifest, "--timeout", "60s")
        self.status()

    def down(self):
        try:
            self.cli("down", "-f", self.manifest, "--timeout", "20s", timeout=60, check=False)
        finally:
            for pid in self.pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Answers a redirect as it is (the login's 303 is what the tests look at)."""
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def request(url, method="GET", headers=None, body=None):
    req = urllib.request.Request(url, method=method, headers=headers or {}, data=body)
    try:
        with OPENER.open(req, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def browser():
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1280,1700"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_script_timeout(10)
    return driver


def quit_browser(driver):
    """Quits the browser, then kills chromedriver by pid in case quitting failed."""
    if not driver:
        return
    pid = driver.service.process.pid if driver.service.process else None
    try:
        driver.quit()
    finally:
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


class DashboardTests(unittest.TestCase):
    project = None
    driver = None
    load = None

    @classmethod
    def setUpClass(cls):
        try:
            cls.start()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def start(cls):
        cls.project = Project(BIN)
        cls.project.up()
        cls.driver = browser()
        cls.stop_load = threading.Event()
        cls.load = threading.Thread(target=cls.traffic, daemon=True)
        cls.load.start()
        cls.driver.get(cls.project.login_url())
        # The login answers 303 to /: the spent code does not stay in the address bar.
        assert cls.driver.current_url == cls.project.base + "/", cls.driver.current_url
        # A marker that a reload would lose: updates must arrive without one.
        cls.driver.execute_script("window.__berthMarker = 42;")

    @classmethod
    def traffic(cls):
        url = f"http://127.0.0.1:{cls.project.gateway_port}/"
        while not cls.stop_load.is_set():
            try:
                urllib.request.urlopen(url, timeout=2).read()
            except Exception:
                pass
            time.sleep(0.02)

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "stop_load", None):
            cls.stop_load.set()
        if cls.load:
            cls.load.join(timeout=5)
        quit_browser(cls.driver)
        if cls.project:
            cls.project.down()

    def wait(self, condition, timeout=15, message=""):
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(lambda d: condition(), message)
        except Exception:
            page = self.driver.execute_script(
                "return [document.getElementById('action-result').textContent,"
                " document.getElementById('connection').textContent];")
            raise AssertionError(f"{message}: page says {page}; rows {self.row_states()}; "
                                 f"daemon {[(r['index'], r['state'], r['pid']) for r in self.project.replicas()]}")

    def rows(self):
        return list(self.row_states())

    def row_states(self):
        """replica label -> (state, pid) of every table row, read in one script."""
        rows = self.driver.execute_script(
            "return [...document.querySelectorAll('tr[data-replica^=\"web.\"]')]"
            ".map((tr) => [tr.dataset.replica, tr.dataset.state, tr.dataset.pid]);")
        return {label: (state, pid) for label, state, pid in rows}

    def events(self):
        """The event list as (kind, text) pairs, read in one script (the list is redrawn as events arrive)."""
        return self.driver.execute_script(
            "return [...document.querySelectorAll('#events li')].map((li) => [li.dataset.kind, li.textContent]);")

    def csrf(self):
        return self.driver.find_element(By.CSS_SELECTOR, 'meta[name="berth-csrf"]').get_attribute("content")

    def test_1_lists_the_running_replicas(self):
        self.wait(lambda: len(self.rows()) == 2 and all(s == "running" for s, _ in self.row_states().values()),
                  message="two running replicas")
        pids = {f"web.{r['index']}": str(r["pid"]) for r in self.project.replicas()}
        self.assertEqual({k: v[1] for k, v in self.row_states().items()}, pids)
        self.assertIn("live", self.driver.find_element(By.ID, "connection").text)

    def test_2_a_killed_replica_shows_the_crash_and_the_restart_without_a_reload(self):
        self.wait(lambda: len(self.rows()) == 2)
        victim = next(r for r in self.project.replicas() if r["index"] == 1)
        os.kill(victim["pid"], signal.SIGKILL)
        self.wait(lambda: any("web.1" in text and "killed by SIGKILL" in text for _, text in self.events()),
                  message="crash event")
        self.wait(lambda: self.row_states().get("web.1", ("", ""))[0] == "running"
                  and self.row_states()["web.1"][1] not in ("", str(victim["pid"])), message="restarted replica")
        self.assertEqual(self.driver.execute_script("return window.__berthMarker;"), 42)
        new = next(r for r in self.project.replicas() if r["index"] == 1)
        self.assertEqual(str(new["pid"]), self.row_states()["web.1"][1])
        self.assertGreaterEqual(new["restarts"], 1)

    def test_3_the_scale_control_changes_the_replica_count(self):
        field = self.driver.find_element(By.ID, "scale-web")
        field.click()
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys("3")
        self.driver.find_element(By.CSS_SELECTOR, 'button[data-action="scale"][data-service="web"]').click()
        self.wait(lambda: len(self.rows()) == 3 and all(s == "running" for s, _ in self.row_states().values()),
                  message="three replicas")
        self.assertEqual(len(self.project.replicas()), 3)
        field = self.driver.find_element(By.ID, "scale-web")
        field.click()
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys("2")
        self.driver.find_element(By.CSS_SELECTOR, 'button[data-action="scale"][data-service="web"]').click()
        alert = WebDriverWait(self.driver, 5).until(lambda d: d.switch_to.alert)
        self.assertIn("down from 3 to 2", alert.text)
        alert.accept()
        self.wait(lambda: len(self.rows()) == 2, message="back to two replicas")
        self.wait(lambda: len(self.project.replicas()) == 2)
        self.wait(lambda: any(kind == "scaled" and "scaled to 2 replicas" in text for kind, text in self.events()))

    def test_4_a_GET_cannot_change_state(self):
        before = [(r["index"], r["pid"]) for r in self.project.replicas()]
        for path in ["/api/scale?service=web&replicas=5", "/api/services/web/stop", "/api/services/web/restart"]:
            status, _ = request(self.project.base + path, headers=dict(self.project.bearer(), **{"X-Berth-CSRF": self.csrf()}))
            self.assertEqual(status, 405, path)
        # The browser itself navigating to an action URL changes nothing either.
        self.driver.execute_script("fetch('/api/services/web/stop')")
        time.sleep(0.5)
        self.assertEqual([(r["index"], r["pid"]) for r in self.project.replicas()], before)

    def test_5_a_cross_origin_POST_is_refused(self):
        before = [(r["index"], r["pid"]) for r in self.project.replicas()]
        url = self.project.base + "/api/services/web/stop"
        base = dict(self.project.bearer(), **{"Content-Type": "application/json", "X-Berth-CSRF": self.csrf()})
        status, body = request(url, "POST", dict(base, Origin="http://evil.example"), b"{}")
        self.assertEqual(status, 403, body)
        status, _ = request(url, "POST", dict(base, **{"Sec-Fetch-Site": "cross-site"}), b"{}")
        self.assertEqual(status, 403)
        status, _ = request(url, "POST", dict(self.project.bearer(), **{"Content-Type": "application/json"}), b"{}")
        self.assertEqual(status, 403)
        # Without a credential, even the CSRF token opens nothing.
        status, _ = request(url, "POST", {"Content-Type": "application/json", "X-Berth-CSRF": self.csrf()}, b"{}")
        self.assertEqual(status, 401)
        # From a page of another origin (localhost vs 127.0.0.1) in the real browser: a no-cors POST is sent with
        # that Origin and refused.
        self.driver.get(f"http://localhost:{self.project.admin_port}/")
        outcome = self.driver.execute_async_script(f"""
            const done = arguments[arguments.length - 1];
            fetch("{url}", {{method: "POST", mode: "no-cors", body: "{{}}",
                headers: {{"Content-Type": "text/plain"}}}}).then(() => done("sent"), (e) => done("blocked: " + e));
        """)
        self.assertIn(outcome.split(":")[0], ["sent", "blocked"])
        time.sleep(0.5)
        self.assertEqual([(r["index"], r["pid"]) for r in self.project.replicas()], before)
        self.driver.get(self.project.base + "/")

    def test_6_restart_from_the_page_and_the_log_pane(self):
        self.wait(lambda: len(self.rows()) == 2)
        before = {r["index"]: r["pid"] for r in self.project.replicas()}
        self.driver.find_element(By.CSS_SELECTOR, 'button[data-action="restart"][data-service="web"]').click()
        alert = WebDriverWait(self.driver, 5).until(lambda d: d.switch_to.alert)
        alert.dismiss()  # Cancelled: nothing happens.
        time.sleep(0.3)
        self.assertEqual({r["index"]: r["pid"] for r in self.project.replicas()}, before)
        self.driver.find_element(By.CSS_SELECTOR, 'button[data-action="restart"][data-service="web"]').click()
        WebDriverWait(self.driver, 5).until(lambda d: d.switch_to.alert).accept()
        self.wait(lambda: all(r["pid"] not in before.values() and r["ready"] for r in self.project.replicas()),
                  timeout=20, message="both replicas restarted")
        self.driver.find_element(By.CSS_SELECTOR, 'button[aria-label="Logs of web.0"]').click()
        self.wait(lambda: "ready (pid" in self.driver.find_element(By.ID, "logs").text, message="log lines")

    def test_6b_stop_and_start_one_replica(self):
        self.wait(lambda: len(self.rows()) == 2 and all(s == "running" for s, _ in self.row_states().values()))
        before = {r["index"]: r["pid"] for r in self.project.replicas()}
        stop = 'button[data-replica="web.1"][data-action="stop"]'
        self.driver.find_element(By.CSS_SELECTOR, stop).click()
        alert = WebDriverWait(self.driver, 5).until(lambda d: d.switch_to.alert)
        self.assertIn("web.1", alert.text)
        alert.accept()
        self.wait(lambda: self.row_states().get("web.1", ("",))[0] == "stopped", message="web.1 shown stopped")
        held = [r for r in self.project.replicas() if r["index"] == 1][0]
        self.assertTrue(held.get("held"), held)
        self.assertEqual([r["pid"] for r in self.project.replicas() if r["index"] == 0], [before[0]])
        reason = self.driver.find_element(By.CSS_SELECTOR, 'tr[data-replica="web.1"] .reason').text
        self.assertIn("stays stopped", reason)
        time.sleep(0.5)  # No restart by policy while held.
        self.assertEqual(self.row_states()["web.1"][0], "stopped")
        self.driver.find_element(By.CSS_SELECTOR, 'button[data-replica="web.1"][data-action="start"]').click()
        self.wait(lambda: self.row_states().get("web.1", ("",))[0] == "running"
                  and all(r["ready"] for r in self.project.replicas()), message="web.1 running again")
        revived = [r for r in self.project.replicas() if r["index"] == 1][0]
        self.assertNotEqual(revived["pid"], before[1])
        self.assertFalse(revived.get("held"))

    def chart_labels(self):
        """The charts' accessible labels, read in one script (the charts are redrawn every second)."""
        return self.driver.execute_script(
            "return [...document.querySelectorAll('#routes svg')].map((svg) => svg.getAttribute('aria-label'));")

    def test_7_charts_and_screenshot(self):
        self.wait(lambda: len(self.driver.find_elements(By.CSS_SELECTOR, "#routes article svg path.l1")) >= 4)
        # A few seconds of traffic show up as requests per second and latencies.
        self.wait(lambda: len(self.chart_labels()) == 4 and "no data" not in self.chart_labels()[0], timeout=10,
                  message="requests in the charts")
        labels = self.chart_labels()
        self.assertRegex(labels[0], r"^requests/s: [0-9.]+ /s$")
        self.assertRegex(labels[1], r"^5xx: [0-9.]+ %$")
        self.assertRegex(labels[3], r"^p99: [0-9.]+ ms$")
        os.makedirs(os.path.join(ROOT, "test-artifacts"), exist_ok=True)
        time.sleep(2)
        self.driver.save_screenshot(os.path.join(ROOT, "test-artifacts", "dashboard.png"))
        self.driver.set_window_size(400, 1600)
        time.sleep(0.5)
        self.driver.save_screenshot(os.path.join(ROOT, "test-artifacts", "dashboard-phone.png"))
        self.driver.set_window_size(1280, 1700)

    def usage_cells(self):
        """Each replica row's CPU and Memory cells (the 8th and 9th columns), read in one script."""
        return self.driver.execute_script(
            "return Object.fromEntries([...document.querySelectorAll('#services tr[data-replica^=\"web.\"]')].map((tr) =>"
            " [tr.dataset.replica, [tr.children[7].textContent, tr.children[8].textContent]]));")

    def usage_chart_labels(self):
        return self.driver.execute_script(
            "return [...document.querySelectorAll('[data-usage=\"web\"] svg')].map((svg) => svg.getAttribute('aria-label'));")

    def test_7c_usage_per_replica_and_its_history(self):
        # berthd samples every replica's CPU and memory once a second (docs/resources.md); the rows show the latest
        # figures and each service a chart of their sum.
        headers = self.driver.execute_script(
            "return [...document.querySelectorAll('.service[data-service=\"web\"] thead th')].map((th) => th.textContent);")
        self.assertEqual(headers[7:9], ["CPU", "Memory"])
        self.wait(lambda: len(self.usage_cells()) == 2 and all(
            re.fullmatch(r"[0-9.]+ %", cpu) and re.fullmatch(r"[0-9.]+ (KiB|MiB|GiB)", mem)
            for cpu, mem in self.usage_cells().values()), timeout=15, message="CPU and memory per replica")
        self.wait(lambda: len(self.usage_chart_labels()) == 2 and "no data" not in self.usage_chart_labels()[1],
                  timeout=15, message="the usage charts")
        labels = self.usage_chart_labels()
        self.assertRegex(labels[0], r"^web CPU: [0-9.]+ %$")
        self.assertRegex(labels[1], r"^web memory: [0-9.]+ MiB$")

    def schedule_line(self):
        """The job's timetable as the page shows it, or None while hidden."""
        return self.driver.execute_script(
            "const p = document.querySelector('p[data-schedule=\"yearly\"]');"
            " return p && !p.hidden ? p.textContent : null;")

    def test_7d_a_scheduled_job_shows_its_timetable_and_runs_now(self):
        self.wait(lambda: (self.schedule_line() or "").startswith("runs at 0 0 1 1 *"), message="the job's timetable")
        self.assertIn("last run never", self.schedule_line())
        self.assertRegex(self.schedule_line(), r"next run [^n]")  # a date, not "none"
        web_run = self.driver.find_element(By.CSS_SELECTOR, 'button[data-action="run"][data-service="web"]')
        self.assertFalse(web_run.is_displayed())  # only scheduled jobs have Run now
        self.driver.find_element(By.CSS_SELECTOR, 'button[data-action="run"][data-service="yearly"]').click()
        self.wait(lambda: "last run never" not in (self.schedule_line() or "last run never"),
                  message="a run started from the page")
        job = next(s for s in self.project.status()["services"] if s["name"] == "yearly")
        self.assertIsNotNone(job["schedule"].get("last_run"), job)

    def test_8_without_a_session_nothing_is_served(self):
        base = self.project.base
        # A plain HTTP client (what any other user of the machine could run): the login page, never the dashboard.
        status, body = request(base + "/")
        self.assertEqual(status, 401)
        self.assertIn(b"berth dashboard", body)
        self.assertNotIn(b"berth-csrf", body)
        for path in ["/api/state", "/api/events", "/api/logs?service=web", "/assets/dashboard.js"]:
            status, body = request(base + path)
            self.assertEqual(status, 401, path)
            self.assertNotIn(b"pid", body, path)
        # A DNS-rebinding page's Host reads not even /metrics; the loopback Host does.
        self.assertEqual(request(base + "/metrics", headers={"Host": f"evil.example:{self.project.admin_port}"})[0],
                         403)
        self.assertEqual(request(base + "/metrics")[0], 200)
        # A used or made-up code opens nothing.
        used = self.project.login_url()
        self.assertEqual(request(used)[0], 303)
        self.assertEqual(request(used)[0], 401)
        self.assertEqual(request(base + "/login?code=" + "0" * 64)[0], 401)
        # The browser without its cookie: the login page; a new link logs it in again.
        self.driver.delete_all_cookies()
        self.driver.get(base + "/")
        self.assertIn("berth dashboard", self.driver.find_element(By.TAG_NAME, "body").text)
        self.assertEqual(self.driver.find_elements(By.CSS_SELECTOR, 'meta[name="berth-csrf"]'), [])
        self.driver.get(self.project.login_url())
        self.assertEqual(self.driver.current_url, base + "/")
        cookie = self.driver.get_cookie(f"berth_session_{self.project.admin_port}")
        self.assertTrue(cookie["httpOnly"])
        self.assertEqual(cookie["sameSite"], "Strict")
        self.wait(lambda: len(self.rows()) == 2, message="the page after logging in again")


class TokenTests(unittest.TestCase):
    """With admin.token in the manifest: scripts use it as a bearer token (also for /metrics), browsers still log in
    through `berth dashboard`."""
    TOKEN = "browser-test-token-0123456789"

    def setUp(self):
        self.project = None
        self.driver = None
        try:
            self.project = Project(BIN, token=self.TOKEN)
            self.project.up()
            self.driver = browser()
        except BaseException:
            self.tearDown()
            raise

    def tearDown(self):
        quit_browser(self.driver)
        if self.project:
            self.project.down()

    def test_the_token_serves_scripts_and_the_browser_logs_in_with_a_link(self):
        base = self.project.base
        self.assertEqual(request(base + "/api/state")[0], 401)
        self.assertEqual(request(base + "/api/state", headers={"Authorization": "Bearer " + self.TOKEN})[0], 200)
        self.assertEqual(request(base + "/metrics")[0], 401)
        self.assertEqual(request(base + "/metrics", headers={"Authorization": "Bearer " + self.TOKEN})[0], 200)
        self.assertFalse(os.path.exists(os.path.join(self.project.state_dir, "admin-token")))
        self.driver.get(base + "/")
        self.assertIn("berth dashboard", self.driver.find_element(By.TAG_NAME, "body").text)
        self.driver.get(self.project.login_url())
        WebDriverWait(self.driver, 15, poll_frequency=0.1).until(lambda d: d.execute_script(
            "return document.querySelectorAll('tr[data-replica^=\"web.\"][data-state=running]').length") == 2)
        csrf = self.driver.find_element(By.CSS_SELECTOR, 'meta[name="berth-csrf"]').get_attribute("content")
        # The CSRF token alone is not enough: the POST needs a credential too.
        status, _ = request(base + "/api/services/web/stop", "POST",
                            {"Content-Type": "application/json", "X-Berth-CSRF": csrf}, b"{}")
        self.assertEqual(status, 401)
        # A reload keeps the session.
        self.driver.refresh()
        WebDriverWait(self.driver, 15, poll_frequency=0.1).until(lambda d: d.execute_script(
            "return document.querySelectorAll('tr[data-replica^=\"web.\"]').length") == 2)
        self.assertEqual(len(self.project.replicas()), 2)


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "debug"))
    suite = unittest.TestSuite([unittest.defaultTestLoader.loadTestsFromTestCase(DashboardTests),
                                unittest.defaultTestLoader.loadTestsFromTestCase(TokenTests)])
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors)
    expected = suite.countTestCases()
    passed = max(0, result.testsRun - failed)
    print(f"browser: {passed} passed, {max(failed, expected - passed)} failed")
    sys.exit(0 if result.wasSuccessful() else 1)
