from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("", views.event_list, name="events"),
    path("calendar/", views.my_calendar, name="calendar"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("plans/<int:year>/", views.plan, name="plan"),
    path("plans/<int:year>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:year>/against-held/", views.plan_against_held, name="plan_against_held"),
    path("events/new/", views.event_edit, name="event_create"),
    path("events/<int:pk>/", views.event_detail, name="event"),
    path("events/<int:pk>/edit/", views.event_edit, name="event_edit"),
    path("events/<int:pk>/programme/", views.programme_edit, name="programme"),
    path("events/<int:pk>/cancel/", views.event_cancel, name="event_cancel"),
    path("events/<int:pk>/register/", views.register, name="register"),
    path("registrations/<int:pk>/cancel/", views.registration_cancel, name="registration_cancel"),
    path("events/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("events/<int:pk>/materials/", views.material_add, name="material_add"),
    path("materials/<int:pk>/", views.material_download, name="material"),
    path("materials/<int:pk>/remove/", views.material_remove, name="material_remove"),
    path("events/<int:pk>/tasks/new/", views.task_give, name="task_give"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("hand-ins/<int:pk>/file/", views.hand_in_download, name="hand_in_file"),
    path("attendance/", views.attendance_overview, name="attendance_overview"),
    path("forms/", views.form_list, name="forms"),
    path("forms/new/", views.form_edit, name="form_create"),
    path("forms/<int:pk>/edit/", views.form_edit, name="form_edit"),
    path("forms/<int:pk>/", views.form_answer, name="form"),
    path("forms/<int:pk>/results/", views.form_results, name="form_results"),
]
