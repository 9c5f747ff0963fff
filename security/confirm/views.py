"""Confirm it's you: the password page, then the page of the second step (design.md §19)."""

from __future__ import annotations

import time

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from absher_portal.errors import too_many_requests
from accounts.access import signed_in_active
from accounts.models import User
from accounts.signin.services import Refusal
from security.confirm import flow
from security.confirm.forms import ConfirmPasswordForm
from security.confirm.steps import SecondStep, StepUnavailable, available_steps, step_named
from security.recent import confirm_url, signed_in_recently


@signed_in_active
@sensitive_post_parameters("password")
def confirm_password(request: HttpRequest) -> HttpResponse:
    """The password, under the sign-in's throttles; then the first second step starts."""
    user: User = request.user
    back = flow.next_url(request, request.POST.get("next", request.GET.get("next")))
    if signed_in_recently(request):
        return HttpResponseRedirect(back)
    if request.method != "POST":
        return _password_page(request, ConfirmPasswordForm(user=user), back)
    if refusal := flow.refusal_before_password(request, user):
        return _refuse(request, user, refusal)
    form = ConfirmPasswordForm(request.POST, user=user)
    if not form.is_valid():
        if form.rejected and (refusal := flow.count_wrong_password(request, user)):
            return _refuse(request, user, refusal)
        return _password_page(request, form, back)
    password_at = int(time.time())
    error = ValidationError(
        _(
            "We cannot confirm it's you: no code can be sent to your account. Ask the "
            "portal's support to update your mobile number."
        ),
        code="no_second_step",
    )
    for step in available_steps(user):
        try:
            data = step.begin(request, user)
        except StepUnavailable as exc:
            error = ValidationError(exc.message, code=exc.code)
            continue
        flow.start(request, step=step.slug, data=data, next_url=back, password_at=password_at)
        return redirect("security:confirm_step", step=step.slug)
    form.add_error(None, error)
    return _password_page(request, form, back)


@signed_in_active
@sensitive_post_parameters("code")
def confirm_second_step(request: HttpRequest, step: str) -> HttpResponse:
    """The second step under way: its form, its own actions, and the other ways offered."""
    user: User = request.user
    confirmation = flow.pending(request)
    current = step_named(confirmation.step, user) if confirmation else None
    if confirmation is None or current is None:
        back = flow.abandon(request)
        if back is not None:
            messages.warning(
                request, _("Your confirmation has expired. Enter your password again.")
            )
        return redirect(confirm_url(back or flow.next_url(request, "")))
    if step != current.slug:
        return _switch(request, user, chosen=step_named(step, user), current=current)
    if request.method == "POST":
        if (answer := current.other_action(request, user, confirmation.data)) is not None:
            return answer
        form = current.form_class(request.POST)
        if form.is_valid() and current.check(request, user, form, confirmation.data):
            return HttpResponseRedirect(flow.finish(request, confirmation, current.factor))
    else:
        form = current.form_class()
    context = current.context(request, user, form, confirmation.data)
    context["step"] = current
    context["others"] = [other for other in available_steps(user) if other.slug != current.slug]
    return render(request, current.template, context)


def _switch(
    request: HttpRequest, user: User, *, chosen: SecondStep | None, current: SecondStep
) -> HttpResponse:
    """Start another step when the person chose it (a POST); otherwise back to the current."""
    if chosen is not None and request.method == "POST" and "switch" in request.POST:
        try:
            data = chosen.begin(request, user)
        except StepUnavailable as exc:
            messages.error(request, exc.message)
        else:
            flow.switch_step(request, step=chosen.slug, data=data)
            return redirect("security:confirm_step", step=chosen.slug)
    return redirect("security:confirm_step", step=current.slug)


def _password_page(request: HttpRequest, form: ConfirmPasswordForm, back: str) -> HttpResponse:
    return render(request, "security/confirm/password.html", {"form": form, "next": back})


def _refuse(request: HttpRequest, user: User, refusal: Refusal) -> HttpResponse:
    """The 429 page saying when to come back; the password was not looked at."""
    form = ConfirmPasswordForm(user=user)
    form.refuse(ValidationError(refusal.message, code=refusal.code))
    return too_many_requests(
        request, message=refusal.message, retry_after=refusal.wait, context={"form": form}
    )
