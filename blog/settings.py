"""One settings module, driven by environment variables.

Local defaults (DEBUG on, SQLite, media on disk, email to the console) need no AWS account.
On Lambda (AWS_LAMBDA_FUNCTION_NAME is set) DEBUG defaults to off, and with DEBUG off a
missing SECRET_KEY or ALLOWED_HOSTS stops start-up with a clear error instead of guessing.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from blog.secrets import export_ssm_parameters

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
# In AWS the secret key and the database URL (with its password) come from SSM when the
# function starts; locally SSM_PREFIX is unset and nothing is fetched.
export_ssm_parameters(env.str("SSM_PREFIX", default=""))
# Local state (SQLite, media, outbox) lives here; git ignores it.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
ON_LAMBDA = bool(env.str("AWS_LAMBDA_FUNCTION_NAME", default=""))

DEBUG = env.bool("DEBUG", default=not ON_LAMBDA)


def _required(name, dev_default):
    """A value production must set; a local default only while DEBUG is on."""
    value = env(name, default=None)
    if value:
        return value
    if DEBUG:
        return dev_default
    raise ImproperlyConfigured(
        f"{name} is not set. With DEBUG off the site refuses to start without it: "
        f"set the {name} environment variable (see README, 'Settings')."
    )


SECRET_KEY = _required("SECRET_KEY", "django-insecure-local-development-only")
ALLOWED_HOSTS = [h for h in _required("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
# The public address readers use (CloudFront's domain in AWS): canonical links, feeds,
# sitemap and emails are built from it, never from the Host header API Gateway sees.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Behind CloudFront the Host is API Gateway's, so Zappa would put its stage (`/prod`) in front
# of every link; readers' URLs have none. Set to "" in AWS (zappa_settings.json does).
FORCE_SCRIPT_NAME = env.str("FORCE_SCRIPT_NAME", default=None)
SITE_NAME = env.str("SITE_NAME", default="Field Notes")
SITE_DESCRIPTION = env.str(
    "SITE_DESCRIPTION", default="Photographs and notes from the road, one post at a time."
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "blog.apps.BlogConfig",
    "welcome.apps.WelcomeConfig",
]

MIDDLEWARE = [
    # Outermost: its line has the status the reader gets and the time every layer took.
    "blog.requestlog.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # ConditionalGet sits outside CacheHeaders so a 304 carries the Cache-Control we set.
    "django.middleware.http.ConditionalGetMiddleware",
    # CacheHeaders sits outside Session so it sees any cookie or Vary the inner layers add.
    "blog.middleware.CacheHeadersMiddleware",
    "blog.middleware.ApiCorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "blog.urls"
WSGI_APPLICATION = "blog.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                # auth is lazy: public templates never touch `user`, so the session is
                # never read and no `Vary: Cookie` is added to public pages.
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "blog.context_processors.site",
            ],
        },
    },
]

# An empty DATABASE_URL means "not set", as it does for every other variable here.
DATABASE_URL = env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": environ.Env.db_url_config(DATABASE_URL)}
# Lambda reuses a warm container for many requests: keep its connection, but check it first.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
# The site's own zone (an IANA name): editors schedule in it and the admin shows times in it.
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
# Date and time formats with the zone and without microseconds (blog/formats/).
FORMAT_MODULE_PATH = ["blog.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = env.str("STATIC_URL", default="/static/")
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = VAR_DIR / "media"

MEDIA_BUCKET = env.str("MEDIA_BUCKET", default="")
STATIC_BUCKET = env.str("STATIC_BUCKET", default="")
# Where uploads land: the S3 trigger is filtered to this prefix, renditions live elsewhere.
UPLOAD_PREFIX = "uploads/"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if MEDIA_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_BUCKET,
            "file_overwrite": False,
            "querystring_auth": False,
            "custom_domain": env.str("MEDIA_DOMAIN", default="") or None,
        },
    }
if STATIC_BUCKET:
    STORAGES["staticfiles"] = {
        "BACKEND": "storages.backends.s3.S3ManifestStaticStorage",
        "OPTIONS": {
            "bucket_name": STATIC_BUCKET,
            # CloudFront serves /static/* from the static bucket with the same keys.
            "location": "static",
            "querystring_auth": False,
            "custom_domain": env.str("STATIC_DOMAIN", default="") or None,
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }

# CloudFront: the distribution to invalidate when posts go live or change (unset locally).
CLOUDFRONT_DISTRIBUTION_ID = env.str("CLOUDFRONT_DISTRIBUTION_ID", default="")

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Field Notes <hello@example.com>")

# Caching for CloudFront: browsers keep a page a minute, the CDN longer, and may serve a
# stale copy while it refetches in the background.
CACHE_MAX_AGE = env.int("CACHE_MAX_AGE", default=60)
CACHE_S_MAXAGE = env.int("CACHE_S_MAXAGE", default=600)
CACHE_STALE_WHILE_REVALIDATE = env.int("CACHE_STALE_WHILE_REVALIDATE", default=86400)

# Rendered public pages at the origin (blog/pagecache.py), keyed on the content version, so a
# warm container answers a repeated page with one small query. Per process: on Lambda, per
# container. Entries need no expiry to be right; the timeout only bounds what a write that
# skipped the version bump could leave behind. Off while DEBUG is on.
PAGE_CACHE_ENABLED = env.bool("PAGE_CACHE_ENABLED", default=True)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        # Its own LOCATION: LocMemCache aliases with the same one share their entries.
        "LOCATION": "pages",
        "TIMEOUT": env.int("PAGE_CACHE_TIMEOUT", default=600),
        "OPTIONS": {"MAX_ENTRIES": env.int("PAGE_CACHE_MAX_ENTRIES", default=500)},
    },
}

POSTS_PER_PAGE = 20
API_PAGE_SIZE = 20

# Security: everything `check --deploy` asks for, on by default once DEBUG is off.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
# The admin is reached through CloudFront, whose origin is the public site's.
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django adds its own console handler while DEBUG is on: do not print twice.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}

# --- welcome ---
# Subscribers and the welcome email. With SUBSCRIBERS_TABLE set, subscribers live in that
# DynamoDB table and the welcome goes out through SES; without it (the embedded defaults) they
# live in a SQLite file in VAR_DIR that survives a restart, the app delivers the table's
# stream events itself (dispatch.local), and the welcome goes through EMAIL_BACKEND (the
# console) with a copy as an .eml file in WELCOME_OUTBOX_DIR.
SUBSCRIBERS_TABLE = env.str("SUBSCRIBERS_TABLE", default="")
if SUBSCRIBERS_TABLE:
    SUBSCRIBER_STORE = {
        "BACKEND": "welcome.dynamodb_store.DynamoDBSubscriberStore",
        "OPTIONS": {"table_name": SUBSCRIBERS_TABLE},
    }
else:
    SUBSCRIBER_STORE = {
        "BACKEND": "welcome.local_store.LocalSubscriberStore",
        "OPTIONS": {"path": str(VAR_DIR / "subscribers.sqlite3")},
    }
WELCOME_SENDER = env.str(
    "WELCOME_SENDER",
    default="welcome.sender.SesSender" if SUBSCRIBERS_TABLE else "welcome.sender.LocalMailSender",
)
WELCOME_FROM_EMAIL = env.str("WELCOME_FROM_EMAIL", default=DEFAULT_FROM_EMAIL)
# Lambda's file system is read-only outside /tmp: no outbox there unless asked for.
WELCOME_OUTBOX_DIR = env.str("WELCOME_OUTBOX_DIR", default="" if ON_LAMBDA else str(VAR_DIR / "outbox"))
# How long a confirm link works, and so how long a never-confirmed entry lives (its TTL).
WELCOME_CONFIRM_DAYS = env.int("WELCOME_CONFIRM_DAYS", default=7)
# A claim on sending a welcome older than this belongs to an attempt that died: retake it.
WELCOME_CLAIM_SECONDS = env.int("WELCOME_CLAIM_SECONDS", default=120)
# Subscribe POSTs (form and API) per client address per window; 0 turns the app's limit off.
# Per process (the default cache is in memory): the WAF rule (infra/waf.yaml) is the real one.
SUBSCRIBE_RATE_LIMIT = env.int("SUBSCRIBE_RATE_LIMIT", default=5)
SUBSCRIBE_RATE_WINDOW = env.int("SUBSCRIBE_RATE_WINDOW", default=60)
# The failed-records queue (name or URL) that `manage.py replay_failed` reads by default.
FAILED_RECORDS_QUEUE = env.str("FAILED_RECORDS_QUEUE", default="")
SES_REGION = env.str("SES_REGION", default="")  # empty: the function's own region
SES_CONFIGURATION_SET = env.str("SES_CONFIGURATION_SET", default="")
