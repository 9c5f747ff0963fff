"""The person's own pages: pending people see only the status page."""

from django.urls import path

from accounts.profile import views

urlpatterns = [
    path("status/", views.status, name="status"),
    path("account/", views.account, name="account"),
    path("account/password/", views.change_password, name="change_password"),
]
