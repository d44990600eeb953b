"""An application's amount says what it is: the amount awarded once there is an award (it may be
less than applied for), otherwise the amount applied for, labelled as such."""

from django.urls import reverse

NOK_95 = "NOK\xa095,000"  # the award (conftest: awarded_without_account)
NOK_99 = "NOK\xa099,000"  # the amount applied for (conftest: complete_application)


def test_the_organisations_list_shows_the_amount_awarded_not_the_amount_applied_for(
    client, member, awarded_without_account
):
    client.force_login(member)
    page = client.get(reverse("grants:home")).content.decode()
    assert f"Awarded: {NOK_95}" in page
    assert NOK_99 not in page


def test_an_application_without_an_award_shows_the_amount_as_applied_for(client, member, submitted):
    client.force_login(member)
    page = client.get(reverse("grants:home")).content.decode()
    assert f"Applied for: {NOK_99}" in page
    assert "Awarded:" not in page


def test_the_caseworkers_list_labels_the_amount_column_as_applied_for(
    client, caseworker, awarded_without_account
):
    client.force_login(caseworker)
    page = client.get(reverse("grants:review")).content.decode()
    assert '<th scope="col" class="text-end">Applied for</th>' in page
    assert NOK_95 in page  # the award column
