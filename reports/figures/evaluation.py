"""The figures of the evaluation summary for a whole scheme, gathered from the database.

The summary is for the follow-up evaluators, who see aggregates only: every figure here is a
count, a sum, an average or a distribution, never an organisation or a person. Every text
(feedback forms with their questions and answers, check-in comments) is anonymised by
``courses.anonymise``, as the results page for evaluators is: the names of every organisation
and person the portal knows, e-mail addresses, phone numbers and organisation numbers are
blanked out.

The scheme's goals are data (``scheme.goals``); the indicators the portal's data supports are
tied to the goals by number, as the pilot scheme numbers them (``GOAL_INDICATORS``). A goal
with a number not listed there gets the one indicator every goal has: how many grant reports
described a result toward it.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from courses.anonymise import Scrubber, anonymised, anonymised_texts
from courses.models import Event, FeedbackForm, Registration
from grants.models import Application, ApplicationStatus, Award, GoalResult, GrantReport
from mentoring.models import CheckIn, CheckInKind, Flag, FlagStatus, Meeting, Pairing, PairingStatus
from mentoring.progress import Health, progress, with_progress_data
from mentoring.services import minimum_meetings
from organisations.models import (
    Activity,
    ApplicationOutcome,
    Branch,
    Collaboration,
    CompetenceArea,
    PartnerKind,
    PreviousApplication,
)
from reports.figures.annual import SENT
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
    organisations: int = 0  # awarded
    awarded: Decimal = ZERO
    reports_sent: int = 0
    people_reached: int = 0
    pairings: int = 0
    meetings: int = 0
    pairings_at_minimum: int = 0
    events_held: int = 0
    attended: int = 0
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
    today: object
    organisations: int = 0
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
    feedback: list = field(default_factory=list)  # FormResult

    @property
    def awarded(self) -> Decimal:
        return sum((row.awarded for row in self.years), ZERO)

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


def participant_ids(scheme) -> set[int]:
    """The organisations taking part in the scheme: awarded a grant or paired with a mentor."""
    awarded = Award.objects.filter(application__round__scheme_year__scheme=scheme).values_list(
        "application__organisation_id", flat=True
    )
    paired = Pairing.objects.filter(scheme=scheme).values_list(
        "members__organisation_id", flat=True
    )
    return {pk for pk in [*awarded, *paired] if pk is not None}


def _competence(figures, scheme, held):
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
        Meeting.topics.through.objects.filter(meeting__pairing__scheme=scheme)
        .values_list("competencearea_id")
        .annotate(n=Count("meeting_id", distinct=True))
        .values_list("competencearea_id", "n")
    )
    needed = dict(
        Application.competence_needs.through.objects.filter(
            application__round__scheme_year__scheme=scheme
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


def _reach(figures, scheme, participants):
    reports = GrantReport.objects.filter(
        award__application__round__scheme_year__scheme=scheme, status__in=SENT
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


def _mentoring(figures, scheme, today, scrub):
    pairings = Pairing.objects.filter(scheme=scheme)
    statuses = dict(PairingStatus.choices)
    counts = Counter(pairings.values_list("status", flat=True))
    figures.pairings = sum(counts.values())
    figures.pairings_by_status = {str(statuses[s]): counts[s] for s in statuses if counts[s]}
    figures.replaced = counts[PairingStatus.REPLACED]
    figures.group_pairings = pairings.annotate(size=Count("members")).filter(size__gt=1).count()
    minimum = minimum_meetings(scheme, today.year)
    health = Counter(
        progress(pairing, today, minimum).health
        for pairing in with_progress_data(pairings, today).prefetch_related("members__organisation")
    )
    figures.health = {value: health[value] for value in Health.values}
    modes = dict(Meeting._meta.get_field("mode").choices)
    by_mode = Counter(Meeting.objects.filter(pairing__scheme=scheme).values_list("mode", flat=True))
    figures.meetings_by_mode = {str(modes[m]): by_mode[m] for m in modes if by_mode[m]}
    # Meetings per pairing per year, against each pairing's minimum.
    held = defaultdict(Counter)  # year -> pairing id -> meetings
    for pairing_id, held_on in Meeting.objects.filter(
        pairing__scheme=scheme, held_on__lte=today
    ).values_list("pairing_id", "held_on"):
        held[held_on.year][pairing_id] += 1
    spans = list(pairings.values_list("pk", "starts_on", "ends_on", "agreement__min_meetings"))
    for row in figures.years:
        running = [
            (pk, agreed or minimum)
            for pk, starts_on, ends_on, agreed in spans
            if starts_on.year <= row.year and (ends_on is None or ends_on.year >= row.year)
        ]
        row.pairings = len(running)
        row.meetings = sum(held[row.year][pk] for pk, _minimum in running)
        row.pairings_at_minimum = sum(1 for pk, least in running if held[row.year][pk] >= least)
    # Check-ins: answers by kind and side, with the averages of the ratings.
    kinds = dict(CheckInKind.choices)
    sides = dict(OrganisationKind.choices)
    grouped = defaultdict(list)
    comments = []
    for check_in in CheckIn.objects.filter(pairing__scheme=scheme).select_related("organisation"):
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
    flags = Flag.objects.filter(pairing__scheme=scheme).aggregate(
        raised=Count("id"), resolved=Count("id", filter=Q(status=FlagStatus.RESOLVED))
    )
    figures.flags_raised, figures.flags_resolved = flags["raised"], flags["resolved"]


def _feedback(figures, scheme, scrub):
    forms = FeedbackForm.objects.filter(scheme=scheme).annotate(answered=Count("responses"))
    for form in forms.select_related("event").order_by("id"):
        summary = anonymised(form, scrub)
        figures.feedback.append(
            FormResult(title=summary.title, responses=form.answered, questions=summary.questions)
        )


def evaluation_figures(scheme, today, progress_to=lambda percent, step="": None):
    """Everything the evaluation summary shows for ``scheme``, as of ``today``; anonymised."""
    scrub = Scrubber.for_portal()
    participants = participant_ids(scheme)
    figures = EvaluationFigures(scheme=scheme, today=today, organisations=len(participants))
    scheme_years = list(scheme.years.order_by("year"))
    span = [y.year for y in scheme_years]
    awards = {
        row["application__round__scheme_year__year"]: row
        for row in Award.objects.filter(application__round__scheme_year__scheme=scheme)
        .values("application__round__scheme_year__year")
        .annotate(n=Count("id"), total=Sum("amount"))
    }
    held = Event.objects.filter(
        scheme_year__scheme=scheme, cancelled_at__isnull=True, starts_at__lte=timezone.now()
    )
    events = {
        row["scheme_year__year"]: row
        for row in held.values("scheme_year__year").annotate(
            n=Count("id", distinct=True),
            came=Count("registrations", filter=Q(registrations__attended=True)),
        )
    }
    for year in span:
        figures.years.append(
            YearRow(
                year=year,
                organisations=awards.get(year, {}).get("n", 0),
                awarded=awards.get(year, {}).get("total") or ZERO,
                events_held=events.get(year, {}).get("n", 0),
                attended=events.get(year, {}).get("came", 0),
            )
        )
    progress_to(15, "competence")
    _competence(figures, scheme, held)
    progress_to(30, "collaborations")
    _collaborations(figures, participants, span)
    progress_to(40, "reach")
    results = _reach(figures, scheme, participants)
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
    _mentoring(figures, scheme, today, scrub)
    progress_to(70, "feedback")
    _feedback(figures, scheme, scrub)
    return figures
