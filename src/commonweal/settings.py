"""Django settings for Commonweal, read from the environment.

Every setting an operator may need comes from an environment variable. The defaults are
safe for development on one machine (SQLite under ./var, the development mailbox);
``COMMONWEAL_ENV=production`` turns on the production hardening and refuses to start
without the secrets it needs.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent
# In a source checkout (src layout) the project root is two levels above the package.
PROJECT_DIR = PACKAGE_DIR.parent.parent


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = env(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from error


def env_list(name: str, default: list[str]) -> list[str]:
    value = env(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


COMMONWEAL_ENV = env("COMMONWEAL_ENV", "development")
if COMMONWEAL_ENV not in ("development", "test", "production"):
    raise ImproperlyConfigured("COMMONWEAL_ENV must be development, test or production")
PRODUCTION = COMMONWEAL_ENV == "production"

DATA_DIR = Path(env("COMMONWEAL_DATA_DIR", str(PROJECT_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _development_secret_key() -> str:
    # Outside production a random key is made once and kept under the data directory, so
    # sessions survive restarts and every worker process shares it; nothing is committed.
    key_file = DATA_DIR / "development-secret-key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = env("SECRET_KEY")
if SECRET_KEY is None:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when COMMONWEAL_ENV=production")
    SECRET_KEY = _development_secret_key()

DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when COMMONWEAL_ENV=production")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "commonweal.core.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "commonweal.core",
    "commonweal.accounts",
    "commonweal.catalogue",
    "commonweal.people",
    "commonweal.intake",
    "commonweal.cases",
    "commonweal.messaging",
    "commonweal.organisations",
    "commonweal.checks",
    "commonweal.workspace",
    "commonweal.api",
    "commonweal.webhooks",
    "commonweal.privacy",
    "commonweal.rights",
    "commonweal.rules",
    "commonweal.payments",
    "commonweal.personindex",
    "commonweal.portal",
]
# Demo, seed, benches and the development mailbox: never installed in production, so
# their commands, models and pages (commonweal/urls.py) exist only outside it.
DEVTOOLS = not PRODUCTION
if DEVTOOLS:
    INSTALLED_APPS.append("commonweal.devtools")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy header on every response (see CONTENT_SECURITY_POLICY).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A NUL or a lone surrogate in a query or form field: a clear 400, never a 500.
    "commonweal.core.middleware.UnreadableInputMiddleware",
    "commonweal.accounts.middleware.IdleTimeoutMiddleware",
    "commonweal.accounts.middleware.StaffSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "commonweal.urls"
WSGI_APPLICATION = "commonweal.wsgi.application"

TEMPLATES = [
    {
        # Citizen and staff pages: GOV.UK Frontend through its Jinja port.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "commonweal.core.jinja.environment",
            "autoescape": True,
            "context_processors": [
                "commonweal.core.context_processors.site",
                *(["commonweal.devtools.context_processors.dev_mailbox"] if DEVTOOLS else []),
            ],
        },
    },
    {
        # Django's admin keeps its own templates.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'commonweal.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the task worker write to the same file: WAL lets readers go on
    # while one writer works, IMMEDIATE transactions queue writers instead of failing.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "portal:sign-in"

# Argon2 for new and changed passwords; the others check older hashes, which are upgraded to
# Argon2 at the next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Language: English and Welsh. Accept-Language, then the language cookie, choose it.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("cy", "Cymraeg")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "commonweal_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# Uploaded evidence lives outside the web root and is only ever served through a view
# that checks who is asking.
MEDIA_ROOT = Path(env("COMMONWEAL_UPLOADS_DIR", str(DATA_DIR / "uploads")))
MEDIA_URL = None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("COMMONWEAL_STATIC_MANIFEST", COMMONWEAL_ENV != "test")
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_MAX_AGE = 3600
# Without collected static files (tests, development), serve them from the apps directly.
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = COMMONWEAL_ENV == "test" or DEBUG
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_HANDLERS = [
    "commonweal.intake.uploads.UploadSizeGuard",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500

SESSION_ENGINE = "django.contrib.sessions.backends.db"
# In production the session cookie carries the __Host- prefix: browsers then accept it only
# over HTTPS, for this exact host and path, so a sibling subdomain cannot plant or read it.
SESSION_COOKIE_NAME = "__Host-commonweal_session" if PRODUCTION else "commonweal_session"
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 60) * 60
# The age above is an idle time-out, not a fixed one: the session is saved (and its expiry
# slides) whenever it changes, and accounts' IdleTimeoutMiddleware changes it at least once a
# minute while someone is active, so it is not saved on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "commonweal.portal.views.errors.csrf_failure"
LANGUAGE_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Cookies, HSTS and the HTTPS redirect only in production: the demo serves plain HTTP on
# this machine. `commonweal check --deploy` is clean with these (a test runs it).
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = PRODUCTION
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # A load balancer's health check may come over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    # Turning these off is an operator's deliberate choice (a parent domain with other
    # sites not yet on HTTPS); the deployment check need not repeat it on every run.
    SILENCED_SYSTEM_CHECKS = [
        *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
        *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
    ]
    # Behind a proxy that ends TLS: it must set X-Forwarded-Proto and strip any the client
    # sent, or a client could claim HTTPS.
    if env_bool("SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def _origin(url: str | None) -> list[str]:
    if not url or "://" not in url:
        return []
    scheme, rest = url.split("://", 1)
    return [f"{scheme}://{rest.split('/', 1)[0]}"]


# Content Security Policy (django-csp): everything from our own origin, no inline script or
# style anywhere (GOV.UK's inline script is served as a file, see core/jinja.py), no
# plugins, no framing, forms post only to us. The organisation's logo may live elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, *_origin(env("COMMONWEAL_ORGANISATION_LOGO_URL"))],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        # Sign-in with an outside provider that starts from a form needs its origin here.
        "form-action": [SELF, *env_list("COMMONWEAL_CSP_FORM_ACTION", [])],
        "frame-ancestors": [NONE],
        "upgrade-insecure-requests": PRODUCTION,
        # Where browsers report refused content, if the operator collects reports.
        "report-uri": env("COMMONWEAL_CSP_REPORT_URI"),
    },
}

# Background work: Django's Tasks API with the database backend, so nothing else to run.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# Email: the development mailbox keeps messages in the database and shows them at
# /dev/mailbox/, so the demo works without a real mailbox (devtools: never in production).
DEV_MAILBOX = env_bool("COMMONWEAL_DEV_MAILBOX", DEVTOOLS)
if DEV_MAILBOX and not DEVTOOLS:
    raise ImproperlyConfigured("The development mailbox is not available in production")
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "commonweal.devtools.mailbox.DevMailboxBackend"
    if DEV_MAILBOX
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Commonweal <no-reply@commonweal.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks_db": {"level": env("LOG_LEVEL", "INFO")},
        # WeasyPrint narrates every step of every letter at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Where people reach this installation, for links in emails and letters.
COMMONWEAL_BASE_URL = env("COMMONWEAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# The organisation running this installation: name, logo and colour in the header.
COMMONWEAL_ORGANISATION_NAME = env("COMMONWEAL_ORGANISATION_NAME", "Demo Council")
COMMONWEAL_ORGANISATION_NAME_CY = env(
    "COMMONWEAL_ORGANISATION_NAME_CY",
    "Cyngor Demo" if env("COMMONWEAL_ORGANISATION_NAME") is None else COMMONWEAL_ORGANISATION_NAME,
)
COMMONWEAL_ORGANISATION_LOGO_URL = env("COMMONWEAL_ORGANISATION_LOGO_URL")
COMMONWEAL_BRAND_COLOUR = env("COMMONWEAL_BRAND_COLOUR", "#1d70b8")
COMMONWEAL_CONTACT_PHONE = env("COMMONWEAL_CONTACT_PHONE", "0300 123 4567")
COMMONWEAL_CONTACT_EMAIL = env("COMMONWEAL_CONTACT_EMAIL", "help@commonweal.localhost")

# UK bank holidays for working-day time limits: england-and-wales, scotland or
# northern-ireland.
# Messages: which provider serves each kind (see messaging/channels), how long a failing
# message is retried, how long a portal message may stay unread before the next channel.
COMMONWEAL_CHANNELS = {
    "portal": "portal",
    "email": env("COMMONWEAL_EMAIL_CHANNEL", "smtp"),
    "sms": env("COMMONWEAL_SMS_CHANNEL", "log"),
    "letter": env("COMMONWEAL_LETTER_CHANNEL", "print"),
    "phone": "task",
}
# A deployment's own providers: "name=package.module.Class,other=…" (see messaging/channels).
COMMONWEAL_CHANNEL_PROVIDERS = dict(
    item.split("=", 1) for item in env_list("COMMONWEAL_CHANNEL_PROVIDERS", []) if "=" in item
)
COMMONWEAL_MESSAGE_RETRY_HOURS = env_int("COMMONWEAL_MESSAGE_RETRY_HOURS", 24)
# Webhooks may go to internal addresses (this machine, private networks) only outside
# production, for trying them out.
COMMONWEAL_WEBHOOKS_ALLOW_PRIVATE = env_bool("COMMONWEAL_WEBHOOKS_ALLOW_PRIVATE", not PRODUCTION)
# Calls each API key may make per minute; more get 429 with Retry-After.
COMMONWEAL_API_RATE_PER_MINUTE = env_int("COMMONWEAL_API_RATE_PER_MINUTE", 600)
# At most this many messages of each kind per second per worker (a provider's own limit:
# GOV.UK Notify allows 3,000 a minute per key).
COMMONWEAL_CHANNEL_RATES = {
    "email": env_int("COMMONWEAL_EMAIL_PER_SECOND", 2000),
    "sms": env_int("COMMONWEAL_SMS_PER_SECOND", 50),
    "letter": env_int("COMMONWEAL_LETTERS_PER_SECOND", 50),
    "portal": 2000,
    "phone": 100,
}
COMMONWEAL_PORTAL_UNREAD_HOURS = env_int("COMMONWEAL_PORTAL_UNREAD_HOURS", 48)
# How long a person's data download (PDF) is kept for them to fetch before it is deleted.
COMMONWEAL_DATA_DOWNLOAD_HOURS = env_int("COMMONWEAL_DATA_DOWNLOAD_HOURS", 24)
# Templates must exist in Welsh as well as English before they are published.
COMMONWEAL_WELSH_REQUIRED = env_bool("COMMONWEAL_WELSH_REQUIRED", True)
COMMONWEAL_NOTIFY_API_KEY = env("COMMONWEAL_NOTIFY_API_KEY")
COMMONWEAL_NOTIFY_BASE_URL = env(
    "COMMONWEAL_NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk"
)
COMMONWEAL_NOTIFY_EMAIL_TEMPLATE_ID = env("COMMONWEAL_NOTIFY_EMAIL_TEMPLATE_ID")
COMMONWEAL_NOTIFY_SMS_TEMPLATE_ID = env("COMMONWEAL_NOTIFY_SMS_TEMPLATE_ID")
# The bearer token GOV.UK Notify sends with delivery receipts (set it in Notify's settings).
COMMONWEAL_NOTIFY_CALLBACK_TOKEN = env("COMMONWEAL_NOTIFY_CALLBACK_TOKEN")
# Machine translation of message templates (docs/messaging.md, "Languages"): the provider
# (empty: none), and LibreTranslate's address and API key.
COMMONWEAL_TRANSLATION_PROVIDER = env("COMMONWEAL_TRANSLATION_PROVIDER", "")
COMMONWEAL_LIBRETRANSLATE_URL = env("COMMONWEAL_LIBRETRANSLATE_URL", "")
COMMONWEAL_LIBRETRANSLATE_API_KEY = env("COMMONWEAL_LIBRETRANSLATE_API_KEY", "")
# The return address printed on letters, lines separated by commas.
COMMONWEAL_ORGANISATION_ADDRESS = env_list(
    "COMMONWEAL_ORGANISATION_ADDRESS",
    ["Council Offices", "Penallta Road", "Ystrad Mynach", "CF82 7PG"],
)

# Open cases due within this many working days are flagged "at risk" in the queues.
COMMONWEAL_AT_RISK_WORKING_DAYS = env_int("COMMONWEAL_AT_RISK_WORKING_DAYS", 3)
COMMONWEAL_BANK_HOLIDAY_REGION = env("COMMONWEAL_BANK_HOLIDAY_REGION", "england-and-wales")

# Sign-in codes and rate limits.
COMMONWEAL_SIGN_IN_CODE_MINUTES = 15
COMMONWEAL_SIGN_IN_CODES_PER_ADDRESS_PER_HOUR = env_int("SIGN_IN_CODES_PER_ADDRESS_PER_HOUR", 5)
COMMONWEAL_SIGN_IN_REQUESTS_PER_CLIENT_PER_HOUR = env_int(
    "SIGN_IN_REQUESTS_PER_CLIENT_PER_HOUR", 30
)
COMMONWEAL_SIGN_IN_ATTEMPTS_PER_CODE = 5
COMMONWEAL_CHECK_STATUS_ATTEMPTS_PER_CLIENT_PER_HOUR = env_int(
    "CHECK_STATUS_ATTEMPTS_PER_CLIENT_PER_HOUR", 10
)
# Guesses at one reference from one client, and from every client together (a signed-in
# owner of the application is never counted or refused).
COMMONWEAL_CHECK_STATUS_ATTEMPTS_PER_REFERENCE_PER_HOUR = 5
COMMONWEAL_CHECK_STATUS_ATTEMPTS_PER_REFERENCE_ALL_CLIENTS_PER_HOUR = env_int(
    "CHECK_STATUS_ATTEMPTS_PER_REFERENCE_ALL_CLIENTS_PER_HOUR", 50
)
# Lock-outs on the staff sign-in (password and one-time code), counted over the lock time:
# one account from one client gets SIGN_IN_FREE_FAILURES failures free, then must wait
# SIGN_IN_FIRST_DELAY_SECONDS (doubling with each failure) before each try, and is locked
# at that client at SIGN_IN_FAILURES_PER_ACCOUNT; one account from every client together is
# locked everywhere at SIGN_IN_FAILURES_PER_ACCOUNT_ALL_CLIENTS; one client trying any
# accounts (and provider sign-ins) is locked at SIGN_IN_FAILURES_PER_CLIENT. A lock lasts
# SIGN_IN_LOCK_MINUTES from the failure that reached it, or until an administrator unlocks.
COMMONWEAL_SIGN_IN_FREE_FAILURES = env_int("SIGN_IN_FREE_FAILURES", 3)
COMMONWEAL_SIGN_IN_FIRST_DELAY_SECONDS = env_int("SIGN_IN_FIRST_DELAY_SECONDS", 5)
COMMONWEAL_SIGN_IN_FAILURES_PER_ACCOUNT = env_int("SIGN_IN_FAILURES_PER_ACCOUNT", 8)
COMMONWEAL_SIGN_IN_FAILURES_PER_ACCOUNT_ALL_CLIENTS = env_int(
    "SIGN_IN_FAILURES_PER_ACCOUNT_ALL_CLIENTS", 50
)
COMMONWEAL_SIGN_IN_FAILURES_PER_CLIENT = env_int("SIGN_IN_FAILURES_PER_CLIENT", 20)
COMMONWEAL_SIGN_IN_LOCK_MINUTES = env_int("SIGN_IN_LOCK_MINUTES", 15)
# Idle time-outs: a staff session (signed in with a second factor) ends sooner.
COMMONWEAL_STAFF_IDLE_MINUTES = env_int("STAFF_IDLE_MINUTES", 30)
COMMONWEAL_CITIZEN_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 60)
# OpenID Connect providers (GOV.UK One Login, NHS login, an organisation's own), as JSON:
# see docs/sign-in.md. The client's private key (PEM) signs private_key_jwt assertions; its
# public half is served at /oidc/jwks.json for providers to register.
COMMONWEAL_OIDC_PROVIDERS = env("COMMONWEAL_OIDC_PROVIDERS", "[]")
COMMONWEAL_OIDC_CLIENT_KEY = env("COMMONWEAL_OIDC_CLIENT_KEY")
COMMONWEAL_OIDC_CLIENT_KEY_FILE = env("COMMONWEAL_OIDC_CLIENT_KEY_FILE")
# Client address for rate limits: REMOTE_ADDR unless trusted proxies set the header (for
# example HTTP_X_FORWARDED_FOR); the client is the entry the outermost of the
# COMMONWEAL_TRUSTED_PROXIES proxies added, counted from the right (docs/security.md).
COMMONWEAL_CLIENT_IP_HEADER = env("COMMONWEAL_CLIENT_IP_HEADER")
COMMONWEAL_TRUSTED_PROXIES = env_int("COMMONWEAL_TRUSTED_PROXIES", 1)
if COMMONWEAL_TRUSTED_PROXIES < 1:
    raise ImproperlyConfigured("COMMONWEAL_TRUSTED_PROXIES must be 1 or more")

# Address look-up by postcode: the provider, and for "local-file" the CSV it reads.
COMMONWEAL_ADDRESS_PROVIDER = env("COMMONWEAL_ADDRESS_PROVIDER", "local-file")
COMMONWEAL_ADDRESS_FILE = env(
    "COMMONWEAL_ADDRESS_FILE", str(PACKAGE_DIR / "core" / "data" / "demo-addresses.csv")
)

# Uploads: what a citizen may attach to an application.
COMMONWEAL_UPLOAD_MAX_BYTES = env_int("COMMONWEAL_UPLOAD_MAX_MB", 10) * 1024 * 1024
COMMONWEAL_DRAFT_RETENTION_DAYS = env_int("COMMONWEAL_DRAFT_RETENTION_DAYS", 28)
# Virus scanning of uploads and message attachments: ClamAV's daemon at a Unix socket path
# or host:port. When set, files wait in quarantine until clamd says they are clean; when
# not, they are stored and served as they are (see docs/security.md).
COMMONWEAL_CLAMD_SOCKET = env("COMMONWEAL_CLAMD_SOCKET", "")
COMMONWEAL_CLAMD_TIMEOUT = env_int("COMMONWEAL_CLAMD_TIMEOUT", 30)
COMMONWEAL_FILE_SCANNER = env("COMMONWEAL_FILE_SCANNER", "clamd" if COMMONWEAL_CLAMD_SOCKET else "")

# Payments: the daily file (format, where it is written, the cut-off time in local time
# after which the worker makes it on working days), the account it is paid from, and the
# keys that seal account numbers at rest (comma-separated Fernet keys, newest first).
COMMONWEAL_PAYMENTS_DIR = Path(env("COMMONWEAL_PAYMENTS_DIR", str(DATA_DIR / "payments")))
COMMONWEAL_PAYMENTS_FORMAT = env("COMMONWEAL_PAYMENTS_FORMAT", "bacs18")
COMMONWEAL_PAYMENTS_CUTOFF = env("COMMONWEAL_PAYMENTS_CUTOFF", "15:00")
COMMONWEAL_PAYMENTS_ORIGINATOR = {
    "sort_code": env("COMMONWEAL_PAYMENTS_SORT_CODE", "000000"),
    "account_number": env("COMMONWEAL_PAYMENTS_ACCOUNT_NUMBER", "00000000"),
    "account_name": env("COMMONWEAL_PAYMENTS_ACCOUNT_NAME", "COMMONWEAL DEMO"),
    "service_user_number": env("COMMONWEAL_PAYMENTS_SERVICE_USER_NUMBER", "999999"),
}
COMMONWEAL_PAYMENTS_KEYS = env_list("COMMONWEAL_PAYMENTS_KEYS", [])
# Automated checks (docs/checks.md): how long one check may run, the velocity limits, the
# Vocalink/Pay.UK modulus table, and the due-diligence registers (no key: no call).
COMMONWEAL_CHECK_TIMEOUT_SECONDS = env_int("COMMONWEAL_CHECK_TIMEOUT_SECONDS", 20)
COMMONWEAL_CHECK_CONTACT_LIMIT = env_int("COMMONWEAL_CHECK_CONTACT_LIMIT", 3)
COMMONWEAL_CHECK_CONTACT_WINDOW_HOURS = env_int("COMMONWEAL_CHECK_CONTACT_WINDOW_HOURS", 72)
COMMONWEAL_CHECK_ADDRESS_LIMIT = env_int("COMMONWEAL_CHECK_ADDRESS_LIMIT", 4)
COMMONWEAL_CHECK_ADDRESS_WINDOW_DAYS = env_int("COMMONWEAL_CHECK_ADDRESS_WINDOW_DAYS", 30)
COMMONWEAL_SORT_CODE_FILE = env("COMMONWEAL_SORT_CODE_FILE")
COMMONWEAL_SORT_CODE_SUBSTITUTIONS_FILE = env("COMMONWEAL_SORT_CODE_SUBSTITUTIONS_FILE")
COMMONWEAL_COMPANIES_HOUSE_API_KEY = env("COMMONWEAL_COMPANIES_HOUSE_API_KEY")
COMMONWEAL_COMPANIES_HOUSE_URL = env(
    "COMMONWEAL_COMPANIES_HOUSE_URL", "https://api.company-information.service.gov.uk"
)
COMMONWEAL_CHARITY_COMMISSION_API_KEY = env("COMMONWEAL_CHARITY_COMMISSION_API_KEY")
COMMONWEAL_CHARITY_COMMISSION_URL = env(
    "COMMONWEAL_CHARITY_COMMISSION_URL", "https://api.charitycommission.gov.uk/register/api"
)

# The worker writes a heartbeat this often; /healthz calls it stale after three misses.
COMMONWEAL_WORKER_HEARTBEAT_SECONDS = 10

# Only for `commonweal bench`: exposes the bare insert endpoint used as the floor.
COMMONWEAL_BENCH_ENDPOINTS = env_bool("COMMONWEAL_BENCH_ENDPOINTS", False)
