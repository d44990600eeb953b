from django.urls import path

from organisations import choices, export, joining, views

app_name = "organisations"

urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("new/", views.organisation_create, name="create"),
    path("choices/partners/", choices.partner_choices, name="partner_choices"),
    path("choices/<slug:offer>/", choices.organisation_choices, name="choices"),
    path("<int:pk>/", views.organisation_detail, name="detail"),
    path("<int:pk>/edit/", views.organisation_edit, name="edit"),
    path("<int:pk>/lists/<slug:section>/", views.organisation_parts, name="parts"),
    path("<int:pk>/people/", views.organisation_people, name="people"),
    path("<int:pk>/follow-up/<int:scheme_pk>/", views.organisation_follow_up, name="follow_up"),
    path("<int:pk>/export/", export.organisation_export, name="export"),
    path(
        "<int:pk>/people/<int:membership_pk>/role/", views.membership_role, name="membership_role"
    ),
    path(
        "<int:pk>/people/<int:membership_pk>/remove/",
        views.membership_remove,
        name="membership_remove",
    ),
    path(
        "<int:pk>/invitations/<int:invitation_pk>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "<int:pk>/invitations/<int:invitation_pk>/withdraw/",
        views.invitation_withdraw,
        name="invitation_withdraw",
    ),
    path("invitations/<int:invitation_pk>/", views.invitation_answer, name="invitation"),
    path("join/<str:token>/", views.invitation_link, name="invitation_link"),
    # The front door: registering an organisation, and asking to join one.
    path("register/", joining.register_start, name="register"),
    path("register/<str:org_number>/", joining.register_details, name="register_details"),
    path("registrations/", joining.registration_list, name="registrations"),
    path("registrations/<int:pk>/", joining.registration_detail, name="registration"),
    path(
        "registrations/<int:pk>/approve/",
        joining.registration_approve,
        name="registration_approve",
    ),
    path("registrations/<int:pk>/reject/", joining.registration_reject, name="registration_reject"),
    path("ask-to-join/", joining.join_search, name="join"),
    path("ask-to-join/<str:org_number>/", joining.join_organisation, name="join_organisation"),
    path(
        "<int:pk>/join-requests/<int:request_pk>/",
        joining.join_request_answer,
        name="join_request_answer",
    ),
]
