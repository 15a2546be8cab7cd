"""The `commonweal` console command: Django's management commands under one name.

commonweal demo                  set up and serve the demo
commonweal services import FILE  add a service definition
commonweal bench intake          measure submissions per second
commonweal migrate, createsuperuser, ...  (any Django command)
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonweal.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["commonweal", *sys.argv[1:]])


if __name__ == "__main__":
    main()
