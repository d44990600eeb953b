"""The portal's settings for the test suite: the real settings with a few speed-ups."""

import os

os.environ.setdefault(
    "DJANGO_SECRET_KEY", "tests-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
)
# The test client and the live server speak plain HTTP.
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
# Production settings refuse the console e-mail backend; tests keep e-mail in memory.
os.environ.setdefault("EMAIL_URL", "memorymail://")

from scheme.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests that look up the register point it at a stand-in server of their own.
BRREG_ENABLED = False
# Static files straight from static/ (no collectstatic before tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
TWO_FACTOR_REQUIRED = False  # tests/scheme/test_two_factor.py turns it on
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
