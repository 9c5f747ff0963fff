"""The task queue's app (django-tasks-db) in the staff's language (issue 14, item 10).

django-tasks-db names its app "Tasks Database Backend" in plain English and its admin's
columns with untranslated strings; its models' own labels are marked for translation but the
package ships no Arabic. ``TasksConfig`` (in ``INSTALLED_APPS`` instead of
``django_tasks_db``, same label, so its tables and migrations are unchanged) gives the app a
translated name and, once the admin has registered the package's ``DBTaskResultAdmin``, swaps
it for a subclass whose columns are translated. ``LIBRARY_MESSAGES`` lists the package's own
message ids, so ``makemessages`` keeps their Arabic in the portal's catalogue.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy
from django_tasks_db.apps import TasksAppConfig

#: django-tasks-db's (and django-tasks') message ids, translated in locale/ar.
LIBRARY_MESSAGES = (
    gettext_noop("Task Result"),
    gettext_noop("Task Results"),
    gettext_noop("status"),
    gettext_noop("enqueued at"),
    gettext_noop("started at"),
    gettext_noop("finished at"),
    gettext_noop("args kwargs"),
    gettext_noop("priority"),
    gettext_noop("task path"),
    gettext_noop("worker id"),
    gettext_noop("queue name"),
    gettext_noop("backend name"),
    gettext_noop("run after"),
    gettext_noop("return value"),
    gettext_noop("exception class path"),
    gettext_noop("traceback"),
    pgettext_lazy("Task", "Ready"),
    pgettext_lazy("Task", "Running"),
    pgettext_lazy("Task", "Failed"),
    pgettext_lazy("Task", "Successful"),
)


class TasksConfig(TasksAppConfig):
    """``django_tasks_db`` under its own label, with a name staff can read in either language."""

    verbose_name = _("Background tasks")

    def ready(self) -> None:
        super().ready()
        from django.contrib import admin
        from django_tasks_db.models import DBTaskResult

        if admin.site.is_registered(DBTaskResult):
            admin.site.unregister(DBTaskResult)
        admin.site.register(DBTaskResult, task_result_admin())


def task_result_admin() -> type:
    """The package's admin with translated columns (built late: it imports the models)."""
    from django.contrib import admin
    from django_tasks_db.admin import DBTaskResultAdmin

    class TaskResultAdmin(DBTaskResultAdmin):
        list_display = (
            "reference",
            "task",
            "status",
            "enqueued_at",
            "started_at",
            "finished_at",
            "priority",
            "queue_name",
        )

        @admin.display(description=_("reference"), ordering="id")
        def reference(self, obj: Any) -> str:
            return str(obj.id)

        @admin.display(description=_("task"))
        def task(self, obj: Any) -> str:
            return obj.task_name

        @admin.display(description=_("traceback"))
        def formatted_traceback(self, obj: Any) -> str:
            return super().formatted_traceback(obj)

        @admin.display(description=_("run after"))
        def display_run_after(self, obj: Any) -> Any:
            return super().display_run_after(obj)

    return TaskResultAdmin
