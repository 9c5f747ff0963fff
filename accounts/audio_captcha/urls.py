"""The captcha's recording, named like django-simple-captcha's own audio URL so that its
helpers (``captcha_audio_url``) and the widget find this one; included before ``captcha.urls``."""

from django.urls import re_path

from accounts.audio_captcha import views

urlpatterns = [
    re_path(r"^audio/(?P<key>\w+)\.wav$", views.captcha_audio, name="captcha-audio"),
]
