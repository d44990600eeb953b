"""URLs of the payments pages, included in grants/urls.py (namespace grants)."""

urlpatterns = []
