"""Move the activation SMS's claim columns into ``accounts.Notice`` rows (issue 12, item 6).

Every activation (outcome ``activated``, with an account) gets its notice with the claim,
success, attempts and retry time it had, so nothing already sent or possibly sent is sent
again, and nothing owed is lost. One ``INSERT … SELECT``, fast on millions of rows. A claim
whose SMS record (``activation:<event>:<attempt>``, the old key) shows the provider took it
was sent: only marking it failed, so the notice says sent. Backwards, the columns get the
notices' values again and those notices are deleted.
"""

from django.db import migrations
from django.db.models import Exists, OuterRef, Subquery

ACCEPTED = ("queued", "sending", "sent", "delivered", "undelivered")

NOTICES_FROM_EVENTS = """
    INSERT INTO accounts_notice (kind, account_id, subject_id, created_at, claimed_at, sent_at,
                                 attempts, retry_at, last_error)
    SELECT 'activated', account_id, id, received_at, sms_claimed_at, notified_at, sms_attempts,
           sms_retry_at, ''
    FROM activation_activationevent
    WHERE outcome = 'activated' AND account_id IS NOT NULL
"""


def notices_from_claims(apps, schema_editor):
    schema_editor.execute(NOTICES_FROM_EVENTS)
    notices = apps.get_model("accounts", "Notice").objects
    deliveries = apps.get_model("sms", "SmsDelivery").objects
    unconfirmed = notices.filter(kind="activated", sent_at__isnull=True, claimed_at__isnull=False)
    for notice in unconfirmed.iterator():
        key = f"activation:{notice.subject_id}:{notice.attempts}"
        if deliveries.filter(dedupe_key=key, status__in=ACCEPTED).exists():
            notices.filter(pk=notice.pk).update(sent_at=notice.claimed_at)


def claims_from_notices(apps, schema_editor):
    notices = apps.get_model("accounts", "Notice").objects.filter(kind="activated")
    events = apps.get_model("activation", "ActivationEvent").objects
    of_event = notices.filter(subject_id=OuterRef("pk"))
    events.filter(Exists(of_event)).update(
        sms_claimed_at=Subquery(of_event.values("claimed_at")[:1]),
        notified_at=Subquery(of_event.values("sent_at")[:1]),
        sms_attempts=Subquery(of_event.values("attempts")[:1]),
        sms_retry_at=Subquery(of_event.values("retry_at")[:1]),
    )
    notices.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("activation", "0008_activation_sms_claimed_at"),
        ("accounts", "0010_notice"),
        ("sms", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(notices_from_claims, claims_from_notices, elidable=False),
    ]
