"""Settings for the test suite: the app's own settings with test defaults.

SQLite by default; set DATABASE_URL (as CI does) to run on PostgreSQL.
"""

import os
import tempfile

os.environ.setdefault("COMMONWEAL_ENV", "test")
os.environ.setdefault("COMMONWEAL_DATA_DIR", tempfile.mkdtemp(prefix="commonweal-test-"))

from commonweal.settings import *  # noqa: F403

# Tests do not need slow password hashing.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
