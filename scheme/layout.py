"""The layout every page shares: the header's menus, the messages and the footer.

Every page pays for its layout, and as template code it cost more than many pages' own content
(some twenty reversed URLs and forty variable lookups per request). So the menus are data
(``MAIN_MENU``, ``ACCOUNT_MENU``) written by a few small functions, reversed URLs are kept per
URL configuration, and the parts that depend only on the language — the stylesheets and scripts,
the footer — are rendered from their templates once per language and kept.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from scheme.conversations.services import unread_thread_count
from scheme.roles import Access, Role


def _everyone(access: Access) -> bool:
    return True


def _caseworker(access: Access) -> bool:
    return access.is_caseworker


def _member_not_caseworker(access: Access) -> bool:
    return not access.is_caseworker and access.has(Role.MEMBER)


def _in_mentoring_not_caseworker(access: Access) -> bool:
    return not access.is_caseworker and access.has(Role.MEMBER, Role.MENTOR)


def _takes_part_in_events(access: Access) -> bool:
    return access.takes_part_in_events


def _reads_feedback_only(access: Access) -> bool:
    return not access.takes_part_in_events and access.is_evaluator


def _orders_reports(access: Access) -> bool:
    return access.is_caseworker or access.has(Role.MEMBER, Role.EVALUATOR)


MENTORING_PAGES = ("mentoring:overview", "mentoring:home")


@dataclass(frozen=True)
class MenuLink:
    """One link of a menu: shown to whom ``shown(access)`` allows, marked as the current page
    on the views named in ``current_on`` (by default its own)."""

    url_name: str
    label: str
    shown: Callable[[Access], bool] = _everyone
    current_on: tuple[str, ...] = ()
    badge: str = ""  # "notifications" or "messages": the unread count shown after the label

    def is_current(self, view_name: str | None) -> bool:
        return view_name in (self.current_on or (self.url_name,))


MAIN_MENU = (
    MenuLink("dashboard", _("Overview")),
    MenuLink("grants:review", _("Applications"), _caseworker),
    MenuLink("grants:rounds", _("Calls"), _caseworker),
    MenuLink("organisations:list", _("Organisations"), _caseworker),
    MenuLink("grants:home", _("Grants"), _member_not_caseworker),
    MenuLink("mentoring:overview", _("Mentoring"), _caseworker, MENTORING_PAGES),
    MenuLink("mentoring:home", _("Mentoring"), _in_mentoring_not_caseworker, MENTORING_PAGES),
    MenuLink("courses:events", pgettext_lazy("main menu", "Courses"), _takes_part_in_events),
    MenuLink("courses:forms", _("Feedback forms"), _reads_feedback_only),
    MenuLink("reports:list", _("Reports"), _orders_reports),
    MenuLink("notifications", _("Notifications"), badge="notifications"),
)
ACCOUNT_MENU = (
    MenuLink("account", _("Your account")),
    MenuLink("conversations:mine", _("My messages"), badge="messages"),
    MenuLink("announcements:list", _("Announcements")),
    MenuLink("scheme_list", _("Schemes")),
)


def url(name: str) -> str:
    """``reverse(name)``, kept per URL configuration and script prefix."""
    return _reversed(name, get_urlconf(), get_script_prefix())


@lru_cache(maxsize=256)
def _reversed(name, urlconf, script_prefix) -> str:
    return reverse(name, urlconf=urlconf)


def badge(count: int, hidden_text: str) -> SafeString:
    """A count in a badge, with words for screen readers ("3 unread"); nothing for 0."""
    if not count:
        return mark_safe("")
    return format_html(
        '<span class="badge text-bg-primary">{}<span class="visually-hidden"> {}</span></span>',
        count,
        hidden_text,
    )


def _spaced(html: SafeString, before=" ", after="") -> SafeString:
    """``html`` with a space before (or after) it, or nothing when it is empty."""
    return format_html("{}{}{}", before, html, after) if html else html


def _links(menu, access, view_name, counts, item_class) -> SafeString:
    return format_html_join(
        "\n",
        '<li{}><a class="nav-link" href="{}"{}>{}{}</a></li>',
        (
            (
                item_class,
                url(link.url_name),
                mark_safe(' aria-current="page"') if link.is_current(view_name) else "",
                link.label,
                _spaced(badge(counts.get(link.badge, 0), gettext("unread"))),
            )
            for link in menu
            if link.shown(access)
        ),
    )


def header(request, access: Access, unread_notifications: int) -> SafeString:
    """The page header: the portal's name and, for a signed-in person, the main menu and the
    account menu (with the language switch and logging out); else the language switch."""
    brand = format_html(
        '<a class="portal-brand" href="{}">{}</a>', url("landing"), _("Grant portal")
    )
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    body = _menus(request, access, unread_notifications) if signed_in else None
    return format_html(
        '<header class="portal-header">\n'
        '<nav class="navbar navbar-expand-xl container py-2" aria-label="{}">\n{}\n{}\n</nav>\n'
        "</header>",
        _("Main menu"),
        brand,
        body or language_switch(request),
    )


def _menus(request, access, unread_notifications) -> SafeString:
    user = request.user
    match = request.resolver_match
    view_name = match.view_name if match else None
    unread_messages = unread_thread_count(user)
    counts = {"notifications": unread_notifications, "messages": unread_messages}
    account_links = _links(ACCOUNT_MENU, access, view_name, counts, "")
    if user.is_superuser:
        account_links = format_html(
            '{}\n<li><a class="nav-link" href="{}">{}</a></li>',
            account_links,
            url("admin:index"),
            _("Admin"),
        )
    # On narrow screens the menu folds behind the button. Without JavaScript the button cannot
    # work: the menu then stays open and the button hidden (portal.css). The less-used items
    # are behind the person's name: a disclosure that needs no script and opens with Enter or
    # Space.
    return format_html(
        '<button class="navbar-toggler btn btn-sm btn-outline-secondary js-only" type="button" '
        'data-bs-toggle="collapse" data-bs-target="#portal-menu" aria-controls="portal-menu" '
        'aria-expanded="false">{}{}</button>\n'
        '<div class="collapse navbar-collapse js-collapse" id="portal-menu">\n'
        '<ul class="navbar-nav me-auto">\n{}\n</ul>\n'
        '<div class="d-flex flex-wrap align-items-center gap-2">\n'
        '<details class="portal-account">\n'
        '<summary class="nav-link">{}{}</summary>\n'
        '<ul class="portal-account-menu list-unstyled mb-0">\n{}\n<li>{}</li>\n</ul>\n'
        "</details>\n"
        '<form method="post" action="{}">\n'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">\n'
        '<button type="submit" class="btn btn-sm btn-outline-secondary">{}</button>\n'
        "</form>\n</div>\n</div>",
        _("Menu"),
        _spaced(badge(unread_notifications, gettext("unread"))),
        _links(MAIN_MENU, access, view_name, counts, mark_safe(' class="nav-item"')),
        _spaced(badge(unread_messages, gettext("unread messages")), before="", after=" "),
        user.full_name or user.email,
        account_links,
        language_switch(request),
        url("logout"),
        get_token(request),
        _("Log out"),
    )


def language_switch(request) -> SafeString:
    """A button that switches to the other language and comes back to this page.

    No CSRF token: switching language only sets the language cookie (set_language is
    csrf_exempt), and a token would put a cookie on every page, so no shared cache could keep
    the public pages (scheme/public.py)."""
    other, name = ("nb", "Norsk") if get_language() == "en" else ("en", "English")
    return format_html(
        '<form method="post" action="{}" class="language-switch">\n'
        '<input type="hidden" name="next" value="{}">\n'
        '<button type="submit" name="language" value="{}" class="btn btn-sm btn-link" '
        'lang="{}">{}</button>\n</form>',
        url("set_language"),
        request.get_full_path() if request else "",
        other,
        other,
        name,
    )


def messages(request_messages) -> SafeString:
    """The messages left for the person (saved, sent, refused), announced politely. Only
    read when there are some: reading marks them used, and a page with a message is for this
    visitor only (scheme/public.py)."""
    if not request_messages:
        return mark_safe("")
    alerts = format_html_join(
        "\n",
        '<div class="alert alert-{}">{}</div>',
        (
            ("danger" if message.tags == "error" else message.tags or "info", message)
            for message in request_messages
        ),
    )
    return format_html(
        '<div class="messages" role="status" aria-live="polite">\n{}\n</div>', alerts
    )


def assets() -> SafeString:
    """The stylesheets and scripts (partials/assets.html), rendered once per process."""
    return _rendered("partials/assets.html", None, None, None)


def footer() -> SafeString:
    """The footer (partials/footer.html), rendered once per language."""
    return _rendered("partials/footer.html", get_language(), get_urlconf(), get_script_prefix())


@lru_cache(maxsize=16)
def _rendered(template_name, language, urlconf, script_prefix) -> SafeString:
    """The template's HTML; the arguments after its name are what it depends on."""
    return mark_safe(render_to_string(template_name))


@receiver(setting_changed)
def _forget_rendered(**kwargs):
    """Tests change settings (the contact address, static files): render again after."""
    _rendered.cache_clear()
    _reversed.cache_clear()
