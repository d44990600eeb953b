from django.urls import path

from organisations import views

app_name = "organisations"

urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("new/", views.organisation_create, name="create"),
    path("<int:pk>/", views.organisation_detail, name="detail"),
    path("<int:pk>/edit/", views.organisation_edit, name="edit"),
    path("<int:pk>/lists/<slug:section>/", views.organisation_parts, name="parts"),
    path("<int:pk>/people/", views.organisation_people, name="people"),
    path(
        "<int:pk>/people/<int:membership_pk>/role/", views.membership_role, name="membership_role"
    ),
    path(
        "<int:pk>/people/<int:membership_pk>/remove/",
        views.membership_remove,
        name="membership_remove",
    ),
]
