"""URLs of the approvals pages, included in grants/urls.py (namespace grants)."""

urlpatterns = []
