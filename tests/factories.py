import datetime
import itertools

import factory

from organisations.models import Membership, Organisation, TargetGroup
from organisations.orgnr import fictional_orgnr
from scheme.models import Scheme, SchemeYear, User
from scheme.roles import MemberRole, OrganisationKind

PASSWORD = "correct-horse-battery"
_stems = itertools.count(80000000, 2)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    # Notifications are written in the recipient's language; tests read the English source.
    language = "en"
    password = factory.django.Password(PASSWORD)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = OrganisationKind.PARTICIPANT
    name = factory.Sequence(lambda n: f"Organisasjon {n}")
    org_number = factory.LazyFunction(lambda: fictional_orgnr(next(_stems)))
    municipality = "Oslo"
    municipality_number = "0301"
    county = "03"
    founded = datetime.date(2020, 5, 1)


class TargetGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TargetGroup
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"group-{n}")
    name_nb = factory.Sequence(lambda n: f"Målgruppe {n}")
    name_en = factory.Sequence(lambda n: f"Target group {n}")


class SchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scheme

    name = factory.Sequence(lambda n: f"Ordning {n}")
    short_name = factory.Sequence(lambda n: f"Ordning {n}")
    slug = factory.Sequence(lambda n: f"ordning-{n}")
    administrator = factory.SubFactory(OrganisationFactory, kind=OrganisationKind.ADMINISTRATOR)
    # One caseworker decides alone unless a test asks for a second person's approval.
    awards_need_approval = False
    rejections_need_approval = False
    clawbacks_need_approval = False


class SchemeYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchemeYear

    scheme = factory.SubFactory(SchemeFactory)
    year = 2022
    report_due_date = factory.LazyAttribute(lambda o: datetime.date(o.year + 1, 1, 23))


def member_of(organisation, role=MemberRole.LEADER, **user_fields):
    user = UserFactory(**user_fields)
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def caseworker(administrator=None):
    administrator = administrator or OrganisationFactory(kind=OrganisationKind.ADMINISTRATOR)
    return member_of(administrator, role=MemberRole.MEMBER)


def approver(administrator):
    """A caseworker of ``administrator`` with the approver role: the second person on
    decisions and payments."""
    return member_of(administrator, role=MemberRole.APPROVER)


def pay(award, amount, paid_on=None, *, instalment=None, attester=None, approver_user=None):
    """Pay ``amount`` out on ``award`` the way the portal does: attested by one caseworker of
    the scheme's body and approved for payment by an approver of it (each made if not given).
    Returns the disbursement."""
    from grants import services

    body = award.application.round.scheme_year.scheme.administrator
    attester = attester or caseworker(body)
    approver_user = approver_user or approver(body)
    attestation = services.attest_payment(
        attester,
        award,
        amount=amount,
        pay_on=paid_on or datetime.date.today(),
        instalment=instalment,
    )
    return services.approve_payment(approver_user, attestation, paid_on=paid_on)


def taking_part(scheme_year, *organisations):
    """Make participant and mentor organisations take part in the scheme year, the short way:
    each in a pairing that runs through the year (a mentor alone, a participant with a new
    mentor organisation). Courses are for those taking part (scheme.registry)."""
    from mentoring.models import Pairing, PairingMember

    starts = datetime.date(scheme_year.year, 1, 1)
    creator = UserFactory()
    for organisation in organisations:
        is_mentor = organisation.kind == OrganisationKind.MENTOR
        pairing = Pairing.objects.create(
            scheme=scheme_year.scheme,
            mentor=organisation if is_mentor else OrganisationFactory(kind=OrganisationKind.MENTOR),
            starts_on=starts,
            created_by=creator,
        )
        if not is_mentor:
            PairingMember.objects.create(pairing=pairing, organisation=organisation)
    return organisations


def awarded(scheme_year, organisation, amount=95000):
    """An award in the scheme year for the organisation, the short way (rows, no services)."""
    from grants.models import Application, ApplicationStatus, Award, Decision, Round

    starts = datetime.date(scheme_year.year, 1, 1)
    round_, _created = Round.objects.get_or_create(
        scheme_year=scheme_year,
        title=f"Utlysning {scheme_year.year}",
        defaults={"kind": "open", "opens_on": starts, "closes_on": starts, "guidance": "-"},
    )
    application = Application.objects.create(
        round=round_, organisation=organisation, status=ApplicationStatus.AWARDED, amount=amount
    )
    decision = Decision.objects.create(
        application=application,
        kind="award",
        reasons="-",
        decided_by=UserFactory(),
        appeal_deadline=starts,
    )
    return Award.objects.create(application=application, decision=decision, amount=amount)
