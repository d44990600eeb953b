import pytest
from django.core.exceptions import ValidationError

from courses import services


def test_the_gathering_cap_per_organisation(member, participant, gathering):
    services.register(member, gathering, participant, person_name="Kari")
    services.register(member, gathering, participant, person_name="Ola")
    with pytest.raises(ValidationError):
        services.register(member, gathering, participant, person_name="Per")
    assert gathering.registrations.count() == 2
