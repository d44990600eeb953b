"""The figures of the evaluation summary for a whole scheme, gathered from the database.

The summary is for the follow-up evaluators, who see aggregates only: every figure here is a
count, a sum, an average or a distribution, never an organisation or a person. Every text
(feedback forms with their questions and answers, check-in comments) is anonymised by
``courses.anonymise``, as the results page for evaluators is: the names of every organisation
(and its short form), person and place in the register, e-mail addresses, phone numbers and
organisation numbers are blanked out. The summary covers a period (by default the scheme's
years) as of a date; each shared figure is defined in ``reports.figures.definitions``.

The scheme's goals are data (``scheme.goals``); the indicators the portal's data supports are
tied to the goals by number, as the pilot scheme numbers them (``GOAL_INDICATORS``). A goal
with a number not listed there gets the one indicator every goal has: how many grant reports
described a result toward it.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.anonymise import Scrubber, anonymised, anonymised_texts, at_least
from courses.models import Event, FeedbackForm, Registration
from grants.models import Application, ApplicationStatus, Award, GoalResult, GrantReport
from mentoring.models import (
    CalledOffMeeting,
    CallOff,
    CheckIn,
    CheckInKind,
    Flag,
    Initiative,
    Meeting,
    Pairing,
    PairingStatus,
    Side,
)
from mentoring.progress import Health
from organisations.models import (
    Activity,
    ApplicationOutcome,
    Branch,
    Collaboration,
    CompetenceArea,
    PartnerKind,
    PreviousApplication,
)
from reports.figures import definitions as define
from reports.figures.definitions import Period
from reports.figures.events import event_figures
from reports.figures.money import money_figures
from reports.figures.network import network_figures
from reports.figures.outcomes import outcome_figures
from scheme.roles import OrganisationKind

ZERO = Decimal("0")

# Which indicators speak to which of the pilot scheme's six goals (DOMAIN.md, "The goals").
COMPETENCE = "competence"  # 1: competence areas covered by courses and mentoring topics
NETWORK = "network"  # 2: collaborations with organisations, and their growth
PUBLIC = "public"  # 3: collaborations with municipalities, counties, immigrant councils
REACH = "reach"  # 4: activities held and people reached, as reported
FUNDING = "funding"  # 5: grant applications elsewhere, by year and outcome
TRANSFER = "transfer"  # 6: branches started in other places
GOAL_INDICATORS = {
    1: [COMPETENCE],
    2: [NETWORK],
    3: [PUBLIC],
    4: [REACH],
    5: [FUNDING],
    6: [TRANSFER],
}
PUBLIC_PARTNERS = (
    PartnerKind.MUNICIPALITY,
    PartnerKind.COUNTY,
    PartnerKind.IMMIGRANT_COUNCIL,
    PartnerKind.PUBLIC_SERVICE,
)


# --- the figures ---------------------------------------------------------------------------------


@dataclass
class AreaRow:
    area: str
    needed: int  # applications that asked to learn it
    events: int  # events held that covered it
    attended: int  # attendances at those events
    meetings: int  # mentor meetings with it as a topic


@dataclass
class YearRow:
    year: int
    participants: int = 0  # organisations taking part (``participant_ids`` for the year)
    organisations: int = 0  # awarded
    awarded: Decimal = ZERO
    reports_sent: int = 0
    people_reached: int = 0
    pairings: int = 0
    meetings: int = 0
    pairings_at_minimum: int = 0
    events_held: int = 0
    attended: int = 0
    flags: int = 0
    health: dict = field(default_factory=dict)  # Health value -> pairings, on the year's last day
    new_collaborations: int = 0
    applications_elsewhere: int = 0
    granted_elsewhere: int = 0

    @property
    def meetings_per_pairing(self) -> float | None:
        return round(self.meetings / self.pairings, 1) if self.pairings else None

    @property
    def people_per_report(self) -> int | None:
        return round(self.people_reached / self.reports_sent) if self.reports_sent else None


@dataclass
class CheckInRow:
    kind: str
    side: str  # participant / mentor
    answers: int
    good_fit: int
    poor_fit: int
    usefulness: float | None
    cooperation: float | None
    progress: float | None


@dataclass
class MeetingProcessRow:
    """One year's meetings held, and planned meetings postponed or cancelled, with the side
    that called them off (definitions: "Mentor meetings", "Postponed and cancelled
    meetings")."""

    year: int
    held: int = 0
    postponed: int = 0
    cancelled: int = 0
    by_participants: int = 0  # postponed or cancelled by the participant side
    by_mentors: int = 0  # ... by the mentor side

    @property
    def called_off(self) -> int:
        return self.postponed + self.cancelled


@dataclass
class InitiativeRow:
    """Meetings held with one answer to "who took the initiative" (definition "Initiative")."""

    initiative: str  # Initiative value
    label: str
    meetings: int
    share: int | None  # percent of the meetings with a recorded initiative; None: not recorded


@dataclass
class ClarityRow:
    """The answers to "How clear were the expectations between you?" of one check-in and
    side (definition "Clarity of expectations")."""

    kind: str  # CheckInKind value
    kind_label: str
    side: str  # Side value
    side_label: str
    answers: int
    average: float | None
    smallest: int  # the scheme's smallest group

    @property
    def too_few(self) -> bool:
        return 0 < self.answers < self.smallest

    @property
    def answers_shown(self):
        """The number of answers, or "fewer than n"."""
        return at_least(self.answers, self.smallest)

    @property
    def average_shown(self) -> float | None:
        """The average, left out for a group smaller than the smallest group."""
        return None if self.too_few else self.average


@dataclass
class YearEndHealthRow:
    """The pairings' health at the end of one year (definition "Health at the end of each
    year")."""

    year: int
    day: object  # the day it is read (datetime.date)
    health: dict  # Health value -> pairings

    @property
    def pairings(self) -> int:
        return sum(self.health.values())

    @property
    def counts(self) -> list[int]:
        """The pairings at risk, behind, on track and not running, in that order."""
        return [self.health.get(value, 0) for value in Health.values]


@dataclass
class FormResult:
    title: str
    responses: int
    questions: list  # courses.feedback.QuestionResult with scrubbed texts


@dataclass
class GoalSection:
    number: int
    text: str
    indicators: list  # keys of the indicators that speak to this goal
    reports_with_result: int  # grant reports that described a result toward the goal


@dataclass
class EvaluationFigures:
    scheme: object
    period: Period
    organisations: int = 0
    organisations_awarded: int = 0  # awarded in the period, each counted once
    years: list = field(default_factory=list)  # YearRow per scheme year
    goals: list = field(default_factory=list)  # GoalSection
    reports_sent: int = 0
    competence: list = field(default_factory=list)  # AreaRow
    collaborations_by_kind: dict = field(default_factory=dict)  # kind label -> count
    collaborations_by_status: dict = field(default_factory=dict)
    collaborations_growth: list = field(default_factory=list)  # (year, new, cumulative)
    organisations_with_collaborations: int = 0
    public_by_kind: dict = field(default_factory=dict)
    public_growth: list = field(default_factory=list)  # (year, new, cumulative)
    organisations_with_public_partners: int = 0
    activities_on_profiles: int = 0
    activities_by_frequency: dict = field(default_factory=dict)
    reports_with_activities: int = 0
    people_reached: int = 0
    previous_applications: list = field(default_factory=list)  # (year, {outcome: n}, granted kr)
    organisations_applying_elsewhere: int = 0
    branches: int = 0
    organisations_with_branches: int = 0
    branch_municipalities: int = 0
    branches_by_year: list = field(default_factory=list)  # (year, n)
    pairings: int = 0
    group_pairings: int = 0
    pairings_by_status: dict = field(default_factory=dict)  # status label -> n
    health: dict = field(default_factory=dict)  # Health value -> n
    replaced: int = 0
    meetings_by_mode: dict = field(default_factory=dict)
    check_ins: list = field(default_factory=list)  # CheckInRow
    check_in_comments: list = field(default_factory=list)
    flags_raised: int = 0
    flags_resolved: int = 0
    # The mentoring process (issue 14): reports.figures.definitions, one function each below.
    meeting_process: list = field(default_factory=list)  # MeetingProcessRow per year
    initiative: list = field(default_factory=list)  # InitiativeRow
    clarity: list = field(default_factory=list)  # ClarityRow
    year_end_health: list = field(default_factory=list)  # YearEndHealthRow
    feedback: list = field(default_factory=list)  # FormResult
    money: object = None  # reports.figures.money.MoneyFigures (issue 14)
    events: object = None  # reports.figures.events.EventFigures (issue 14)
    network: object = None  # reports.figures.network.NetworkFigures (issue 14)
    outcomes: object = None  # reports.figures.outcomes.OutcomeFigures (issue 14)

    @property
    def health_labels(self) -> list[str]:
        """The health states in the order of ``YearEndHealthRow.counts``."""
        return [str(label) for label in Health.labels]

    @property
    def today(self):
        """The as-of date (the templates' name for it)."""
        return self.period.as_of

    @property
    def year_table(self) -> list:
        """The "Year by year" lines (``year_by_year``)."""
        return year_by_year(self)

    @property
    def year_table_parts(self) -> list:
        """The same lines in parts that fit the page (``year_table_parts``)."""
        return year_table_parts(self)

    @property
    def awarded(self) -> Decimal:
        return sum((row.awarded for row in self.years), ZERO)

    @property
    def attended(self) -> int:
        return sum(row.attended for row in self.years)

    @property
    def meetings(self) -> int:
        return sum(row.meetings for row in self.years)

    @property
    def events_held(self) -> int:
        return sum(row.events_held for row in self.years)

    @property
    def collaborations(self) -> int:
        return sum(self.collaborations_by_kind.values())

    @property
    def public_collaborations(self) -> int:
        return sum(self.public_by_kind.values())

    @property
    def people_per_report(self) -> int | None:
        sent = sum(row.reports_sent for row in self.years)
        return round(self.people_reached / sent) if sent else None


def _average(values) -> float | None:
    values = [v for v in values if v is not None]
    return round(sum(values) / len(values), 2) if values else None


def _growth(years: Counter, span) -> list[tuple]:
    """(year, new, cumulative) for each year of ``span`` and any year with records before it."""
    if not years:
        return []
    first = min(min(years), span[0]) if span else min(years)
    last = max(max(years), span[-1]) if span else max(years)
    rows, total = [], 0
    for year in range(first, last + 1):
        total += years.get(year, 0)
        rows.append((year, years.get(year, 0), total))
    return rows


def scheme_period(scheme, as_of=None) -> Period:
    """The scheme's years, from the first day of the first to the last day of the last."""
    years = list(scheme.years.order_by("year").values_list("year", flat=True))
    first, last = (years[0], years[-1]) if years else (timezone.localdate().year,) * 2
    return Period.years(first, last, as_of)


def participant_ids(scheme, period: Period) -> set[int]:
    """The organisations taking part in the scheme in the period: awarded a grant for one of
    its years or paired with a mentor in it."""
    awarded = define.awards(
        Award.objects.filter(application__round__scheme_year__scheme=scheme), period
    ).values_list("application__organisation_id", flat=True)
    paired = define.running_pairings(Pairing.objects.filter(scheme=scheme), period).values_list(
        "members__organisation_id", flat=True
    )
    return {pk for pk in [*awarded, *paired] if pk is not None}


def _competence(figures, scheme, held, period):
    through = Event.competence_areas.through
    events = defaultdict(set)  # area id -> event ids
    for event_id, area_id in through.objects.filter(event__in=held).values_list(
        "event_id", "competencearea_id"
    ):
        events[area_id].add(event_id)
    attended = dict(
        Registration.objects.filter(event__in=held, attended=True)
        .values_list("event_id")
        .annotate(n=Count("id"))
        .values_list("event_id", "n")
    )
    meetings = dict(
        define.meetings(
            Meeting.topics.through.objects.filter(meeting__pairing__scheme=scheme),
            period,
            "meeting__",
        )
        .values_list("competencearea_id")
        .annotate(n=Count("meeting_id", distinct=True))
        .values_list("competencearea_id", "n")
    )
    needed = dict(
        Application.competence_needs.through.objects.filter(
            application__round__scheme_year__scheme=scheme,
            application__round__scheme_year__year__in=period.calendar_years,
        )
        .exclude(application__status=ApplicationStatus.DRAFT)
        .values_list("competencearea_id")
        .annotate(n=Count("application_id", distinct=True))
        .values_list("competencearea_id", "n")
    )
    wanted = set(events) | set(meetings) | set(needed)
    figures.competence = [
        AreaRow(
            area=area.name,
            needed=needed.get(area.pk, 0),
            events=len(events.get(area.pk, ())),
            attended=sum(attended.get(event_id, 0) for event_id in events.get(area.pk, ())),
            meetings=meetings.get(area.pk, 0),
        )
        for area in CompetenceArea.objects.filter(pk__in=wanted).order_by("name_nb")
    ]


def _collaborations(figures, participants, span):
    kinds = dict(PartnerKind.choices)
    statuses = dict(Collaboration._meta.get_field("status").choices)
    all_years, public_years = Counter(), Counter()
    by_kind, by_status, public = Counter(), Counter(), Counter()
    with_any, with_public = set(), set()
    for organisation_id, kind, status, since, created_at in Collaboration.objects.filter(
        organisation_id__in=participants
    ).values_list("organisation_id", "partner_kind", "status", "since", "created_at"):
        year = since.year if since else timezone.localtime(created_at).year
        by_kind[kind] += 1
        by_status[status] += 1
        all_years[year] += 1
        with_any.add(organisation_id)
        if kind in PUBLIC_PARTNERS:
            public[kind] += 1
            public_years[year] += 1
            with_public.add(organisation_id)
    figures.collaborations_by_kind = {str(kinds[k]): by_kind[k] for k in kinds if by_kind[k]}
    figures.collaborations_by_status = {
        str(statuses[s]): by_status[s] for s in statuses if by_status[s]
    }
    figures.collaborations_growth = _growth(all_years, span)
    figures.organisations_with_collaborations = len(with_any)
    figures.public_by_kind = {str(kinds[k]): public[k] for k in PUBLIC_PARTNERS if public[k]}
    figures.public_growth = _growth(public_years, span)
    figures.organisations_with_public_partners = len(with_public)
    for row in figures.years:
        row.new_collaborations = all_years.get(row.year, 0)


def _reach(figures, scheme, participants, period):
    reports = define.sent_reports(
        define.awards(
            GrantReport.objects.filter(award__application__round__scheme_year__scheme=scheme),
            period,
            "award__",
        ),
        period,
    )
    by_year = {
        row["award__application__round__scheme_year__year"]: row
        for row in reports.values("award__application__round__scheme_year__year").annotate(
            sent=Count("id"), people=Sum("people_reached")
        )
    }
    for row in figures.years:
        found = by_year.get(row.year, {})
        row.reports_sent = found.get("sent", 0)
        row.people_reached = found.get("people") or 0
    figures.reports_sent = sum(row.reports_sent for row in figures.years)
    figures.people_reached = sum(row.people_reached for row in figures.years)
    figures.reports_with_activities = reports.exclude(activities_held="").count()
    frequencies = dict(Activity._meta.get_field("frequency").choices)
    counts = Counter(
        Activity.objects.filter(organisation_id__in=participants).values_list(
            "frequency", flat=True
        )
    )
    figures.activities_on_profiles = sum(counts.values())
    figures.activities_by_frequency = {
        str(frequencies[f]): counts[f] for f in frequencies if counts[f]
    }
    results = Counter(
        GoalResult.objects.filter(report__in=reports)
        .exclude(text="")
        .values_list("goal__number", flat=True)
    )
    return results


def _funding(figures, participants):
    table = defaultdict(Counter)
    granted = defaultdict(lambda: ZERO)
    applying = set()
    for organisation_id, year, outcome, amount in PreviousApplication.objects.filter(
        organisation_id__in=participants
    ).values_list("organisation_id", "year", "outcome", "amount"):
        table[year][outcome] += 1
        applying.add(organisation_id)
        if outcome == ApplicationOutcome.GRANTED:
            granted[year] += amount or ZERO
    figures.previous_applications = [
        (year, {o: table[year][o] for o in ApplicationOutcome.values}, granted[year])
        for year in sorted(table)
    ]
    figures.organisations_applying_elsewhere = len(applying)
    for row in figures.years:
        row.applications_elsewhere = sum(table.get(row.year, Counter()).values())
        row.granted_elsewhere = table.get(row.year, Counter())[ApplicationOutcome.GRANTED]


def _transfer(figures, participants):
    branches = list(
        Branch.objects.filter(organisation_id__in=participants).values_list(
            "organisation_id", "municipality", "founded"
        )
    )
    figures.branches = len(branches)
    figures.organisations_with_branches = len({b[0] for b in branches})
    figures.branch_municipalities = len({b[1].strip().lower() for b in branches if b[1]})
    years = Counter(b[2].year for b in branches if b[2])
    figures.branches_by_year = sorted(years.items())


def _year_mentoring(row, scheme, part):
    """One year's pairings, meetings against the minimum, flags and health at its end."""
    pairings = define.running_pairings(Pairing.objects.filter(scheme=scheme), part)
    held = Counter(
        define.meetings(Meeting.objects.filter(pairing__in=pairings), part).values_list(
            "pairing_id", flat=True
        )
    )
    running = list(define.with_minimum(pairings, row.year).values_list("pk", "least"))
    row.pairings = len(running)
    row.meetings = sum(held[pk] for pk, _least in running)
    row.pairings_at_minimum = sum(1 for pk, least in running if held[pk] >= least)
    row.flags = define.flags(Flag.objects.filter(pairing__in=pairings), part).count()
    row.health = define.health(pairings, part)


def _mentoring(figures, scheme, period, scrub):
    pairings = define.running_pairings(Pairing.objects.filter(scheme=scheme), period)
    statuses = dict(PairingStatus.choices)
    counts = Counter(pairings.values_list("status", flat=True))
    figures.pairings = sum(counts.values())
    figures.pairings_by_status = {str(statuses[s]): counts[s] for s in statuses if counts[s]}
    figures.replaced = counts[PairingStatus.REPLACED]
    figures.group_pairings = pairings.annotate(size=Count("members")).filter(size__gt=1).count()
    figures.health = define.health(pairings, period)
    modes = dict(Meeting._meta.get_field("mode").choices)
    by_mode = Counter(
        define.meetings(Meeting.objects.filter(pairing__in=pairings), period).values_list(
            "mode", flat=True
        )
    )
    figures.meetings_by_mode = {str(modes[m]): by_mode[m] for m in modes if by_mode[m]}
    for row in figures.years:
        _year_mentoring(row, scheme, period.part_in(row.year))
    # Check-ins: answers by kind and side, with the averages of the ratings.
    kinds = dict(CheckInKind.choices)
    sides = dict(OrganisationKind.choices)
    grouped = defaultdict(list)
    comments = []
    first, after = period.moments()
    answered = CheckIn.objects.filter(
        pairing__in=pairings, answered_at__gte=first, answered_at__lt=after
    )
    for check_in in answered.select_related("organisation"):
        grouped[(check_in.kind, check_in.organisation.kind)].append(check_in)
        comments.append(check_in.comment)
    figures.check_ins = [
        CheckInRow(
            kind=str(kinds[kind]),
            side=str(sides[side]),
            answers=len(answers),
            good_fit=sum(1 for a in answers if a.good_fit is True),
            poor_fit=sum(1 for a in answers if a.good_fit is False),
            usefulness=_average(a.usefulness for a in answers),
            cooperation=_average(a.cooperation for a in answers),
            progress=_average(a.progress for a in answers),
        )
        for kind in CheckInKind.values
        for side in (OrganisationKind.PARTICIPANT, OrganisationKind.MENTOR)
        if (answers := grouped.get((kind, side)))
    ]
    figures.check_in_comments = anonymised_texts(comments, scrub)
    raised = define.flags(Flag.objects.filter(pairing__in=pairings), period)
    figures.flags_raised = raised.count()
    figures.flags_resolved = define.resolved_flags(raised, period).count()


# --- the mentoring process ------------------------------------------------------------------


def _scheme_pairings(scheme, period):
    return define.running_pairings(Pairing.objects.filter(scheme=scheme), period)


def meeting_process(scheme, period: Period) -> list[MeetingProcessRow]:
    """Per calendar year of the period: the meetings held (as "Mentor meetings" counts them,
    so equal to the year's meetings elsewhere), and the planned meetings postponed and
    cancelled ("Postponed and cancelled meetings") in the pairings that ran that year, with
    the side that called them off."""
    rows = []
    for year in period.calendar_years:
        part = period.part_in(year)
        row = MeetingProcessRow(year=year)
        if part.start <= part.last_day:
            pairings = _scheme_pairings(scheme, part)
            row.held = define.meetings(Meeting.objects.filter(pairing__in=pairings), part).count()
            called_off = define.called_off_meetings(
                CalledOffMeeting.objects.filter(pairing__in=pairings), part
            )
            for outcome, side in called_off.values_list("outcome", "by_side"):
                row.postponed += outcome == CallOff.POSTPONED
                row.cancelled += outcome == CallOff.CANCELLED
                row.by_participants += side == Side.PARTICIPANT
                row.by_mentors += side == Side.MENTOR
        rows.append(row)
    return rows


def initiative_shares(scheme, period: Period) -> list[InitiativeRow]:
    """Of the meetings held in the period, how many each side took the initiative to
    ("Initiative"): the participant side, the mentor side, both; then those not recorded.
    Shares in whole percent of the meetings with a recorded initiative."""
    held = define.meetings(
        Meeting.objects.filter(pairing__in=_scheme_pairings(scheme, period)), period
    )
    counts = Counter(held.values_list("initiative", flat=True))
    recorded = sum(n for value, n in counts.items() if value != Initiative.UNKNOWN)
    rows = []
    for value, label in Initiative.choices:
        n = counts.get(value, 0)
        if value == Initiative.UNKNOWN:
            if n:
                rows.append(InitiativeRow(value, str(label), n, None))
            continue
        share = round(100 * n / recorded) if recorded else None
        rows.append(InitiativeRow(value, str(label), n, share))
    return rows


def clarity_of_expectations(scheme, period: Period) -> list[ClarityRow]:
    """The average answer (1-5) to "How clear were the expectations between you?" in the
    half-way and end check-ins answered in the period, per check-in and side ("Clarity of
    expectations"); a group smaller than the scheme's smallest group shows "fewer than"
    without its average (``ClarityRow.answers_shown``, ``average_shown``)."""
    answered = define.answered_check_ins(
        CheckIn.objects.filter(
            pairing__in=_scheme_pairings(scheme, period),
            kind__in=(CheckInKind.MIDPOINT, CheckInKind.END),
            clarity__isnull=False,
        ),
        period,
    )
    grouped = defaultdict(list)
    for kind, organisation_kind, clarity in answered.values_list(
        "kind", "organisation__kind", "clarity"
    ):
        side = Side.MENTOR if organisation_kind == OrganisationKind.MENTOR else Side.PARTICIPANT
        grouped[(kind, side)].append(clarity)
    kinds = dict(CheckInKind.choices)
    return [
        ClarityRow(
            kind=kind,
            kind_label=str(kinds[kind]),
            side=side,
            side_label=str(side.label),
            answers=len(grouped[(kind, side)]),
            average=_average(grouped[(kind, side)]),
            smallest=scheme.smallest_group,
        )
        for kind in (CheckInKind.MIDPOINT, CheckInKind.END)
        for side in (Side.PARTICIPANT, Side.MENTOR)
    ]


def health_at_year_ends(scheme, period: Period) -> list[YearEndHealthRow]:
    """Per calendar year of the period, the health of the pairings that ran in it, read on
    31 December or the period's last counted day when earlier, with the minimum of a pairing
    that started in the year pro-rated from its start ("Health at the end of each year")."""
    rows = []
    for year in period.calendar_years:
        day = define.year_end(period, year)
        if day is None:
            continue
        pairings = _scheme_pairings(scheme, period.part_in(year))
        rows.append(YearEndHealthRow(year, day, define.year_end_health(pairings, day)))
    return rows


def _mentoring_process(figures, scheme, period):
    figures.meeting_process = meeting_process(scheme, period)
    figures.initiative = initiative_shares(scheme, period)
    figures.clarity = clarity_of_expectations(scheme, period)
    figures.year_end_health = health_at_year_ends(scheme, period)


def _feedback(figures, scheme, scrub):
    forms = FeedbackForm.objects.filter(scheme=scheme).annotate(answered=Count("responses"))
    for form in forms.select_related("event").order_by("id"):
        summary = anonymised(form, scrub)
        figures.feedback.append(
            FormResult(title=summary.title, responses=form.answered, questions=summary.questions)
        )


def _year_rows(scheme, period) -> list[YearRow]:
    """Participants, awards and events for each calendar year of the period."""
    awards = {
        row["application__round__scheme_year__year"]: row
        for row in define.awards(
            Award.objects.filter(application__round__scheme_year__scheme=scheme), period
        )
        .values("application__round__scheme_year__year")
        .annotate(n=Count("id"), total=Sum("amount"))
    }
    rows = []
    for year in period.calendar_years:
        part = period.part_in(year)
        held = define.held_events(
            Event.objects.filter(scheme_year__scheme=scheme, scheme_year__year=year), part
        )
        rows.append(
            YearRow(
                year=year,
                participants=len(participant_ids(scheme, part)),
                organisations=awards.get(year, {}).get("n", 0),
                awarded=awards.get(year, {}).get("total") or ZERO,
                events_held=held.count(),
                attended=Registration.objects.filter(event__in=held, attended=True).count(),
            )
        )
    return rows


def awarded_organisations(scheme, period) -> int:
    """The organisations awarded a grant for a year of the period, each counted once."""
    awards = define.awards(
        Award.objects.filter(application__round__scheme_year__scheme=scheme), period
    )
    return awards.values("application__organisation_id").distinct().count()


# How a "Year by year" line's figure for the whole period is had from its years (definition
# "Year by year"): counts of what happened are added up; organisations and pairings that took
# part in several years count once; ratios are worked out from the added-up figures, never
# averaged; a state at the year's end is the last year's; a yearly share of pairings has none.
SUMMED, ONCE, FROM_TOTALS, AT_END, NO_TOTAL = "summed", "once", "from_totals", "at_end", "none"
TOTAL_RULES = {
    SUMMED: _("the years added up"),
    ONCE: _("each counted once, though in several years"),
    FROM_TOTALS: _("from the years added up, not an average of the years"),
    AT_END: _("at the end of the last year"),
    NO_TOTAL: _("a yearly figure: no total"),
}


@dataclass
class YearLine:
    """One figure of the "Year by year" table: its value in each year and the whole period."""

    key: str
    label: str
    values: list  # one per year of ``EvaluationFigures.years``; None: not counted that year
    total: object  # None: no total (``NO_TOTAL``)
    rule: str  # a key of TOTAL_RULES
    money: bool = False

    @property
    def rule_text(self) -> str:
        return str(TOTAL_RULES[self.rule])


def _summed(key, label, values, money=False) -> YearLine:
    total = sum(values, ZERO) if money else sum(values)
    return YearLine(key, str(label), values, total, SUMMED, money)


def _ratio(part: float, whole: float, digits=None):
    return round(part / whole, digits) if whole else None


def year_by_year(figures) -> list[YearLine]:
    """Every headline figure per year of the period and for the whole period, by the total
    rule each follows (``TOTAL_RULES``)."""
    years = figures.years
    process = {row.year: row for row in figures.meeting_process}
    at_ends = {row.year: row for row in figures.year_end_health}
    last_end = figures.year_end_health[-1] if figures.year_end_health else None

    def each(attribute):
        return [getattr(row, attribute) for row in years]

    def called_off(attribute):
        return [getattr(process.get(row.year), attribute, 0) for row in years]

    lines = [
        YearLine("participants", str(_("Participating organisations")), each("participants"),
                 figures.organisations, ONCE),
        YearLine("organisations_awarded", str(_("Organisations awarded")), each("organisations"),
                 figures.organisations_awarded, ONCE),
        _summed("awarded", _("Awarded"), each("awarded"), money=True),
        _summed("reports_sent", _("Grant reports sent"), each("reports_sent")),
        _summed("people_reached", _("People reached, as reported"), each("people_reached")),
        YearLine("people_per_report", str(_("People reached per report")),
                 each("people_per_report"),
                 _ratio(sum(each("people_reached")), sum(each("reports_sent"))), FROM_TOTALS),
        YearLine("pairings", str(_("Mentor pairings")), each("pairings"), figures.pairings, ONCE),
        _summed("meetings", _("Mentor meetings"), each("meetings")),
        YearLine("meetings_per_pairing", str(_("Meetings per pairing and year")),
                 each("meetings_per_pairing"),
                 _ratio(sum(each("meetings")), sum(each("pairings")), 1), FROM_TOTALS),
        YearLine("pairings_at_minimum", str(_("Pairings that held the year's minimum")),
                 each("pairings_at_minimum"), None, NO_TOTAL),
        _summed("postponed", _("Meetings postponed"), called_off("postponed")),
        _summed("cancelled", _("Meetings cancelled"), called_off("cancelled")),
        _summed("flags", _("Flags raised"), each("flags")),
        _summed("events_held", _("Events held"), each("events_held")),
        _summed("attended", _("Attended"), each("attended")),
        _summed("new_collaborations", _("New collaborations"), each("new_collaborations")),
        _summed("applications_elsewhere", _("Grant applications elsewhere"),
                each("applications_elsewhere")),
        _summed("granted_elsewhere", _("Of which granted"), each("granted_elsewhere")),
    ]  # fmt: skip
    for position, (value, label) in enumerate(Health.choices):
        lines.append(
            YearLine(
                f"health_{value}",
                str(_("%(state)s at the year's end") % {"state": str(label).capitalize()}),
                [at_ends[row.year].counts[position] if row.year in at_ends else None
                 for row in years],
                last_end.counts[position] if last_end else None,
                AT_END,
            )
        )  # fmt: skip
    return lines


# Columns of figures an A4 page holds beside the "Year by year" labels, amounts in millions
# included; a longer period is printed in parts, the whole period in the last.
COLUMNS_PER_TABLE = 4


@dataclass
class YearTablePart:
    """Some of the "Year by year" columns: ``columns`` are years, None the whole period."""

    columns: list
    rows: list  # (YearLine, [value per column])


def year_table_parts(figures) -> list[YearTablePart]:
    """The "Year by year" lines in parts of at most COLUMNS_PER_TABLE columns, as even as can
    be: the years in order, then the whole period."""
    lines = figures.year_table
    columns = [row.year for row in figures.years] + [None]
    parts = -(-len(columns) // COLUMNS_PER_TABLE)
    size = -(-len(columns) // parts)
    found = []
    for first in range(0, len(columns), size):
        chosen = columns[first : first + size]
        rows = [
            (line, [line.total if year is None else line.values[first + n]
                    for n, year in enumerate(chosen)])
            for line in lines
        ]  # fmt: skip
        found.append(YearTablePart(chosen, rows))
    return found


def evaluation_figures(scheme, period, progress_to=lambda percent, step="": None):
    """Everything the evaluation summary shows for ``scheme`` in ``period`` (a Period, or an
    as-of date for the scheme's years); anonymised."""
    if not isinstance(period, Period):
        period = scheme_period(scheme, period)
    scrub = Scrubber.for_portal()
    participants = participant_ids(scheme, period)
    figures = EvaluationFigures(scheme=scheme, period=period, organisations=len(participants))
    figures.years = _year_rows(scheme, period)
    figures.organisations_awarded = awarded_organisations(scheme, period)
    held = define.held_events(
        Event.objects.filter(
            scheme_year__scheme=scheme, scheme_year__year__in=period.calendar_years
        ),
        period,
    )
    progress_to(15, "competence")
    _competence(figures, scheme, held, period)
    progress_to(30, "collaborations")
    _collaborations(figures, participants, period.calendar_years)
    progress_to(40, "reach")
    results = _reach(figures, scheme, participants, period)
    _funding(figures, participants)
    _transfer(figures, participants)
    figures.goals = [
        GoalSection(
            number=goal.number,
            text=goal.text,
            indicators=GOAL_INDICATORS.get(goal.number, []),
            reports_with_result=results.get(goal.number, 0),
        )
        for goal in scheme.goals.order_by("number")
    ]
    progress_to(55, "mentoring")
    _mentoring(figures, scheme, period, scrub)
    _mentoring_process(figures, scheme, period)
    progress_to(70, "feedback")
    _feedback(figures, scheme, scrub)
    figures.money = money_figures(scheme, period, participants)
    figures.events = event_figures(scheme, period, scrub)
    figures.network = network_figures(participants, period)
    figures.outcomes = outcome_figures(scheme, participants, period)
    return figures
