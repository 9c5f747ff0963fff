"""Delivery reports from the SMS provider, signed by Twilio."""

from django.urls import path

from sms.callbacks import twilio_status_callback

app_name = "sms"

urlpatterns = [
    path("twilio/status/", twilio_status_callback, name="twilio_status_callback"),
]
