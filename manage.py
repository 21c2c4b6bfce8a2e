#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from dotenv import load_dotenv

    # .env (written by `make run`) fills gaps; real environment variables win.
    load_dotenv(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".env"))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
