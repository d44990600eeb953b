from django.urls import include, path

from grants.views import applicant, caseworker, public

app_name = "grants"

urlpatterns = [
    # The organisation's side. The application, award and report pages send caseworkers on
    # to their own pages, so one link in a notification serves both.
    path("", applicant.home, name="home"),
    path("calls/<int:pk>/apply/<int:organisation_pk>/", applicant.start, name="start"),
    path("applications/<int:pk>/", applicant.application_detail, name="application"),
    path(
        "applications/<int:pk>/edit/<slug:step>/",
        applicant.application_edit,
        name="application_edit",
    ),
    path("applications/<int:pk>/send/", applicant.application_submit, name="application_submit"),
    path(
        "applications/<int:pk>/receipt/",
        applicant.application_receipt,
        name="application_receipt",
    ),
    path(
        "applications/<int:pk>/withdraw/",
        applicant.application_withdraw,
        name="application_withdraw",
    ),
    path("attachments/<int:pk>/", applicant.attachment_download, name="attachment"),
    path("attachments/<int:pk>/remove/", applicant.attachment_remove, name="attachment_remove"),
    path("awards/<int:pk>/", applicant.award_detail, name="award"),
    path("awards/<int:pk>/accept/", applicant.award_accept, name="award_accept"),
    path("awards/<int:pk>/change/", applicant.change_notice, name="change_notice"),
    path("decisions/<int:pk>/appeal/", applicant.appeal, name="appeal"),
    path(
        "organisations/<int:organisation_pk>/payout-account/",
        applicant.payout_account,
        name="payout_account",
    ),
    path(
        "payout-accounts/<int:pk>/number/",
        applicant.payout_account_number,
        name="payout_account_number",
    ),
    path("reports/<int:pk>/", applicant.report_detail, name="report"),
    path("reports/<int:pk>/edit/<slug:step>/", applicant.report_edit, name="report_edit"),
    path("reports/<int:pk>/send/", applicant.report_submit, name="report_submit"),
    path("reports/<int:pk>/receipt/", applicant.report_receipt, name="report_receipt"),
    path(
        "reports/<int:pk>/auditor-statement/",
        applicant.auditor_statement_download,
        name="auditor_statement",
    ),
    # The public pages (no login): open calls and the awarded grants.
    path("open-calls/", public.call_list, name="public_calls"),
    path("open-calls/<int:pk>/", public.call_detail, name="public_call"),
    path("awarded/", public.award_list, name="awarded"),
    path("awarded/csv/", public.award_csv, name="awarded_csv"),
    path("awarded/json/", public.award_json, name="awarded_json"),
    # The caseworker's side.
    path("calls/", caseworker.round_list, name="rounds"),
    path("calls/new/", caseworker.round_edit, name="round_create"),
    path("calls/<int:pk>/", caseworker.round_edit, name="round"),
    path("calls/<int:pk>/invite/", caseworker.round_invite, name="round_invite"),
    path("calls/<int:pk>/portfolio/", caseworker.portfolio, name="portfolio"),
    path("review/", caseworker.application_list, name="review"),
    path("review/applications/<int:pk>/", caseworker.review_application, name="review_application"),
    path(
        "review/applications/<int:pk>/impartiality/",
        caseworker.impartiality,
        name="impartiality",
    ),
    path("review/applications/<int:pk>/assess/", caseworker.assess, name="assess"),
    path("review/applications/<int:pk>/propose/", caseworker.propose, name="propose"),
    path("review/applications/<int:pk>/decide/", caseworker.decide, name="decide"),
    path("review/awards/<int:pk>/", caseworker.review_award, name="review_award"),
    path("review/awards/<int:pk>/disburse/", caseworker.disburse, name="disburse"),
    path(
        "review/awards/<int:pk>/accounts/<int:account_pk>/confirm/",
        caseworker.confirm_payout_account,
        name="confirm_payout_account",
    ),
    path("review/awards/<int:pk>/clawback/", caseworker.clawback, name="clawback"),
    path("review/clawbacks/<int:pk>/repayment/", caseworker.repayment, name="repayment"),
    path("review/reports/<int:pk>/", caseworker.review_report, name="review_report"),
    path("review/appeals/<int:pk>/", caseworker.handle_appeal, name="handle_appeal"),
    path(
        "review/change-notices/<int:pk>/",
        caseworker.handle_change_notice,
        name="handle_change_notice",
    ),
    # Two people on decisions and money: proposals and approvals, attested payments.
    path("", include("grants.urls_approvals")),
    path("", include("grants.urls_payments")),
]
