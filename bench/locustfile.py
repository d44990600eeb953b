"""The load test's simulated people: caseworkers, organisation members and mentors.

Run through ``bench/load.py``, which prepares the people (``LOAD_PEOPLE``: a JSON file with
their logins and pages) and the server. Each person logs in as a real one does (the login
form; caseworkers then type the code of their authenticator app), then walks their usual pages
with a few seconds' think time between them. Every answer must be 200 (a redirect to the login
page counts as a failure, and the person logs in again). At the end the per-page table is
printed and the run fails when a request failed or the pages' p95 is 300 ms or more. See
bench/README.md, "Load test".
"""

import json
import os
import random
import re
from pathlib import Path

from django_otp.oath import TOTP
from locust import HttpUser, between, events, task
from locust.stats import StatsEntry

PLAN = json.loads(Path(os.environ["LOAD_PEOPLE"]).read_text())
SHARED = PLAN["shared"]
P95_LIMIT_MS = 300
# The password step checks the password hash (PBKDF2, deliberately about 0.4 s of CPU): it is
# reported apart from the pages and not held to their bar.
PASSWORD_STEP = "log in: password"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Person(HttpUser):
    abstract = True
    wait_time = between(2, 10)  # reading the page, typing, thinking
    role = ""

    def on_start(self):
        self.me = PLAN[self.role].pop()
        self.signed_in = False
        self.log_in()

    def open(self, url, name):
        """One of the person's pages; logged in first when they are not (any more)."""
        if not self.signed_in:
            self.log_in()
        if self.signed_in:
            self.get(url, name)

    def get(self, url, name):
        """A page that must answer 200 itself (not after a redirect). Sent to the login page,
        the person is logged out and logs in again before their next page."""
        with self.client.get(
            url, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                where = response.headers.get("Location", "")
                response.failure(f"{response.status_code} {where}".rstrip())
                if where.startswith("/account/login/"):
                    self.signed_in = False
        return response

    def post(self, url, data, name, form_page) -> bool:
        """Submit a form as a browser does: the form's CSRF token, then a redirect (302)."""
        token = CSRF_FIELD.search(form_page.text)
        with self.client.post(
            url,
            data={**data, "csrfmiddlewaretoken": token.group(1) if token else ""},
            headers={"Referer": form_page.url},
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"{response.status_code}, not a redirect")
                return False
        return True

    def log_in(self):
        """The login form, the code for caseworkers, then the dashboard. A step that fails
        leaves the person logged out; they try again before their next page."""
        self.client.cookies.clear()
        form = self.get("/account/login/", "log in: page")
        data = {"username": self.me["email"], "password": PLAN["password"]}
        if form.status_code != 200 or not self.post("/account/login/", data, PASSWORD_STEP, form):
            return
        if self.role == "caseworker" and not self.type_code():
            return
        self.signed_in = self.get("/dashboard/", "dashboard").status_code == 200

    def type_code(self, attempts=2) -> bool:
        """The app's current code. A code answered after its 30 seconds (and the next 30) is
        refused (a failure); then, as the page asks, the person types the new one."""
        url = "/account/two-factor/?next=/dashboard/"
        for _ in range(attempts):
            form = self.get(url, "log in: code page")
            if form.status_code != 200:
                return False
            code = TOTP(bytes.fromhex(self.me["totp_key"])).token()
            if self.post(url, {"token": f"{code:06d}"}, "log in: code", form):
                return True
        return False

    @task(4)
    def dashboard(self):
        self.open("/dashboard/", "dashboard")

    @task(1)
    def notifications(self):
        self.open("/notifications/", "notifications")

    @task(1)
    def events(self):
        self.open("/courses/", "events")


class Caseworker(Person):
    fixed_count = 15
    role = "caseworker"

    @task(3)
    def organisations(self):
        self.open("/organisations/", "organisations")

    @task(2)
    def search(self):
        term = random.choice(SHARED["search_terms"])
        self.open(f"/organisations/?q={term}", "organisations: search")

    @task(1)
    def organisations_page(self):
        self.open(f"/organisations/?page={random.randint(2, 200)}", "organisations: a page")

    @task(3)
    def organisation(self):
        pk = random.choice(SHARED["organisations"])
        self.open(f"/organisations/{pk}/", "organisation profile")

    @task(3)
    def applications(self):
        self.open("/grants/review/", "applications")

    @task(1)
    def applications_filtered(self):
        self.open("/grants/review/?status=submitted&order=-score", "applications: filtered")

    @task(4)
    def application(self):
        pk = random.choice(SHARED["applications"])
        self.open(f"/grants/review/applications/{pk}/", "application (caseworker)")

    @task(1)
    def award(self):
        self.open(f"/grants/review/awards/{random.choice(SHARED['awards'])}/", "award (caseworker)")

    @task(1)
    def calls(self):
        self.open("/grants/calls/", "calls")

    @task(1)
    def portfolio(self):
        self.open(f"/grants/calls/{SHARED['call']}/portfolio/", "portfolio")

    @task(2)
    def overview(self):
        self.open("/mentoring/overview/", "mentoring overview")

    @task(2)
    def pairing(self):
        pk = random.choice(SHARED["pairings"])
        self.open(f"/mentoring/pairings/{pk}/", "pairing (caseworker)")

    @task(1)
    def match(self):
        pk = random.choice(SHARED["participants"])
        self.open(f"/mentoring/match/{pk}/", "match")

    @task(1)
    def new_pairing(self):
        self.open("/mentoring/pairings/new/", "new pairing (form)")

    @task(1)
    def event(self):
        self.open(f"/courses/events/{random.choice(SHARED['events'])}/", "event (caseworker)")


class Member(Person):
    fixed_count = 65
    role = "member"

    @task(2)
    def grants(self):
        self.open("/grants/", "grants (member)")

    @task(2)
    def application(self):
        if self.me["application"]:
            self.open(f"/grants/applications/{self.me['application']}/", "application (member)")

    @task(1)
    def award(self):
        if self.me["award"]:
            self.open(f"/grants/awards/{self.me['award']}/", "award (member)")

    @task(1)
    def organisation(self):
        self.open(f"/organisations/{self.me['organisation']}/", "own organisation")

    @task(3)
    def pairing(self):
        self.open(f"/mentoring/pairings/{self.me['pairing']}/", "pairing (member)")

    @task(1)
    def log_meeting(self):
        pk = self.me["pairing"]
        self.open(f"/mentoring/pairings/{pk}/meetings/new/", "log a meeting (form, member)")

    @task(1)
    def calendar(self):
        self.open("/courses/calendar/", "my calendar")


class Mentor(Person):
    fixed_count = 20
    role = "mentor"

    @task(1)
    def mentoring(self):
        self.open("/mentoring/", "mentoring (mentor)")

    @task(4)
    def pairing(self):
        self.open(f"/mentoring/pairings/{self.me['pairing']}/", "pairing (mentor)")

    @task(2)
    def log_meeting(self):
        pk = self.me["pairing"]
        self.open(f"/mentoring/pairings/{pk}/meetings/new/", "log a meeting (form, mentor)")


def _pages_total(stats) -> StatsEntry:
    """Every request but the password step, as one entry."""
    total = StatsEntry(stats, "pages (all but the password step)", "")
    for entry in stats.entries.values():
        if entry.name != PASSWORD_STEP:
            total.extend(entry)
    return total


def _row(entry, label=None) -> str:
    cells = [
        entry.num_requests,
        entry.num_failures,
        round(entry.get_response_time_percentile(0.5)),
        round(entry.get_response_time_percentile(0.95)),
        round(entry.get_response_time_percentile(0.99)),
        round(entry.max_response_time),
        f"{entry.total_rps:.1f}",
    ]
    return f"{(label or entry.name)[:36]:<36}" + "".join(f"{c:>9}" for c in cells)


@events.quitting.add_listener
def report(environment, **_):
    """Print the per-page table and set the exit status: 1 on any failure or a p95 at or
    over the bar."""
    stats = environment.stats
    pages = _pages_total(stats)
    print()
    print(f"{'page':<36}" + "".join(f"{h:>9}" for h in ("requests", "failed", "p50 ms",
          "p95 ms", "p99 ms", "max ms", "req/s")))  # fmt: skip
    for entry in sorted(
        stats.entries.values(), key=lambda e: -e.get_response_time_percentile(0.95)
    ):
        print(_row(entry))
    print(_row(pages))
    print(_row(stats.total, "all requests"))
    for key, error in stats.errors.items():
        print(f"FAILED {error.occurrences}× {error.method} {error.name}: {error.error} ({key})")
    p95 = pages.get_response_time_percentile(0.95)
    failed = stats.total.num_failures
    print()
    if failed or p95 >= P95_LIMIT_MS:
        print(f"FAIL: {failed} failed requests; the pages' p95 is {p95:.0f} ms "
              f"(the bar: 0 failed, under {P95_LIMIT_MS} ms)")  # fmt: skip
        environment.process_exit_code = 1
    else:
        print(f"OK: 0 failed requests; the pages' p95 is {p95:.0f} ms (under {P95_LIMIT_MS} ms)")
        environment.process_exit_code = 0
