"""Finding every page a role can reach, for the page benchmark (``bench/pages.py``).

Breadth-first from the start pages over same-site GET links (``<a href>`` and the actions of
GET forms), as a person clicking through would. Pages are grouped by their URL pattern (the
route plus the query string's keys); at most ``samples`` pages of a pattern are fetched, so
the crawl stays bounded however many rows the data holds. Import it after Django is set up.
"""

from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

from django.conf import settings
from django.forms import BaseForm, BaseFormSet
from django.shortcuts import resolve_url
from django.test.utils import setup_test_environment, teardown_test_environment
from django.urls import Resolver404, resolve

LIST, DETAIL, FORM = "list", "detail", "form"
# Not followed: logging out and switching the language change the session, opening a
# notification marks it read and leaves for its target, ID-porten leaves the portal, and
# Django's admin is not the portal's pages. (Opening a thread records how far one has read:
# followed, as that changes nothing but unread counts.)
SKIPPED_NAMES = {"logout", "set_language", "notification_open", "idporten_login"}
SKIPPED_NAMESPACES = {"admin"}
SAMPLES_PER_PATTERN = 3
MAX_FETCHES = 3000  # per role: a safety stop, far above what the portal has
PAGINATION_TEMPLATE = "partials/pagination.html"


@dataclass
class Visit:
    """One fetched page. ``kind`` is empty when the answer is not an HTML page."""

    url: str
    pattern: str
    via: str
    status: int = 0
    kind: str = ""
    size: int = 0
    location: str = ""
    error: str = ""
    links: list = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status >= 400 or self.location.startswith(resolve_url(settings.LOGIN_URL))

    @property
    def is_page(self) -> bool:
        return self.status == 200 and bool(self.kind)


class _Links(HTMLParser):
    """The targets of ``<a href>`` and of GET forms' actions (a form's default is GET)."""

    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href") and "download" not in attrs:
            self.links.append(attrs["href"])
        elif tag == "form" and attrs.get("action") and attrs.get("method", "get") == "get":
            self.links.append(attrs["action"])


def pattern_of(path_and_query) -> str:
    """The route with the query string's keys, or the path itself when nothing answers it
    (its visit then records the 404)."""
    parts = urlsplit(path_and_query)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return parts.path
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return "/" + match.route + ("?" + "&".join(keys) if keys else "")


def same_site(base, href) -> str | None:
    """The path and query of ``href`` seen from ``base`` when it is one of the portal's own
    pages worth following; None for other sites, static files and skipped pages. (Uploads
    have no URL prefix: they are served by access-checked views, which the crawl fetches.)"""
    parts = urlsplit(urljoin(base, href.strip()))
    if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "testserver"):
        return None
    if parts.path.startswith(settings.STATIC_URL):
        return None
    url = parts.path + (f"?{parts.query}" if parts.query else "")
    try:
        match = resolve(parts.path)
    except Resolver404:
        return url
    if match.url_name in SKIPPED_NAMES or SKIPPED_NAMESPACES & set(match.namespaces):
        return None
    return url


def kind_of(response) -> str:
    """list: the template renders the paginator (a paged table of objects); form: the view
    hands its template a form named ``form`` (Django's name for a page's one form); anything
    else is a detail page or a dashboard."""
    if any(template.name == PAGINATION_TEMPLATE for template in response.templates):
        return LIST
    context = response.context
    first = context[0] if isinstance(context, list) else context
    if first is not None and isinstance(first.get("form"), BaseForm | BaseFormSet):
        return FORM
    return DETAIL


def fetch(client, url, pattern, via) -> Visit:
    """Request the page once and read its links (with templates recorded, for ``kind_of``)."""
    response = client.get(url)
    visit = Visit(url=url, pattern=pattern, via=via, status=response.status_code)
    if response.exc_info:
        visit.error = repr(response.exc_info[1])[:300]
    if 300 <= response.status_code < 400:
        visit.location = response.get("Location", "")
        visit.links = [visit.location]
    elif response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
        body = response.content.decode()
        visit.kind = kind_of(response)
        visit.size = len(body)
        parser = _Links()
        parser.feed(body)
        visit.links = parser.links
    elif response.streaming:
        response.close()
    return visit


def crawl(client, starts, seeds=(), samples=SAMPLES_PER_PATTERN) -> list[Visit]:
    """Every page reachable from ``starts``, at most ``samples`` a pattern. ``seeds`` (the
    data set's biggest cases) are fetched whatever their pattern's count, so that a big page
    is among the samples."""
    queue = deque((url, "", True) for url in [*starts, *seeds])
    queued = {url for url, _, _ in queue}
    fetched = Counter()
    visits = []
    setup_test_environment()  # records each response's templates and context
    try:
        while queue and len(visits) < MAX_FETCHES:
            url, via, always = queue.popleft()
            pattern = pattern_of(url)
            if fetched[pattern] >= samples and not always:
                continue
            fetched[pattern] += 1
            visit = fetch(client, url, pattern, via)
            visits.append(visit)
            for href in visit.links:
                link = same_site(url, href)
                if link is not None and link not in queued:
                    queued.add(link)
                    queue.append((link, url, False))
    finally:
        teardown_test_environment()
    return visits


def representatives(visits) -> list[tuple[str, Visit]]:
    """Per pattern, the first page fetched and the biggest (by its HTML) when it differs."""
    chosen = {}
    for visit in visits:
        if not visit.is_page:
            continue
        first, big = chosen.get(visit.pattern, (visit, visit))
        if visit.size > big.size:
            big = visit
        chosen[visit.pattern] = (first, big)
    picked = []
    for first, big in chosen.values():
        picked.append(("first", first))
        if big.url != first.url:
            picked.append(("big", big))
    return picked
