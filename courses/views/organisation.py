"""The participant and mentor organisations' pages: registering people for events and
cancelling, handing in practical tasks, commenting on the annual plan and answering feedback
forms."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses import services
from courses.forms import AnswerForm, HandInForm, PlanCommentForm, RegistrationForm
from courses.models import (
    AnnualPlan,
    Event,
    FeedbackForm,
    HandIn,
    PlanComment,
    PracticalTask,
    Question,
    Registration,
    own_years,
)
from courses.plans import items_of_plan
from courses.views._common import (
    by_month,
    choose,
    file_error,
    organisations_for,
    plan_rows,
    render_event,
    scheme_query,
    visible_event,
)
from scheme.compiled import kept, kept_per_access
from scheme.models import SchemeYear
from scheme.roles import Role, access_for
from scheme.storage import download
from scheme.web import add_service_errors, get_visible_or_404, only_or_404


def _add_person(request, pk, service, form_name, done_message, prefix=None):
    """Register a person or put them on the waiting list (``service``), from the event page's
    form ``form_name``; the page is shown again with the form's errors."""
    event = visible_event(request, pk, page=True)
    if request.method != "POST":
        return redirect("courses:event", pk=event.pk)
    organisations = organisations_for(request.user, event)
    if not organisations:
        raise PermissionDenied
    form = RegistrationForm(
        request.POST,
        organisations=organisations,
        asks_about_needs=event.asks_about_needs,
        prefix=prefix,
    )
    if form.is_valid():
        try:
            registration = service(
                request.user,
                event,
                form.cleaned_data["organisation"],
                person_name=form.cleaned_data["person_name"],
                person=form.cleaned_data["person"],
                **form.needs(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, done_message % {"name": registration.person_name, "event": event.title}
            )
            return redirect("courses:event", pk=event.pk)
    return render_event(request, event, **{form_name: form})


def register(request, pk):
    return _add_person(
        request,
        pk,
        services.register,
        "register_form",
        _("%(name)s is registered for %(event)s."),
    )


def join_waiting_list(request, pk):
    return _add_person(
        request,
        pk,
        services.join_waiting_list,
        "waiting_form",
        _("%(name)s is on the waiting list for %(event)s. We will e-mail you if a place is freed."),
        prefix="waiting",
    )


@require_POST
def registration_cancel(request, pk):
    registration = get_visible_or_404(
        Registration.objects.filter(
            event__in=Event.objects.visible_to(request.user)
        ).select_related("event"),
        request.user,
        pk=pk,
    )
    try:
        services.cancel_registration(request.user, registration)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(name)s is no longer registered.") % {"name": registration.person_name},
        )
    return redirect("courses:event", pk=registration.event_id)


@kept_per_access(params=["pk"])
def _visible_task(user, pk):
    tasks = PracticalTask.objects.select_related("event", "created_by")
    return tasks.prefetch_related("organisations").visible_to(user).filter(pk=pk)


@kept_per_access(params=["task_id"])
def _hand_ins(user, task_id):
    hand_ins = HandIn.objects.visible_to(user).filter(task=task_id)
    return hand_ins.select_related("organisation", "submitted_by").order_by("organisation__name")


def task_detail(request, pk):
    task = only_or_404(_visible_task(request.user, pk=pk))
    access = access_for(request.user)
    own = [o for o in task.organisations.all() if access.is_member_of(o.pk)]
    hand_ins = list(_hand_ins(request.user, task_id=task.pk))
    if not access.is_caseworker:
        hand_ins = [h for h in hand_ins if h.organisation_id in {o.pk for o in own}]
    closed = task.why_no_hand_in()
    form = None
    if own and not closed:
        initial = {"text": hand_ins[0].text} if len(own) == 1 and hand_ins else {}
        form = HandInForm(
            request.POST if request.method == "POST" else None,
            request.FILES if request.method == "POST" else None,
            organisations=own,
            initial=initial,
        )
    if request.method == "POST":
        if not own:
            raise PermissionDenied
        if form is None:
            messages.error(request, closed)
            return redirect("courses:task", pk=task.pk)
        if form.is_valid():
            try:
                services.hand_in(
                    request.user,
                    task,
                    form.cleaned_data["organisation"],
                    text=form.cleaned_data["text"],
                    upload=form.cleaned_data["file"] or None,
                    form_token=form.pop_form_token(),
                )
            except ValidationError as error:
                file_error(form, "file", error)
            else:
                messages.success(request, _("Your answer is handed in. Thank you!"))
                return redirect("courses:task", pk=task.pk)
    return render(
        request,
        "courses/task_detail.html",
        {
            "task": task,
            "hand_ins": hand_ins,
            "form": form,
            "own": own,
            "closed": closed,
            "is_caseworker": access.is_caseworker,
        },
    )


