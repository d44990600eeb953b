"""URLs of the payments pages, included in grants/urls.py (namespace grants)."""

from django.urls import path

from grants.views import payments

urlpatterns = [
    path("review/payments/", payments.payments_home, name="payments"),
    path("review/payments/<int:body_pk>/", payments.day_list, name="payments_of_body"),
    path("review/payments/<int:body_pk>/csv/", payments.day_csv, name="payments_csv"),
]
