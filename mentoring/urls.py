from django.urls import path

from mentoring import views

app_name = "mentoring"

urlpatterns = [
    path("", views.home, name="home"),
    path("overview/", views.overview, name="overview"),
    path("offers/<int:organisation_pk>/", views.offer_edit, name="offer"),
    path("match/<int:organisation_pk>/", views.match, name="match"),
    path("pairings/new/", views.pairing_create, name="pairing_create"),
    path("pairings/<int:pk>/", views.pairing_detail, name="pairing"),
    path("pairings/<int:pk>/agreement/", views.agreement, name="agreement"),
    path("pairings/<int:pk>/meetings/new/", views.meeting_log, name="meeting_log"),
    path("pairings/<int:pk>/check-in/<slug:kind>/", views.check_in, name="check_in"),
    path("pairings/<int:pk>/flag/", views.flag_raise, name="flag"),
    path("pairings/<int:pk>/replace/", views.pairing_replace, name="replace"),
    path("pairings/<int:pk>/status/", views.pairing_status, name="status"),
    path("meetings/<int:pk>/confirm/", views.meeting_confirm, name="meeting_confirm"),
    path("tasks/<int:pk>/done/", views.task_done, name="task_done"),
    path("check-ins/<int:pk>/follow-up/", views.check_in_follow_up, name="follow_up"),
    path("flags/<int:pk>/", views.flag_handle, name="flag_handle"),
    path("compensation/", views.compensation_list, name="compensation"),
    path("compensation/<int:pk>/", views.compensation_detail, name="compensation_detail"),
]
