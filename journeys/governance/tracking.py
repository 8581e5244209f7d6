"""Audit entries for changes made to models outside the journey services: users and roles, tokens,
write keys, templates, experiments, consent changed by staff, and every Django admin action.

Signals here because these rows change through several doors (the admin, the API, commands,
Django's own auth views) and the log must see all of them; the journey services record their
own richer entries instead.
"""

from dataclasses import dataclass, field

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from knox.models import AuthToken

from journeys.governance import audit, context
from journeys.models import (
    ApiToken,
    Experiment,
    ExperimentDecision,
    MessageTemplate,
    Source,
    Suppression,
    token_key_shown,
)


@dataclass(frozen=True)
class Tracked:
    name: str  # the action prefix: "user" gives user.create, user.change, user.delete
    skip: frozenset = field(default_factory=frozenset)
    staff_only: bool = False  # record only when a signed-in person made the change
    describe: object = None  # object_repr and object_id without secrets
    actor_field: str = ""  # a field naming who acted, for rows written outside a request (a decision)


def _token_label(token) -> tuple[str, str]:
    # Named by the key's first characters, as the admin lists it; the digest and the stored prefix
    # are left out of the diff (TOKEN_SKIP).
    return f"API token {token_key_shown(token)}… of {token.user}", str(token.user_id)


TOKEN_SKIP = frozenset({"digest", "token_key"})


def _targets() -> dict:
    return {
        get_user_model(): Tracked("user", skip=frozenset({"last_login"})),
        Group: Tracked("group"),
        # knox deletes an expired token through its own model; the admin and commands use the proxy.
        AuthToken: Tracked("token", skip=TOKEN_SKIP, describe=_token_label),
        ApiToken: Tracked("token", skip=TOKEN_SKIP, describe=_token_label),
        Source: Tracked("source"),
        MessageTemplate: Tracked("template", skip=frozenset({"updated_at"})),
        Experiment: Tracked("experiment", skip=frozenset({"updated_at"})),
        ExperimentDecision: Tracked("experiment_decision", actor_field="decided_by"),
        Suppression: Tracked("consent", staff_only=True),
    }


def _snapshot(instance, tracked: Tracked) -> dict:
    return {
        f.attname: getattr(instance, f.attname)
        for f in instance._meta.concrete_fields
        if f.name not in tracked.skip and f.attname not in tracked.skip
    }


def _should_record(tracked: Tracked) -> bool:
    return not tracked.staff_only or context.request_user(context.current()) is not None


def _record(tracked: Tracked, instance, verb: str, diff: dict) -> None:
    if tracked.describe is not None:
        object_repr, object_id = tracked.describe(instance)
    else:
        object_repr, object_id = str(instance), instance.pk
    audit.record(
        f"{tracked.name}.{verb}",
        object_type=instance._meta.label_lower,
        object_id=object_id,
        object_repr=object_repr,
        diff=diff,
        user=getattr(instance, tracked.actor_field) if tracked.actor_field else None,
    )


def connect() -> None:
    targets = _targets()

    def before_save(sender, instance, raw=False, **kwargs):
        tracked = targets[sender]
        if raw or instance.pk is None or instance._state.adding:
            instance._audit_before = None
            return
        old = sender._default_manager.filter(pk=instance.pk).first()
        instance._audit_before = _snapshot(old, tracked) if old is not None else None

    def after_save(sender, instance, created, raw=False, **kwargs):
        tracked = targets[sender]
        if raw or not _should_record(tracked):
            return
        before = getattr(instance, "_audit_before", None)
        after = _snapshot(instance, tracked)
        if created or before is None:
            _record(tracked, instance, "create", audit.field_diff({}, after))
            return
        diff = audit.field_diff(before, after)
        if diff:
            _record(tracked, instance, "change", diff)

    def after_delete(sender, instance, **kwargs):
        tracked = targets[sender]
        if _should_record(tracked):
            _record(tracked, instance, "delete", audit.field_diff(_snapshot(instance, tracked), {}))

    for model in targets:
        uid = f"governance-{model._meta.label_lower}"
        pre_save.connect(before_save, sender=model, dispatch_uid=f"{uid}-pre", weak=False)
        post_save.connect(after_save, sender=model, dispatch_uid=f"{uid}-post", weak=False)
        post_delete.connect(after_delete, sender=model, dispatch_uid=f"{uid}-delete", weak=False)

    m2m_changed.connect(
        _roles_changed, sender=get_user_model().groups.through, dispatch_uid="governance-roles", weak=False
    )
    post_save.connect(_admin_action, sender=LogEntry, dispatch_uid="governance-admin", weak=False)


def _roles_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action == "pre_remove":
        # Django names what was asked to be removed, whether or not it was there: keep what was.
        if reverse:  # group.user_set.remove(...): pk_set holds users
            held = sender.objects.filter(group_id=instance.pk, user_id__in=pk_set).values_list("user_id", flat=True)
        else:
            held = sender.objects.filter(user_id=instance.pk, group_id__in=pk_set).values_list("group_id", flat=True)
        instance._roles_really_removed = set(held)
        return
    if action == "post_remove":
        pk_set = instance.__dict__.pop("_roles_really_removed", pk_set)
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if action != "post_clear" and not pk_set:
        return  # nothing changed: an add of roles already held (Django signals it), a remove of ones lacked
    verb = {"post_add": "added", "post_remove": "removed", "post_clear": "cleared"}[action]
    if reverse:  # group.user_set.add(...): instance is the group, pk_set the users
        users = list(get_user_model().objects.filter(pk__in=pk_set or ()))
        for user in users:
            audit.record("user.roles", user, {verb: [instance.name]})
        return
    names = sorted(Group.objects.filter(pk__in=pk_set or ()).values_list("name", flat=True))
    audit.record("user.roles", instance, {verb: names} if action != "post_clear" else {"cleared": True})


ADMIN_VERBS = {ADDITION: "add", CHANGE: "change", DELETION: "delete"}


def _admin_action(sender, instance: LogEntry, created, raw=False, **kwargs):
    if raw or not created:
        return
    content_type = instance.content_type
    object_id = instance.object_id or ""
    if content_type is not None and content_type.natural_key() == (ApiToken._meta.app_label, ApiToken._meta.model_name):
        # A token's primary key is its digest: no secret, but long hex that reads like a key. Its
        # token.* entry beside this one names it by its first characters and its user.
        object_id = ""
    audit.record(
        f"admin.{ADMIN_VERBS.get(instance.action_flag, 'action')}",
        object_type=f"{content_type.app_label}.{content_type.model}" if content_type else "",
        object_id=object_id,
        object_repr=instance.object_repr,
        diff={"message": instance.get_change_message()},
        user=instance.user,
    )
