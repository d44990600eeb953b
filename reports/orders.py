"""The buttons on other apps' pages that order a report about the object shown there. They
come through ``scheme.registry`` (shown by ``{% order_buttons %}``), so grants, organisations
and courses know nothing of reports; whether one shows is the report's own rule."""

from django.utils.translation import gettext_lazy as _

from reports.builders import builder_for
from reports.builders.documents import may_order_organisation
from reports.forms import FORMS
from scheme.registry import OrderAction, register_order_action
from scheme.roles import access_for

BUTTON = "reports/partials/order_button.html"


def _allowed(kind, parameters):
    """``allowed(user, subject)`` for the order action of ``kind``: without a subject, whether
    the kind is offered to the user at all; with one, the builder's rule about it, for the
    parameters ``parameters(user, subject)`` the order form would send."""
    form = next(form for form in FORMS if form.kind == kind)

    def allowed(user, subject) -> bool:
        if subject is None:
            return form.offered_to(access_for(user))
        return builder_for(kind).allowed(user, subject, parameters(user, subject))

    return allowed


def _offered_or(kind, may_order):
    """Like ``_allowed``, with the report's own check ``may_order(user, subject)`` for the
    object on a page."""
    offered = _allowed(kind, None)
    return lambda user, subject: (
        offered(user, None) if subject is None else may_order(user, subject)
    )


def register() -> None:
    register_order_action(
        OrderAction(
            model="grants.award",
            kind="award_letter",
            field="award",
            label=_("The award letter as PDF"),
            template=BUTTON,
            allowed=_allowed("award_letter", lambda user, award: {"award": award.pk}),
        )
    )
    register_order_action(
        OrderAction(
            model="organisations.organisation",
            kind="organisation",
            field="organisation",
            label=_("Organisation report (PDF)"),
            template=BUTTON,
            allowed=_offered_or("organisation", may_order_organisation),
        )
    )
    register_order_action(
        OrderAction(
            model="scheme.scheme",
            kind="evaluation",
            field="scheme",
            label=_("Order the anonymised evaluation summary"),
            template=BUTTON,
            allowed=_allowed("evaluation", lambda user, scheme: {"scheme": scheme.pk}),
        )
    )
    register_order_action(
        OrderAction(
            model="records.casefile",
            kind="archive_case",
            field="case_file",
            label=_("Archive package (PDF/A and Noark 5 metadata)"),
            template=BUTTON,
            allowed=_allowed("archive_case", lambda user, case_file: {"case_file": case_file.pk}),
        )
    )
    register_order_action(
        OrderAction(
            model="records.casefile",
            kind="archive_period",
            field="start",
            label=_("Archive package of the cases closed in a period"),
            template=BUTTON,
            allowed=_offered_or("archive_period", lambda user, case_file: False),
        )
    )
