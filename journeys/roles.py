"""The three roles, kept as Django auth groups (created by migration 0002)."""

MARKETERS = "Marketers"
REVIEWERS = "Reviewers"
ADMINS = "Admins"
ROLES = (MARKETERS, REVIEWERS, ADMINS)


def user_roles(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return set(ROLES)
    return set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))


def can_edit_journeys(user) -> bool:
    return bool(user_roles(user) & {MARKETERS, ADMINS})


def can_read_journeys(user) -> bool:
    return bool(user_roles(user))


def can_declare_winners(user) -> bool:
    return bool(user_roles(user) & {REVIEWERS, ADMINS})


def can_handle_privacy_requests(user) -> bool:
    # Exports hold everything about a person, and deletions cannot be undone: Admins only.
    return ADMINS in user_roles(user)
