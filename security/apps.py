from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    """The person's security page: passkeys, authenticator app, recovery codes, sessions."""

    name = "security"
    verbose_name = _("Security")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Connect the sessions' receivers (``security.sessions.receivers``).

        Receivers run in the order they were connected, and Django's ``update_last_login``
        (connected by ``django.contrib.auth``, an earlier app) would overwrite ``last_login``
        before ours reads it: it is connected again after ours, so ours sees whether the
        account ever signed in before (no new-browser SMS for the first sign-in).
        """
        from django.contrib.auth.models import update_last_login
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from accounts.lifecycle import sign_in_closed
        from security.sessions import receivers

        had_last_login = user_logged_in.disconnect(dispatch_uid="update_last_login")
        user_logged_in.connect(
            receivers.session_signed_in, dispatch_uid="security.sessions.signed_in"
        )
        if had_last_login:
            user_logged_in.connect(update_last_login, dispatch_uid="update_last_login")
        user_logged_out.connect(
            receivers.session_signed_out, dispatch_uid="security.sessions.signed_out"
        )
        sign_in_closed.connect(receivers.account_closed, dispatch_uid="security.sessions.closed")
