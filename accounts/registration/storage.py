"""The wizard's storage: formtools' session storage, written only when a step changed it.

formtools makes its storage pluggable (``WizardView.storage_name``; its session and cookie
wizards differ only by it, and ``BaseStorage`` is exported by ``formtools.wizard.storage``):
this is such a backend, on ``BaseStorage``'s API alone (decision 279).

formtools' ``SessionStorage`` marks the session modified on every read of its data, so every
page of the wizard (each GET included) rewrote the session to the database and to Redis, and
the first GET of the identity page created a session for every visitor, robots included
(issue 16: the session writes were a fifth of a registration's CPU). This storage works on a
copy of what the session holds and puts it back, once, when the response is made and only if
it differs; a wizard that holds no step leaves nothing in the session at all.
"""

from __future__ import annotations

import copy
from typing import Any

from django.http import HttpRequest, HttpResponse
from formtools.wizard.storage.base import BaseStorage


class ChangedOnlySessionStorage(BaseStorage):
    """formtools' storage API over a working copy of ``request.session[prefix]``."""

    def __init__(self, prefix: str, request: HttpRequest | None = None, file_storage=None) -> None:
        super().__init__(prefix, request, file_storage)
        self._stored = request.session.get(self.prefix)
        if self._stored is None:
            self._data: dict[str, Any] = {}
            self.init_data()
        else:
            self._data = copy.deepcopy(self._stored)

    @property
    def data(self) -> dict[str, Any]:
        return self._data

    @data.setter
    def data(self, value: dict[str, Any]) -> None:
        self._data = value

    def update_response(self, response: HttpResponse) -> None:
        super().update_response(response)
        self.write_back()

    def write_back(self) -> None:
        """Put the working copy in the session if it changed (or take the wizard out of it if
        it holds no step). formtools calls it through :meth:`update_response` when ``dispatch``
        returns; the view calls it too before replacing the session, and when ``dispatch``
        raises, so that what a step did (an SMS sent, its challenge id) is never forgotten."""
        session = self.request.session
        if self._holds_nothing():
            if self.prefix in session:
                del session[self.prefix]
        elif self._data != self._stored:
            session[self.prefix] = copy.deepcopy(self._data)
        self._stored = session.get(self.prefix)

    def _holds_nothing(self) -> bool:
        """No step stored and nothing extra: the wizard is at its start, whatever its current
        step says (formtools' ``StepsHelper`` falls back to the first step)."""
        return not any(
            self._data.get(key)
            for key in (self.step_data_key, self.step_files_key, self.extra_data_key)
        )
