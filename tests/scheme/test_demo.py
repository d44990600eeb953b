import io

from django.core.management import call_command
from django.utils import timezone

from organisations.demo import PARTICIPANTS
from organisations.models import Membership, Organisation, RegistrationRequest
from organisations.orgnr import clean_orgnr
from scheme.demo import SCHEME, SUCCESSOR, YEARS
from scheme.models import Scheme, SchemeYear, User
from scheme.roles import Role, access_for


def load_demo() -> str:
    output = io.StringIO()
    call_command("load_demo", stdout=output)
    return output.getvalue()


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Organisation, Membership, User, Scheme, SchemeYear)
    }


def test_the_demo_loads_the_pilot_and_a_second_run_duplicates_nothing(db):
    load_demo()
    first = counts()
    load_demo()
    assert counts() == first
    pilot = Organisation.objects.filter(name__in=[row[0] for row in PARTICIPANTS])
    assert pilot.filter(kind="participant").count() == 9
    assert Organisation.objects.filter(kind="mentor").count() == 10
    assert Organisation.objects.filter(kind="administrator").count() == 1
    assert Organisation.objects.filter(kind="evaluator").count() == 1
    assert not Organisation.objects.filter(is_demo=False).exists()
    # the registration waiting for the caseworker can be approved: its number is free
    waiting = RegistrationRequest.objects.pending().values("org_number")
    assert waiting.exists()
    assert not Organisation.objects.filter(org_number__in=waiting).exists()
    # the pilot's years, and those of the scheme after it up to this one (its open call)
    scheme, successor = (
        Scheme.objects.get(slug=SCHEME["slug"]),
        Scheme.objects.get(slug=SUCCESSOR["slug"]),
    )
    assert list(scheme.years.values_list("year", flat=True).order_by("year")) == list(YEARS)
    assert list(successor.years.values_list("year", flat=True).order_by("year")) == list(
        range(YEARS[-1] + 1, timezone.localdate().year + 1)
    )
    assert scheme.goals.count() == successor.goals.count() == 6
    assert scheme.conditions.filter(code="notify-changes").exists()
    assert not successor.conditions.filter(code="commitment").exists()  # "ut 2024": the pilot's
    for number in Organisation.objects.values_list("org_number", flat=True):
        assert clean_orgnr(number) == number


def test_there_is_a_login_for_each_role_and_the_command_prints_them(db):
    output = load_demo()
    expected = {
        "admin@imdi.example": Role.ADMIN,
        "saksbehandler@imdi.example": Role.CASEWORKER,
        "evaluator@ntnu.example": Role.EVALUATOR,
        "leder@aktivno.example": Role.MEMBER,
        "mentor@reddbarna.example": Role.MENTOR,
    }
    for email, role in expected.items():
        user = User.objects.get(email=email)
        assert access_for(user).roles == {role}
        assert user.check_password("demo-portal-2024")
        assert email in output


def test_demo_participants_are_eligible_for_2022_apart_from_the_purpose_judgement(db):
    from organisations.eligibility import Outcome, check_eligibility

    load_demo()
    year = SchemeYear.objects.get(year=2022)
    for organisation in Organisation.objects.filter(name__in=[row[0] for row in PARTICIPANTS]):
        result = check_eligibility(organisation, year, purpose_confirmed=True)
        assert result.outcome == Outcome.PASS, (organisation, result)
