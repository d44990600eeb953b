from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("order/<slug:kind>/", views.order, name="order"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/status/", views.job_status, name="status"),
    path("jobs/<int:pk>/download/", views.job_download, name="download"),
    path("jobs/<int:pk>/retry/", views.job_retry, name="retry"),
]
