from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from journeys.models import ApiToken


class Command(BaseCommand):
    help = (
        "Make an API token for a user and print it (shown only this once) as the last line. "
        "The token acts with the user's role; only its digest is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--expires-in-days", type=int, default=None, help="Retire the token after this many days (default: never)."
        )

    def handle(self, *args, username, expires_in_days, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not user.is_active:
            raise CommandError(f"{username!r} is not active; a token of theirs would be refused.")
        if expires_in_days is not None and expires_in_days < 1:
            raise CommandError("--expires-in-days must be at least 1.")
        expiry = timedelta(days=expires_in_days) if expires_in_days else None
        _, key = ApiToken.objects.create(user=user, expiry=expiry)
        lasts = f"until {expires_in_days} days from now" if expiry else "until it is deleted"
        self.stderr.write(f"API token for {username!r}, valid {lasts}. Store it now; it is not shown again.")
        self.stdout.write(key)
