"""How long the portal keeps what: every retention rule in one table.

A daily Celery beat task (``scheme.tasks.apply_retention_rules``) applies each rule with a
period; the privacy statement renders the same table. A rule about data of an app above
``scheme`` gets its purge from that app through ``scheme.registry.register_retention_purge``.
Case documents follow the archive rules and are kept: their rules have no period and no purge.
"""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from scheme import registry
from scheme.models import FormSubmission, Notification
from scheme.storage import ORPHAN_AFTER, remove_orphaned_files

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionRule:
    code: str
    what: str
    keep: datetime.timedelta | None  # None: kept as the archive rules require
    counted_from: str  # what the period is counted from, as in "90 days after <the attempt>"
    why: str
    purge: Callable[[datetime.datetime], int] | None = None  # the scheme's own rules

    @property
    def is_applied(self) -> bool:
        """Whether the daily task removes or blanks something under this rule."""
        return self.keep is not None

    @property
    def how_long(self) -> str:
        if self.keep is None:
            return str(_("As long as the archive rules require"))
        days = self.keep.days
        if days == 0:
            return str(_("Until %(start)s")) % {"start": self.counted_from}
        text = ngettext("%(count)d day after %(start)s", "%(count)d days after %(start)s", days)
        return text % {"count": days, "start": self.counted_from}

    def purge_function(self):
        return self.purge or registry.retention_purge(self.code)


def _expired_sessions(cutoff) -> int:
    """What ``clearsessions`` does, counted: sessions that expired before ``cutoff``."""
    engine = import_module(settings.SESSION_ENGINE)
    if not hasattr(engine.SessionStore, "get_model_class"):  # sessions not in the database
        engine.SessionStore.clear_expired()
        return 0
    model = engine.SessionStore.get_model_class()
    return model.objects.filter(expire_date__lt=cutoff).delete()[0]


def _login_records(cutoff) -> int:
    """django-axes' records of login attempts, failures and logins older than ``cutoff``."""
    return sum(
        model.objects.filter(attempt_time__lt=cutoff).delete()[0]
        for model in (AccessAttempt, AccessFailureLog, AccessLog)
    )


def _notification_bodies(cutoff) -> int:
    """Blank the text and link; the row stays: who was told what subject when."""
    old = Notification.objects.filter(created_at__lt=cutoff)
    return old.exclude(body="", url="").update(body="", url="")


def _form_tokens(cutoff) -> int:
    return FormSubmission.objects.filter(created_at__lt=cutoff).delete()[0]


def _orphaned_uploads(cutoff) -> int:
    # remove_orphaned_files counts ORPHAN_AFTER back from the "now" it is given.
    return remove_orphaned_files(now=cutoff + ORPHAN_AFTER)


DAY = datetime.timedelta(days=1)