def hand_in_download(request, pk):
    hand_in = get_visible_or_404(HandIn, request.user, pk=pk)
    return download(hand_in.file, hand_in.original_name)


@kept_per_access
def _plans_of(user, year):
    """The year's annual plans the user sees, the running schemes' first."""
    plans = AnnualPlan.objects.visible_to(user).filter(scheme_year__year=year)
    return plans.select_related("scheme_year__scheme").order_by(
        "-scheme_year__scheme__is_active", "scheme_year__scheme__name"
    )


@kept_per_access(params=["plan_id"])
def _plan_comments(user, plan_id):
    comments = PlanComment.objects.visible_to(user).filter(plan=plan_id)
    return comments.select_related("organisation", "author")


def plan(request, year):
    access = access_for(request.user)
    if not (access.is_caseworker or access.has(Role.MEMBER, Role.MENTOR, Role.EVALUATOR)):
        raise Http404
    candidates = list(_plans_of(request.user, year))
    chosen = choose(candidates, request, lambda p: p.scheme_year.scheme.slug)
    if chosen is None:
        if not access.is_caseworker:
            raise Http404
        scheme_years = list(
            access.administered(
                SchemeYear.objects.filter(year=year).select_related("scheme"),
                "scheme__administrator_id",
            )
        )
        if not scheme_years:
            raise Http404
        return render(request, "courses/plan.html", {"plan": None, "year": year, "candidates": []})
    organisations = organisations_for(request.user, chosen)
    form = None
    if organisations and chosen.workflow.decide(request.user, chosen, "comment"):
        form = PlanCommentForm(
            request.POST if request.method == "POST" else None, organisations=organisations
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.comment_on_plan(
                    request.user,
                    chosen,
                    form.cleaned_data["organisation"],
                    form.cleaned_data["text"],
                    form_token=form.pop_form_token(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Thank you! Your comment is sent to the caseworker."))
                return redirect(
                    reverse("courses:plan", args=[year])
                    + scheme_query(candidates, chosen.scheme_year.scheme.slug)
                )
    months = by_month(items_of_plan(plan_id=chosen.pk))
    comments = _plan_comments(request.user, plan_id=chosen.pk)
    return render(
        request,
        "courses/plan.html",
        {
            "plan": chosen,
            "year": year,
            "candidates": candidates if len(candidates) > 1 else [],
            "months": months,
            "plan_rows": plan_rows(request, months),
            "comments": comments if (access.is_caseworker or organisations) else [],
            "form": form,
            "can_edit": access.administers(chosen.scheme_year.scheme),
        },
    )


@kept_per_access(params=["pk"])
def _answerable_form(user, years, pk):
    """The feedback form, if the user sees it (``years``: their organisations' years), with
    whether they may read its results."""
    results = FeedbackForm.objects.results_visible_to(user).filter(pk=OuterRef("pk"))
    forms = FeedbackForm.objects.visible_to(user, years).select_related("event", "scheme")
    return forms.annotate(results_visible=Exists(results)).filter(pk=pk)


@kept(params=["form_id"])
def _questions_of(form_id):
    return Question.objects.filter(form=form_id)


def form_answer(request, pk):
    # The user's organisations' years as the request reads them once (``own_years``).
    years = tuple(sorted(own_years(access_for(request.user))))
    feedback_form = only_or_404(_answerable_form(request.user, years, pk=pk))
    organisations = organisations_for(request.user, feedback_form)
    questions = list(_questions_of(form_id=feedback_form.pk))
    already = feedback_form.answered_by(request.user)
    may_answer = feedback_form.workflow.decide(request.user, feedback_form, "answer")
    post = request.POST if request.method == "POST" else None
    if post is not None and not organisations:
        raise PermissionDenied
    form = AnswerForm(post, questions=questions, organisations=organisations)
    if post is not None and form.is_valid():
        try:
            services.answer_form(
                request.user, feedback_form, form.cleaned_data["organisation"], form.answers()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Thank you for your answers!"))
            return redirect("courses:form", pk=feedback_form.pk)
    can_answer = bool(organisations) and bool(may_answer) and not already
    if not can_answer and not form.is_bound:
        for field in form.fields.values():
            field.disabled = True
    return render(
        request,
        "courses/form_answer.html",
        {
            "feedback_form": feedback_form,
            "form": form,
            "can_answer": can_answer or (form.is_bound and bool(organisations)),
            "already": already,
            "may_answer": may_answer,
            "can_answer_at_all": bool(organisations),
            "can_see_results": feedback_form.results_visible,
        },
    )
