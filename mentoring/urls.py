from django.urls import path

from mentoring.views import caseworker, choices, compensation, pairing, sides

app_name = "mentoring"

urlpatterns = [
    path("", sides.home, name="home"),
    path("overview/", caseworker.overview, name="overview"),
    path("offers/<int:organisation_pk>/", sides.offer_edit, name="offer"),
    path("match/<int:organisation_pk>/", caseworker.match, name="match"),
    path("pairings/new/", caseworker.pairing_create, name="pairing_create"),
    path("people/mentors/", choices.mentor_people_choices, name="mentor_people"),
    path("waiting/", choices.waiting_choices, name="waiting"),
    path("pairings/<int:pk>/", pairing.pairing_detail, name="pairing"),
    path("pairings/<int:pk>/agreement/", sides.agreement, name="agreement"),
    path("pairings/<int:pk>/meetings/new/", sides.meeting_log, name="meeting_log"),
    path(
        "pairings/<int:pk>/meetings/called-off/",
        sides.meeting_call_off,
        name="meeting_call_off",
    ),
    path("pairings/<int:pk>/check-in/<slug:kind>/", sides.check_in, name="check_in"),
    path("pairings/<int:pk>/flag/", sides.flag_raise, name="flag"),
    path("pairings/<int:pk>/replace/", caseworker.pairing_replace, name="replace"),
    path("pairings/<int:pk>/status/", caseworker.pairing_status, name="status"),
    path("meetings/<int:pk>/confirm/", sides.meeting_confirm, name="meeting_confirm"),
    path("tasks/<int:pk>/done/", sides.task_done, name="task_done"),
    path("check-ins/<int:pk>/follow-up/", caseworker.check_in_follow_up, name="follow_up"),
    path("flags/<int:pk>/", caseworker.flag_handle, name="flag_handle"),
    path("compensation/", compensation.compensation_list, name="compensation"),
    path("compensation/<int:pk>/", compensation.compensation_detail, name="compensation_detail"),
]
