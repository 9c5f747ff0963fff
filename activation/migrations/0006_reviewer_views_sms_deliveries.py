"""Let the ``reviewer`` group look at SMS deliveries (read-only).

A reviewer deciding on a pending account may need to know whether the person's codes and the
activation SMS reached them. The group is created in this app (0003), which may depend on
accounts; accounts may not depend on activation, so the grant is made here.
"""

from importlib import import_module

from django.db import migrations

reviewer_group = import_module("activation.migrations.0003_reviewer_group")

PERMISSION = ("accounts", "view_smsdelivery")


def _permissions(apps, using):
    Permission = apps.get_model("auth", "Permission")
    app_label, codename = PERMISSION
    return Permission.objects.using(using).filter(
        content_type__app_label=app_label, codename=codename
    )


def grant(apps, schema_editor):
    using = schema_editor.connection.alias
    reviewer_group._ensure_permissions(apps, using)
    Group = apps.get_model("auth", "Group")
    group = Group.objects.using(using).filter(name=reviewer_group.REVIEWER_GROUP).first()
    if group is not None:  # staff may have deleted it; do not bring it back here
        group.permissions.add(_permissions(apps, using).get())


def revoke(apps, schema_editor):
    using = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    group = Group.objects.using(using).filter(name=reviewer_group.REVIEWER_GROUP).first()
    if group is not None:
        group.permissions.remove(*_permissions(apps, using))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_sms_delivery"),
        ("activation", "0005_activation_sms_retries"),
    ]
    # The grant names the records' permission as it was then, under ``accounts``; the ``sms``
    # app, which takes them over later (sms 0001), relabels it.
    run_before = [("sms", "0001_initial")]

    operations = [migrations.RunPython(grant, revoke)]
