from django.urls import path

from courses.views import caseworker, choices, everyone, organisation

app_name = "courses"

urlpatterns = [
    path("", everyone.event_list, name="events"),
    path("calendar/", everyone.my_calendar, name="calendar"),
    path("calendar/<str:token>.ics", everyone.calendar_feed, name="calendar_feed"),
    path("plans/<int:year>/", organisation.plan, name="plan"),
    path("plans/<int:year>/edit/", caseworker.plan_edit, name="plan_edit"),
    path("plans/<int:year>/against-held/", caseworker.plan_against_held, name="plan_against_held"),
    path("events/new/", caseworker.event_edit, name="event_create"),
    path("events/<int:pk>/", everyone.event_detail, name="event"),
    path("events/<int:pk>/edit/", caseworker.event_edit, name="event_edit"),
    path("events/<int:pk>/programme/", caseworker.programme_edit, name="programme"),
    path("events/<int:pk>/cancel/", caseworker.event_cancel, name="event_cancel"),
    path("events/<int:pk>/postpone/", caseworker.event_postpone, name="event_postpone"),
    path("events/<int:pk>/register/", organisation.register, name="register"),
    path("events/<int:pk>/waiting-list/", organisation.join_waiting_list, name="join_waiting_list"),
    path(
        "registrations/<int:pk>/cancel/",
        organisation.registration_cancel,
        name="registration_cancel",
    ),
    path("events/<int:pk>/attendance/", caseworker.attendance, name="attendance"),
    path("events/<int:pk>/materials/", caseworker.material_add, name="material_add"),
    path("materials/<int:pk>/", everyone.material_download, name="material"),
    path("materials/<int:pk>/remove/", caseworker.material_remove, name="material_remove"),
    path("events/<int:pk>/tasks/new/", caseworker.task_give, name="task_give"),
    path(
        "events/<int:pk>/tasks/organisations/",
        choices.task_organisation_choices,
        name="task_organisations",
    ),
    path("tasks/<int:pk>/", organisation.task_detail, name="task"),
    path("hand-ins/<int:pk>/file/", organisation.hand_in_download, name="hand_in_file"),
    path("attendance/", caseworker.attendance_overview, name="attendance_overview"),
    path("forms/", everyone.form_list, name="forms"),
    path("forms/new/", caseworker.form_edit, name="form_create"),
    path("forms/<int:pk>/edit/", caseworker.form_edit, name="form_edit"),
    path("forms/<int:pk>/", organisation.form_answer, name="form"),
    path("forms/<int:pk>/results/", caseworker.form_results, name="form_results"),
]
