"""One settings module, driven by environment variables.

Local defaults (SQLite, media on disk, email to the console) need no AWS account. DEBUG is
on only when asked for (`DEBUG=true`, which `make run` sets); without it a missing SECRET_KEY
or ALLOWED_HOSTS stops start-up with a clear error instead of guessing, wherever the server
runs: a development key must never sign links for a server started some other way.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from blog.ssm import export_ssm_parameters

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
# In AWS the secret key and the database URL (with its password) come from SSM when the
# function starts; locally SSM_PREFIX is unset and nothing is fetched.
SSM_PREFIX = env.str("SSM_PREFIX", default="")
export_ssm_parameters(SSM_PREFIX)
# Local state (SQLite, media, outbox) lives here; git ignores it.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
ON_LAMBDA = bool(env.str("AWS_LAMBDA_FUNCTION_NAME", default=""))

DEBUG = env.bool("DEBUG", default=False)


def _required(name, dev_default):
    """A value production must set; a local default only while DEBUG is on."""
    value = env(name, default=None)
    if value:
        return value
    if DEBUG:
        return dev_default
    raise ImproperlyConfigured(
        f"{name} is not set. With DEBUG off the site refuses to start without it: "
        f"set the {name} environment variable, or DEBUG=true for local development "
        f"(`make run` does) (see README, 'Settings')."
    )


SECRET_KEY = _required("SECRET_KEY", "django-insecure-local-development-only")
# The origin answers only CloudFront (blog/origin.py): on Lambda every HTTP request must carry
# the secret CloudFront adds (SSM `origin-verify`; `origin-verify-previous` during a
# rotation). Locally there is no CDN and the lock is off; ORIGIN_LOCK=false turns it off on a
# stage with no CloudFront in front.
ORIGIN_LOCK = env.bool("ORIGIN_LOCK", default=ON_LAMBDA)
ORIGIN_VERIFY = [
    v for v in (env.str("ORIGIN_VERIFY", default=""), env.str("ORIGIN_VERIFY_PREVIOUS", default="")) if v
]
if ORIGIN_LOCK and not ORIGIN_VERIFY:
    raise ImproperlyConfigured(
        "ORIGIN_VERIFY is not set. On Lambda the site answers only CloudFront: put the secret "
        "CloudFront sends in SSM as <SSM_PREFIX>origin-verify, or set ORIGIN_LOCK=false where no "
        "CloudFront is in front (see README, 'The origin answers only CloudFront')."
    )
ALLOWED_HOSTS = [h for h in _required("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
# The public address readers use (CloudFront's domain in AWS): canonical links, feeds,
# sitemap and emails are built from it, never from the Host header API Gateway sees.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Behind CloudFront the Host is API Gateway's, so Zappa would put its stage (`/prod`) in front
# of every link; readers' URLs have none. Set to "" in AWS (zappa_settings.json does).
# Read as is: django-environ turns an empty value into "unset", and "" is the value needed.
FORCE_SCRIPT_NAME = os.environ.get("FORCE_SCRIPT_NAME")
SITE_NAME = env.str("SITE_NAME", default="Field Notes")
SITE_DESCRIPTION = env.str(
    "SITE_DESCRIPTION", default="Photographs and notes from the road, one post at a time."
)

INSTALLED_APPS = [
    # First: its `runserver` (with the local schedules) extends staticfiles'.
    "dispatch.apps.DispatchConfig",
    # Django's admin, whose site takes pages no model backs (common.admin_pages).
    "common.admin_pages.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "blog.apps.BlogConfig",
    "welcome.apps.WelcomeConfig",
    # New posts by email: above blog and welcome, which never import it.
    "newsletter.apps.NewsletterConfig",
    # Failed admin logins, counted per account and client address in the database.
    "axes",
]

MIDDLEWARE = [
    # Outermost: its line has the status the reader gets and the time every layer took.
    "blog.requestlog.RequestLogMiddleware",
    # Every 4xx/5xx under /api/ in the API's JSON error shape, whichever layer made it.
    "blog.apierrors.ApiErrorsMiddleware",
    # Before anything that could answer: a request that skipped CloudFront gets 403.
    "blog.origin.OriginLockMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # A content security policy on every page, however it is served (CloudFront adds its own
    # only where the origin sent none).
    "csp.middleware.CSPMiddleware",
    # A query string Django refuses to parse is a 400 here, before any view (or, under DEBUG,
    # the debug page, which parses it again and fails) touches it.
    "blog.middleware.QueryStringGuardMiddleware",
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
    # Last, as django-axes asks: turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
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

# An empty DATABASE_URL means "not set", as it does for every other variable here. In AWS the
# database stack's instance is named by DATABASE_HOST/PORT/NAME/USER (its outputs) and the
# password is an IAM token signed at each connection (common/rds_iam); a DATABASE_URL (the SSM
# parameter database-url of a stage that brings its own database) wins over them.
DATABASE_URL = env.str("DATABASE_URL", default="")
DATABASE_HOST = env.str("DATABASE_HOST", default="")
if DATABASE_HOST and not DATABASE_URL:
    DATABASES = {
        "default": {
            "ENGINE": "common.rds_iam",
            "HOST": DATABASE_HOST,
            "PORT": env.int("DATABASE_PORT", default=5432),
            "NAME": env.str("DATABASE_NAME", default="blog"),
            "USER": env.str("DATABASE_USER", default="blog_app"),
            # The server refuses anything but TLS too (the stack's rds.force_ssl). verify-full
            # with DATABASE_SSLROOTCERT (AWS's RDS CA bundle) also checks whom it talks to.
            "OPTIONS": {
                "sslmode": env.str("DATABASE_SSLMODE", default="require"),
                **(
                    {"sslrootcert": env.str("DATABASE_SSLROOTCERT")}
                    if env.str("DATABASE_SSLROOTCERT", default="")
                    else {}
                ),
                "connect_timeout": 10,
            },
        }
    }
else:
    DATABASES = {"default": environ.Env.db_url_config(DATABASE_URL or f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
# Lambda reuses a warm container for many requests: keep its connection, but check it first.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Two editors saving at once: a deferred transaction that reads, then writes, cannot wait
    # for the other writer (SQLite answers "database is locked" at once). IMMEDIATE takes the
    # write lock at BEGIN, where the busy timeout lets it wait its turn; WAL lets pages be read
    # while someone writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env.int("SQLITE_TIMEOUT", default=20),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        **DATABASES["default"].get("OPTIONS", {}),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out login is refused before the password is hashed (~1 s of CPU).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

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
# Django's two finders, answering 404 rather than 500 for a path outside the static folders.
STATICFILES_FINDERS = ["blog.staticfinders.FileSystemFinder", "blog.staticfinders.AppDirectoriesFinder"]
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = VAR_DIR / "media"

MEDIA_BUCKET = env.str("MEDIA_BUCKET", default="")
STATIC_BUCKET = env.str("STATIC_BUCKET", default="")
# Where uploads land: the S3 trigger is filtered to this prefix, renditions live elsewhere.
UPLOAD_PREFIX = "uploads/"
# A photo still pending this long with no manifest is rendered by the minute schedule itself
# (its event lost, or its rendering killed), then after twice as long each time, this many
# times at most before it is marked failed.
PHOTO_REDRIVE_MINUTES = env.int("PHOTO_REDRIVE_MINUTES", default=5)
PHOTO_REDRIVE_ATTEMPTS = env.int("PHOTO_REDRIVE_ATTEMPTS", default=5)
# Photos go from the browser straight to storage (blog/uploads.py) with a grant for one key:
# the largest file it takes, how long it is valid, and how old an upload no photo uses must
# be before the schedule deletes it.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=50 * 2**20)
UPLOAD_GRANT_SECONDS = env.int("UPLOAD_GRANT_SECONDS", default=600)
ORPHAN_UPLOAD_HOURS = env.int("ORPHAN_UPLOAD_HOURS", default=24)

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
# How pages readers see are purged from the CDN when they change (blog/purge.py): None picks
# CloudFront's backend when a distribution is named above, and none otherwise; or name a
# backend class and its options, e.g. {"BACKEND": "blog.purge.NoPurge"}.
PURGE = None

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Field Notes <hello@example.com>")

# Caching for CloudFront: browsers keep a page a minute, the CDN longer, and may serve a
# stale copy while it refetches in the background.
CACHE_MAX_AGE = env.int("CACHE_MAX_AGE", default=60)
CACHE_S_MAXAGE = env.int("CACHE_S_MAXAGE", default=600)
CACHE_STALE_WHILE_REVALIDATE = env.int("CACHE_STALE_WHILE_REVALIDATE", default=86400)

# In memory, per process (per Lambda container): the subscribe rate limits (welcome.ratelimit).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
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

# Where the browser may load from: this site, plus the media and static hosts when they are
# others (CloudFront's own domain beside a custom one). The same policy as infra/edge.yaml's
# default: no inline script anywhere (the admin has none); inline styles for the admin.
_ASSET_HOSTS = [
    f"https://{host}"
    for host in (env.str("MEDIA_DOMAIN", default=""), env.str("STATIC_DOMAIN", default=""))
    if host
]
# The admin's photo form posts the file from the browser straight to the media bucket's
# regional address (blog/uploads.py): the one other host a script here may send to.
_UPLOAD_HOSTS = (
    [
        f"https://{MEDIA_BUCKET}.s3.{env.str('AWS_REGION', default='') or env.str('AWS_DEFAULT_REGION', default='us-east-1')}.amazonaws.com"
    ]
    if MEDIA_BUCKET
    else []
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", *_ASSET_HOSTS],
        "style-src": ["'self'", "'unsafe-inline'", *_ASSET_HOSTS],
        "img-src": ["'self'", "data:", *_ASSET_HOSTS],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        # Only where there is another host: default-src 'self' says the rest.
        **({"connect-src": ["'self'", *_UPLOAD_HOSTS]} if _UPLOAD_HOSTS else {}),
    }
}

# Admin logins (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one account from one
# client address, that pair is refused for AXES_COOLOFF_TIME, before any password is checked.
# The count lives in the database, so every Lambda container sees the same one. Keyed on the
# pair, so nobody can lock an editor out from elsewhere; the WAF's rate rule on POST
# /admin/login/ (infra/waf.yaml) bounds what one address can try across accounts.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The lockout ends a fixed time after the failure that caused it, so the time the page names
# holds even if the editor tries again meanwhile.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
# The client address is REMOTE_ADDR, which the deployment sets from what CloudFront saw; a
# header the client writes (X-Forwarded-For) is never read here.
AXES_CLIENT_IP_CALLABLE = "blog.logins.client_address"
AXES_LOCKOUT_CALLABLE = "blog.logins.lockout_response"
# No row per successful login kept for ever (nothing would prune it); failures are kept until
# their cool-off passes.
AXES_DISABLE_ACCESS_LOG = True
# Log lines name only what the lockout is keyed on (account, address); no start-up banner.
AXES_VERBOSE = False

# Log lines never carry a subscriber's address or a confirm/unsubscribe token, Django's own
# lines included (`Bad Request: /confirm/<token>/`, the dev server's request lines): every
# handler passes records through the redaction filter.
_REDACTED = {"filters": ["redact"]}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "common.redact.RedactFilter"}},
    "formatters": {
        "server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", **_REDACTED},
        "server": {"class": "logging.StreamHandler", "formatter": "server", **_REDACTED},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django adds its own console handler while DEBUG is on: do not print twice.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # runserver's request lines: replaces Django's own handler, which has no filter.
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
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
# The SNS topic SES publishes bounces and complaints to (the data stack's
# SesNotificationsTopicArn output). Notifications from any other topic are logged and ignored;
# while it is unset every notification fails, to be replayed once it is set (README, "Security").
SES_NOTIFICATIONS_TOPIC_ARN = env.str("SES_NOTIFICATIONS_TOPIC_ARN", default="")

# --- newsletter ---
# New posts by email (newsletter/). With NEWSLETTER_QUEUE_URL set the fan-out goes through that
# SQS queue, consumed by the edge stack's event source mapping; without it (the embedded
# defaults) through a SQLite file in VAR_DIR that the app delivers itself. The same for the
# claims: a DynamoDB table, or a SQLite file. Both read at call time.
NEWSLETTER_QUEUE_URL = env.str("NEWSLETTER_QUEUE_URL", default="")
NEWSLETTER_CLAIMS_TABLE = env.str("NEWSLETTER_CLAIMS_TABLE", default="")
# Empty: the welcome's sender (WELCOME_FROM_EMAIL), read when the email is made.
NEWSLETTER_FROM_EMAIL = env.str("NEWSLETTER_FROM_EMAIL", default="")
# Emails a second for the whole function: SES's account limit (14 in a new production
# account), less room for welcomes. Each of the NEWSLETTER_CONCURRENCY containers the event
# source mapping allows (its MaximumConcurrency) sends at its share of it.
NEWSLETTER_SEND_RATE = env.float("NEWSLETTER_SEND_RATE", default=12.0)
NEWSLETTER_CONCURRENCY = env.int("NEWSLETTER_CONCURRENCY", default=2)
# The queue's redrive maxReceiveCount (infra/data.yaml): the last receive of a failing
# message counts it failed, and the queue then moves it to the failed-records queue.
NEWSLETTER_MAX_RECEIVES = env.int("NEWSLETTER_MAX_RECEIVES", default=5)
# Subscribers read per page of the fan-out (one queue message each page).
NEWSLETTER_PAGE_SIZE = env.int("NEWSLETTER_PAGE_SIZE", default=1000)
# A claim on a send or a page older than this belongs to an attempt that died (an invocation
# lasts 60 s at most): retake it. Shorter than the queue's visibility timeout (360 s).
NEWSLETTER_CLAIM_SECONDS = env.int("NEWSLETTER_CLAIM_SECONDS", default=120)