RULES = [
    RetentionRule(
        code="sessions",
        what=_("Login sessions (which browser is logged in as whom)"),
        keep=datetime.timedelta(0),
        counted_from=_("the session expires"),
        why=_("A session only keeps you logged in; an expired one is of no use."),
        purge=_expired_sessions,
    ),
    RetentionRule(
        code="login_records",
        what=_(
            "Records of login attempts: the e-mail address typed, the IP address, the browser "
            "and the time"
        ),
        keep=90 * DAY,
        counted_from=_("the attempt"),
        why=_("To slow down password guessing and to look into misuse of an account."),
        purge=_login_records,
    ),
    RetentionRule(
        code="notification_bodies",
        what=_("The text of notifications and the link in them"),
        keep=365 * DAY,
        counted_from=_("it was sent"),
        why=_(
            "The text also reached the person by e-mail. The notification itself stays as the "
            "record of who was told what subject when."
        ),
        purge=_notification_bodies,
    ),
    RetentionRule(
        code="report_files",
        what=_("Generated report files (PDF and CSV)"),
        keep=30 * DAY,
        counted_from=_("the report was made"),
        why=_(
            "A report can be ordered again at any time from the current data, so old copies "
            "should not pile up. The order stays: who ordered which report, when."
        ),
    ),
    RetentionRule(
        code="unanswered_invitations",
        what=_(
            "Invitations to an organisation that were declined, withdrawn or never answered "
            "(the name and e-mail address of the person invited)"
        ),
        keep=90 * DAY,
        counted_from=_("the invitation was last sent"),
        why=_("The person never joined; the organisation's timeline keeps that it invited."),
    ),
    # Issue 11: registrations and requests to join (organisations/personal_data.py purges).
    RetentionRule(
        code="refused_requests",
        what=_(
            "Requests to register an organisation that were rejected, and requests to join an "
            "organisation that were declined (who asked, what they wrote, the reason given)"
        ),
        keep=90 * DAY,
        counted_from=_("the decision"),
        why=_(
            "The person never got in. Approved requests are kept: they show how the "
            "organisation and its people came into the portal."
        ),
    ),
    # Issue 16: the needs given at registration (courses/personal_data.py blanks them).
    RetentionRule(
        code="event_needs",
        what=_("Dietary and accessibility needs given when registering for a gathering"),
        keep=DAY,
        counted_from=_("the gathering ends"),
        why=_(
            "They are only needed to prepare the gathering, and they can say something about a "
            "person's health or religion. The registration itself stays."
        ),
    ),
    RetentionRule(
        code="form_tokens",
        what=_("Tokens of sent forms (which form a person sent, when)"),
        keep=30 * DAY,
        counted_from=_("the form was sent"),
        why=_("They only stop a form from being saved twice."),
        purge=_form_tokens,
    ),
    RetentionRule(
        code="orphaned_uploads",
        what=_("Uploaded files that no case refers to (left behind when saving failed)"),
        keep=ORPHAN_AFTER,
        counted_from=_("the upload"),
        why=_("Uploads can hold personal data and must not linger unused."),
        purge=_orphaned_uploads,
    ),
    RetentionRule(
        code="case_documents",
        what=_(
            "Case documents: applications and their attachments, assessments, decisions, "
            "awards, payments, grant reports and accounts, appeals, clawbacks and change "
            "notices"
        ),
        keep=None,
        counted_from="",
        why=_(
            "They are the case documents of a public body. The Archive Act (arkivlova) and the "
            "state's financial regulations (reglement for økonomistyring i staten) require them "
            "to be kept; they are disposed of or handed over to the National Archives as the "
            "administering body's records schedule says."
        ),
    ),
    RetentionRule(
        code="follow_up",
        what=_(
            "The follow-up of the scheme: mentor pairings, agreements, meetings, tasks, "
            "check-ins, flags, compensation, registrations, attendance, hand-ins and answers "
            "to feedback forms"
        ),
        keep=None,
        counted_from="",
        why=_(
            "They show what the grant and the mentor compensation were used for and are part "
            "of the case. Feedback answers reach evaluators only without names."
        ),
    ),
    RetentionRule(
        code="people",
        what=_(
            "Accounts, memberships of organisations, the timeline of who did what, and the "
            "history of changes"
        ),
        keep=None,
        counted_from="",
        why=_(
            "They show who acted in each case. A deactivated account is kept for that reason; "
            "what the archive rules do not require is erased on request."
        ),
    ),
]


def apply_rules(now=None) -> dict[str, int]:
    """Apply every rule with a period; how many rows or files each removed or blanked."""
    now = now or timezone.now()
    done = {}
    for rule in RULES:
        if not rule.is_applied:
            continue
        purge = rule.purge_function()
        if purge is None:
            log.error("Retention rule %s has no purge; nothing was removed", rule.code)
            continue
        done[rule.code] = purge(now - rule.keep)
    log.info("Retention: %s", ", ".join(f"{code} {count}" for code, count in done.items()))
    return done
