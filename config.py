"""Settings from the environment, with development, test and production defaults."""

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


def database_url(url: str) -> str:
    """Normalise a database URL to SQLAlchemy's form, PostgreSQL through psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


DEV_SECRET_KEY = "dev-only-not-secret"


class Config:
    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = database_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'rm_companion.db'}")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = 10_000

    BANK_TIMEZONE = os.environ.get("BANK_TIMEZONE", "Asia/Shanghai")
    CURRENCY = os.environ.get("CURRENCY", "CNY")
    DEFAULT_LOCALE = os.environ.get("DEFAULT_LOCALE", "zh-CN")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True

    # JSON bodies are small; anything bigger is refused with 413 before it is parsed.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 1024 * 1024))

    # Sessions (backend/auth/sessions.py): a record per signed-in device. The idle timeout
    # outlasts a day offline and a weekend; the cookie lives as long as the session may.
    SESSION_IDLE_HOURS = float(os.environ.get("SESSION_IDLE_HOURS", 72))
    SESSION_LIFETIME_DAYS = float(os.environ.get("SESSION_LIFETIME_DAYS", 7))
    PERMANENT_SESSION_LIFETIME = timedelta(days=SESSION_LIFETIME_DAYS)
    # The cookie is set at sign-in and expires with the session's lifetime: not signed and
    # sent again on every answer (the server's record, not the cookie, says when it ends)
    SESSION_REFRESH_EACH_REQUEST = False
    # The device cookie that lets a browser which signed in before skip others' throttling
    DEVICE_COOKIE_NAME = "rm_device"
    DEVICE_COOKIE_DAYS = 365

    # Proxies in front of the app whose X-Forwarded-For / -Proto are trusted (werkzeug's
    # ProxyFix); 0 when clients connect directly. Rate limits key on the address it yields.
    TRUSTED_PROXY_HOPS = int(os.environ.get("TRUSTED_PROXY_HOPS", 0))

    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Per username and address: a branch's RMs behind one NAT address each have their own.
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    # Per address, whatever the names: bounds one machine trying many usernames.
    LOGIN_ADDRESS_RATE_LIMIT = os.environ.get("LOGIN_ADDRESS_RATE_LIMIT", "300 per minute")
    # Per signed-in user: a device replays its outbox in batches, never this often.
    SYNC_RATE_LIMIT = os.environ.get("SYNC_RATE_LIMIT", "60 per minute")
    # Failed sign-ins (backend/auth/logins.py): free failures per username from unknown
    # devices within the window, then a delay doubling from LOGIN_DELAY_SECONDS.
    LOGIN_FREE_FAILURES = int(os.environ.get("LOGIN_FREE_FAILURES", 5))
    LOGIN_FAILURE_WINDOW_MINUTES = int(os.environ.get("LOGIN_FAILURE_WINDOW_MINUTES", 15))
    LOGIN_DELAY_SECONDS = int(os.environ.get("LOGIN_DELAY_SECONDS", 30))
    HSTS_SECONDS = 0  # Strict-Transport-Security only where the app is served over HTTPS

    API_TITLE = "RM Companion API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"

    # Cost of one contact by channel, in the bank's currency: feeds cost to serve.
    CONTACT_COST = {"visit": 300.0, "call": 30.0, "video": 60.0, "message": 5.0, "email": 2.0}
    # What a product the customer wants is worth to them, in the bank's currency: offers
    # weigh it beside the bank's expected value (docs/offers.md; chosen by bench_models).
    OFFER_CUSTOMER_GAIN = float(os.environ.get("OFFER_CUSTOMER_GAIN", 1500))

    PWA_DIST = os.environ.get("PWA_DIST", str(BASE_DIR / "pwa" / "dist"))
    COMPRESS_MIMETYPES = ["text/html", "text/css", "text/javascript", "application/javascript",
                          "application/json", "application/manifest+json", "image/svg+xml",
                          "text/csv"]
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_ALGORITHM_STREAMING = ["br", "gzip"]  # files are streamed; gzip is off by default
    COMPRESS_STREAMING_ENDPOINT_CONDITIONAL = ["web.app_shell"]

    DEMO_TRUTH_PATH = os.environ.get("DEMO_TRUTH_PATH", str(INSTANCE_DIR / "demo_truth.csv"))

    # Messages to customers (survey links): console logs them, file appends JSON lines,
    # smtp sends e-mail. See docs/surveys.md.
    MESSAGE_ADAPTER = os.environ.get("MESSAGE_ADAPTER", "console")
    MESSAGE_OUTBOX_FILE = os.environ.get("MESSAGE_OUTBOX_FILE", str(INSTANCE_DIR / "outbox.jsonl"))
    SMTP_HOST = os.environ.get("SMTP_HOST", "localhost")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", 587))
    SMTP_USER = os.environ.get("SMTP_USER")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD")
    SMTP_FROM = os.environ.get("SMTP_FROM", "no-reply@bank.example")
    SMTP_STARTTLS = os.environ.get("SMTP_STARTTLS", "1").lower() not in ("0", "false", "no")

    # Post-contact satisfaction surveys: who is asked, how often, and where the link points.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://localhost:5000").rstrip("/")
    BANK_NAME = os.environ.get("BANK_NAME", "示例银行")
    BANK_NAME_EN = os.environ.get("BANK_NAME_EN", "Example Bank")
    SURVEY_SAMPLE_RATE = float(os.environ.get("SURVEY_SAMPLE_RATE", 0.2))
    SURVEY_MIN_DAYS = int(os.environ.get("SURVEY_MIN_DAYS", 90))
    SURVEY_TTL_DAYS = int(os.environ.get("SURVEY_TTL_DAYS", 14))

    # Scheduler (docs/deploy.md): the nightly pipeline's time of day in BANK_TIMEZONE, how late
    # a missed run may still start (before the 08:00 briefings), and whether the app hosts it.
    NIGHTLY_PIPELINE_AT = os.environ.get("NIGHTLY_PIPELINE_AT", "01:30")
    SCHEDULER_MISFIRE_GRACE_SECONDS = int(os.environ.get("SCHEDULER_MISFIRE_GRACE_SECONDS",
                                                         6 * 3600))
    SCHEDULER_IN_PROCESS = False

    # Key moments and the planner (docs/calendar.md): thresholds the detectors apply.
    ACTIVATION_MIN_TRANSACTIONS = 5  # own transactions in the first 30-90 days, or follow up
    RENEWAL_WINDOWS_DAYS = (60, 30, 7)  # renewal moment opens at 60 days, severity up at 30, 7
    LAPSED_DAYS = 365
    # A lapsed customer is re-contacted every N days, by package tier.
    LAPSED_RECONTACT_DAYS = {"basic": 180, "intermediate": 120, "advanced": 90}
    RETENTION_SCORE = 0.5  # attrition probability that raises a retention moment
    RETENTION_JUMP = 0.2  # ... or its rise within a month
    RETENTION_BALANCE_DROP = 0.3  # ... or deposits down this share over 60 days
    PLAN_DAYS = 14  # working days planned ahead
    PLAN_MIN_OFFER_VALUE = 500.0  # offers worth a contact of their own

    # Reports (docs/reports.md): days after its due date a key moment may be handled and
    # still count within its SLA (a renewal must be handled by the due date itself), and
    # how far back a missed plan entry still counts as overdue on the team dashboard.
    MOMENT_SLA_DAYS = {"renewal": 0, "retention": 2, "activation": 3, "dormancy": 5,
                       "default": 2}
    OVERDUE_LOOKBACK_DAYS = 30

    # Price guidance (backend/products/pricing.py): yearly rates, and the RM's discretion
    PRICING_FUNDING_COST_RATE = 0.022
    PRICING_LGD = 0.45  # loss given default of unsecured SME credit
    PRICING_DEFAULT_PD = 0.05  # conservative when a customer has no repayment score
    PRICING_OPERATING_COST_RATE = 0.006
    DISCRETION_BP = {1: 10, 2: 15, 3: 25, 4: 35, 5: 50}  # +/- basis points by RM grade
    DISCRETION_FEE_SHARE = {1: 0.05, 2: 0.1, 3: 0.15, 4: 0.2, 5: 0.25}
    QUOTE_VALID_DAYS = 14

    # Web Push (docs/push.md). Keys come from the environment, else from VAPID_FILE.
    VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY")
    VAPID_PUBLIC_KEY = os.environ.get("VAPID_PUBLIC_KEY")
    VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", "mailto:it-ops@bank.example")
    VAPID_FILE = os.environ.get("VAPID_FILE", str(INSTANCE_DIR / "vapid.json"))
    # Subscriptions may only point at these push services (no request to anywhere else)
    PUSH_SERVICE_HOSTS = ("fcm.googleapis.com", "updates.push.services.mozilla.com",
                          "push.services.mozilla.com", "push.apple.com",
                          "notify.windows.com")
    PUSH_ALLOW_LOCAL = False  # http://127.0.0.1 endpoints: development and tests only
    PUSH_URGENT_KINDS = ("referral", "risk_high")  # pushed even in quiet hours
    PUSH_WORKERS = int(os.environ.get("PUSH_WORKERS", 8))
    PUSH_TIMEOUT_SECONDS = float(os.environ.get("PUSH_TIMEOUT_SECONDS", 10))
    PUSH_MAX_ATTEMPTS = 6
    PUSH_SEND_INTERVAL_SECONDS = int(os.environ.get("PUSH_SEND_INTERVAL_SECONDS", 10))


class DevConfig(Config):
    ENV_NAME = "development"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    # The load test serves with gunicorn in development mode and turns this off.
    SCHEDULER_IN_PROCESS = os.environ.get("SCHEDULER_IN_PROCESS", "1") != "0"
    PUSH_ALLOW_LOCAL = True


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = "sqlite://"  # tests/conftest.py points each run at its own database
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    RATELIMIT_STORAGE_URI = "memory://"
    SYNC_RATE_LIMIT = "10000 per minute"  # property tests replay many batches; one test lowers it
    MESSAGE_ADAPTER = "file"
    PUBLIC_BASE_URL = "https://rm.example.test"
    PUSH_ALLOW_LOCAL = True


class ProdConfig(Config):
    ENV_NAME = "production"
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", 365 * 24 * 3600))

    @classmethod
    def validate(cls) -> None:
        """Refuse to start production with the development secret key."""
        if not cls.SECRET_KEY or cls.SECRET_KEY == DEV_SECRET_KEY:
            raise RuntimeError("SECRET_KEY must be set in production")


CONFIGS = {"development": DevConfig, "test": TestConfig, "production": ProdConfig}


def config_from_env():
    """Pick the configuration class named by RM_ENV (development by default)."""
    return CONFIGS[os.environ.get("RM_ENV", "development")]
