"""URLs of the approvals pages, included in grants/urls.py (namespace grants): the approver's
list of decisions and payments waiting for them, a proposed decision, and the steps on it."""

from django.urls import path

from grants.views import caseworker

urlpatterns = [
    path("review/approvals/", caseworker.approvals, name="approvals"),
    path("review/approvals/decisions/<int:pk>/", caseworker.proposal, name="proposal"),
    path(
        "review/approvals/decisions/<int:pk>/<str:step>/",
        caseworker.proposal_step,
        name="proposal_step",
    ),
    path(
        "review/approvals/payments/<int:pk>/<str:step>/",
        caseworker.attestation_step,
        name="attestation_step",
    ),
]
