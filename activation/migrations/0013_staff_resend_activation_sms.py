"""Staff may send again an activation SMS that was given up; reviewers among them (decision 306).

The permission lives on the activation event (what the SMS is about). The ``reviewer`` group,
created by this app (0003), is granted it: reviewers already decide on pending accounts and
see SMS deliveries, and a message that never reached a person is theirs to follow up.
"""

from importlib import import_module

from django.db import migrations

reviewer_group = import_module("activation.migrations.0003_reviewer_group")

PERMISSION = ("activation", "resend_activation_sms")


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
        ("accounts", "0014_staff_resend_activation_sms"),
        ("activation", "0012_arabic_quotes_in_channel_steps"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="activationevent",
            options={
                "ordering": ["-received_at", "-id"],
                "permissions": [
                    (
                        "resend_activation_sms",
                        "Can send again an activation SMS that was given up",
                    )
                ],
                "verbose_name": "activation event",
                "verbose_name_plural": "activation events",
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
