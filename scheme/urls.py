from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from scheme import health, metrics, privacy, public, views

admin.site.site_header = "Tilskuddsportalen – administrasjon"

auth_patterns = [
    # Logging in and out, ID-porten and signing up (scheme/signin).
    path("", include("scheme.signin.urls")),
    path("password_reset/", views.PasswordReset.as_view(), name="password_reset"),
    path(
        "reset/<uidb64>/<token>/",
        views.PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path("", include("django.contrib.auth.urls")),
]

urlpatterns = [
    path("", views.landing, name="landing"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
    path(
        "notifications/read-all/",
        views.notifications_mark_all_read,
        name="notifications_mark_all_read",
    ),
    path("account/", views.account, name="account"),
    path("account/my-data/", privacy.my_data, name="my_data"),
    path("account/my-data/download/", privacy.my_data_download, name="my_data_download"),
    path("account/deactivate/", privacy.deactivate, name="deactivate_account"),
    path("privacy/", privacy.privacy_statement, name="privacy"),
    path("accessibility/", privacy.accessibility_statement, name="accessibility"),
    path("account/two-factor/", views.two_factor, name="two_factor"),
    path("account/two-factor/new-app/", views.two_factor_replace, name="two_factor_replace"),
    path(
        "account/two-factor/recovery-codes/",
        views.two_factor_recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path("account/", include(auth_patterns)),
    path("schemes/", views.scheme_list, name="scheme_list"),
    path("schemes/<slug:slug>/", views.scheme_detail, name="scheme_detail"),
    path("schemes/<slug:slug>/about/", public.scheme_page, name="scheme_public"),
    path(
        "schemes/<slug:slug>/years/<int:year>/edit/",
        views.scheme_year_edit,
        name="scheme_year_edit",
    ),
    path(
        "schemes/<slug:slug>/years/open-next/",
        views.scheme_year_open_next,
        name="scheme_year_open_next",
    ),
    path("organisations/", include("organisations.urls")),
    path("grants/", include("grants.urls")),
    path("mentoring/", include("mentoring.urls")),
    path("courses/", include("courses.urls")),
    path("reports/", include("reports.urls")),
    path("announcements/", include("scheme.announcements.urls")),
    path("meldinger/", include("scheme.conversations.urls")),
    path("arkiv/", include("scheme.records.urls")),
    # Exempt from CSRF: it only sets the language cookie (and checks where it sends you next),
    # so the header's language switch needs no token on the cacheable public pages.
    path("i18n/setlang/", login_not_required(csrf_exempt(set_language)), name="set_language"),
    path("admin/", admin.site.urls),
    # Operations (no login, never cached): probes and the Prometheus scraper.
    path("health/live", health.live, name="health_live"),
    path("health/ready", health.ready, name="health_ready"),
    path("metrics", metrics.metrics, name="metrics"),
]
