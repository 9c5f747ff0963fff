from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivationConfig(AppConfig):
    name = "activation"
    verbose_name = _("Bank activation")

    def ready(self) -> None:
        from accounts.models import Notice
        from accounts.notice_kinds import register
        from activation.notifications import activation_again_notice_sms, activation_notice_sms

        register(Notice.Kind.ACTIVATED, activation_notice_sms)
        register(Notice.Kind.ACTIVATED_AGAIN, activation_again_notice_sms)
