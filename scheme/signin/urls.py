"""Under ``account/``: logging in and out, ID-porten, and signing up by e-mail."""

from django.urls import path

from scheme.signin import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("sign-up/", views.sign_up, name="sign_up"),
    path("sign-up/confirm/<str:token>/", views.sign_up_confirm, name="sign_up_confirm"),
    path("check-your-email/", views.address_sent, name="address_sent"),
    path("idporten/login/", views.idporten_login, name="idporten_login"),
    path("idporten/callback/", views.idporten_callback, name="idporten_callback"),
    path("idporten/welcome/", views.idporten_welcome, name="idporten_welcome"),
    path("idporten/confirm/<str:token>/", views.idporten_confirm, name="idporten_confirm"),
    path("idporten/link/", views.idporten_link, name="idporten_link"),
    path("idporten/logged-out/", views.idporten_logged_out, name="idporten_logged_out"),
    path(
        "idporten/front-channel-logout/",
        views.idporten_frontchannel_logout,
        name="idporten_frontchannel_logout",
    ),
]
