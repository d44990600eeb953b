from django.urls import path

from scheme.records import views

app_name = "records"

urlpatterns = [
    path("journal/", views.journal, name="journal"),
    path("journal/public.csv", views.public_journal, name="public_journal"),
    path("cases/<int:pk>/", views.case, name="case"),
    path("documents/<int:pk>/", views.document, name="document"),
]
