from django.urls import path

from scheme.conversations import views

app_name = "conversations"

# The fixed paths first: a thread's path (<kind>/<id>/) would match them too.
urlpatterns = [
    path("", views.my_threads, name="mine"),
    path("message/<int:pk>/edit/", views.edit, name="edit"),
    path("message/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("files/<int:pk>/", views.attachment, name="attachment"),
    path("templates/", views.templates, name="templates"),
    path("templates/new/", views.template_edit, name="template_new"),
    path("templates/<int:pk>/", views.template_edit, name="template_edit"),
    path("templates/<int:pk>/delete/", views.template_delete, name="template_delete"),
    path("<slug:kind>/<int:object_id>/", views.thread, name="thread"),
    path("<slug:kind>/<int:object_id>/invite/", views.invite, name="invite"),
]
