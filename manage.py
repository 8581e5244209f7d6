#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cjo_site.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    # Settings are read from environment variables and name the one they cannot use. Django
    # would show that message at the bottom of a traceback; an operator needs only the message.
    try:
        settings.INSTALLED_APPS  # noqa: B018 (reading one setting loads them all)
    except ImproperlyConfigured as error:
        message = " ".join(str(error).split())
        sys.exit(f"manage.py: {message}. Settings come from environment variables: see docs/operations.md.")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
