"""Create the ``reviewer`` group (in this app: it spans accounts and activation, and only
activation may depend on accounts): staff who look at accounts and approve or reject pending ones.

Reviewers see accounts, their history, activation events, banks and channels; they may approve
and reject pending accounts. They may not change accounts, suspend or reinstate them, or
delete anything (design.md §9).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REVIEWER_GROUP = "reviewer"

#: (app label, codename) of every permission the group holds, and nothing else.
REVIEWER_PERMISSIONS = frozenset(
    {
        ("accounts", "view_user"),
        ("accounts", "approve_account"),
        ("accounts", "reject_account"),
        ("accounts", "view_accountevent"),
        ("activation", "view_activationevent"),
        ("activation", "view_bank"),
        ("activation", "view_activationchannel"),
    }
)


def _ensure_permissions(apps, using):
    """Permissions are normally made after ``migrate``; make them now for this group."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=using)
        app_config.models_module = None


def create_reviewer_group(apps, schema_editor):
    using = schema_editor.connection.alias
    _ensure_permissions(apps, using)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = []
    for app_label, codename in sorted(REVIEWER_PERMISSIONS):
        permissions.append(
            Permission.objects.using(using).get(
                content_type__app_label=app_label, codename=codename
            )
        )
    group, _ = Group.objects.using(using).get_or_create(name=REVIEWER_GROUP)
    group.permissions.set(permissions)


def delete_reviewer_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name=REVIEWER_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_staff_review"),
        ("activation", "0002_seed_banks_and_channels"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_reviewer_group, delete_reviewer_group),
    ]
