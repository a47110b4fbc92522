"""Configuration from the environment, with `.env` (never committed) over the defaults.

Variables already set in the process environment win over `.env`, so a test or a
deployment can always override the file.
"""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parents[1]
logger = logging.getLogger(__name__)


class ConfigError(RuntimeError):
    """A required setting is missing or invalid; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    database_url: str = field(repr=False)  # may carry a password
    secret_key: str | None = field(repr=False)
    public_url: str
    twilio_account_sid: str | None
    twilio_auth_token: str | None = field(repr=False)
    twilio_api_base_url: str | None
    hotline_number: str
    transport: str
    default_region: str
    search_radius_miles: float
    escalate_after_seconds: float
    expire_after_seconds: float
    simulator: str  # HUB_SIMULATOR: auto | on | off
    # An accepted handoff without DONE: a reminder after this, the coordinator after as long again.
    done_reminder_seconds: float = 24 * 3600
    # Any handoff still open this long after it was made closes as `stale`.
    handoff_max_age_seconds: float = 7 * 24 * 3600
    # Voice line (bot/channels/twilio_voice.py): how long a specialist's phone rings, how many
    # specialists a call tries before the SMS alert, and the voices that speak each language.
    voice_ring_seconds: int = 20
    voice_max_dials: int = 2
    voice_en: str = "Polly.Joanna"
    voice_es: str = "Polly.Lupe"
    # Message bodies and phone numbers older than this are purged (bot/retention.py).
    retention_days: int = 30
    # The endpoints file the Rasa server reads: the worker purges the tracker store it names.
    endpoints_path: Path = PROJECT_ROOT / "endpoints.yml"
    # Keys retired by `hub keys rotate`, newest first: opt-outs recorded under them still match
    # (bot/notify/optout.py); nothing is ever written under them.
    previous_secret_keys: tuple[str, ...] = field(default=(), repr=False)
    # Never silent (bot/channels/admission.py): the longest a webhook waits for Rasa before it
    # answers with a holding reply (the answer then follows through the outbox), well inside
    # Twilio's 15 s; how many turns Rasa takes at once; and the turns a second one Rasa server
    # completes (bench/load.py measures it), from which the queue's bound is sized.
    answer_deadline_seconds: float = 8.0
    turns_in_flight: int = 4
    turn_capacity: float = 15.0
    # The longest the Rasa server waits for one action call (bot/channels/action_client.py), far
    # below Rasa's own 300 s: a stalled action server would otherwise hold a turn's place in the
    # admission queue for five minutes.
    action_timeout_seconds: float = 20.0
    # The directory that knows when it is wrong (docs/directory-feedback.md): a listing not verified
    # for this long says "call ahead"; reports from this many different numbers within a day flag
    # a place "reported closed today".
    stale_after_seconds: float = 90 * 86400
    closed_reports: int = 2
    # The zone of a directory timestamp with no zone, and of a place whose ZIP and coordinates give
    # none (bot/directory/publisher_values.py, bot/directory/search.py).
    directory_timezone: str = "America/Los_Angeles"
    # An HSDS API feed (bot/directory/feed.py, refresh.py): the worker refreshes from
    # HUB_DIRECTORY_FEED (None: no feed) every HUB_DIRECTORY_REFRESH; a refresh that would make
    # more than HUB_DIRECTORY_HOLD_BACK of its services inactive is held back for a person. Each
    # request is tried HUB_FEED_RETRIES more times and given HUB_FEED_TIMEOUT; a feed may be at
    # most HUB_FEED_MAX_MB.
    directory_feed: str | None = None
    directory_refresh_seconds: float = 24 * 3600
    directory_hold_back: float = 0.2
    feed_retries: int = 3
    feed_timeout_seconds: float = 30.0
    feed_max_mb: int = 200
    # `hub directory serve` (bot/hsds_server.py): the directory as a read-only HSDS API,
    # started by `make run` only when HUB_HSDS_API is on, on HUB_HSDS_API_PORT.
    hsds_api: bool = False
    hsds_api_port: int = 5007
    hsds_api_rate: int = 60  # requests a minute per client address
    # Spikes in the line's own signals (bot/alerts/signals.py, spikes.py; docs/alerts.md): the
    # hourly counts are kept HUB_SIGNAL_RETENTION_DAYS; every HUB_SPIKE_EVERY the worker compares
    # each area's last 24 h, with its neighbours within HUB_SPIKE_RADIUS_MILES, against the mean of
    # the same window on the 28 days before (at least HUB_SPIKE_FLOOR): a spike is at least
    # HUB_SPIKE_MIN signals and HUB_SPIKE_RATIO times the usual; then the area is quiet for
    # HUB_SPIKE_COOLDOWN unless its count doubles.
    signal_retention_days: int = 365
    spike_every_seconds: float = 15 * 60
    spike_radius_miles: float = 2.0
    spike_floor: float = 0.5
    spike_min: int = 3
    spike_ratio: float = 3.0
    spike_cooldown_seconds: float = 12 * 3600

    @property
    def local_only(self) -> bool:
        """No Twilio account is configured: nothing leaves this machine (outbound messages wait in
        the local outbox). What HUB_SIMULATOR=auto, and the demo roster, go by."""
        return not self.twilio_account_sid and self.transport == "outbox"
    # Follow-up check-ins (bot/handoff/follow_up.py): after a handoff closes as reached or engaged,
    # the first and (None: no) second check-in; none in quiet hours, local to the person's area,
    # as (start, end) minutes after midnight (None: no quiet hours).
    follow_up_after_seconds: float = 24 * 3600
    follow_up_again_seconds: float | None = 72 * 3600
    quiet_hours: tuple[int, int] | None = (21 * 60, 9 * 60)
    # The coordinator's console (bot/console): its port; how long a session lasts without a
    # request; whether its cookie is Secure always ("on") or only when the request came over
    # https ("auto"); and the token Prometheus sends for /metrics (no token: no metrics served).
    console_port: int = 5006
    console_idle_seconds: float = 30 * 60
    # However busy, a session ends this long after its sign-in (HUB_CONSOLE_SESSION_MAX).
    console_session_max_seconds: float = 12 * 3600
    console_secure_cookie: str = "auto"
    # The reverse proxy in front of the console (HUB_TRUSTED_PROXY, addresses or networks): only
    # from there is an X-Forwarded-For believed, for the sign-in throttle. Empty: from nowhere.
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()
    metrics_token: str | None = field(default=None, repr=False)
    worker_metrics_port: int | None = None
    # Messages a second the worker sends at most (bot/notify/pacing.py): the limit of the hotline
    # number's type. Every send from the worker counts, most urgent first.
    send_rate: float = 1.0

    @property
    def simulator_enabled(self) -> bool:
        """The simulator signs webhooks with the real auth token for any number it is given, so
        in auto it serves only where no Twilio account is configured: a production deployment,
        which has one, never exposes it by accident."""
        if self.simulator == "auto":
            return self.local_only
        return self.simulator == "on"

    def require_secret_key(self) -> str:
        if not self.secret_key or len(self.secret_key) < 16:
            raise ConfigError(
                "HUB_SECRET_KEY is not set (or shorter than 16 characters); "
                "it keys the HMAC that stands in for phone numbers. See .env.example."
            )
        return self.secret_key

    def require_auth_token(self) -> str:
        if not self.twilio_auth_token:
            raise ConfigError(
                "TWILIO_AUTH_TOKEN is not set; it is needed to check (and, locally, to make) "
                "the X-Twilio-Signature of webhooks. See .env.example."
            )
        return self.twilio_auth_token


def _default_database_url() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'var' / 'hub.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    # HUB_ENV_FILE lets tests (and unusual deployments) choose the file, or none at all.
    load_dotenv(os.environ.get("HUB_ENV_FILE") or PROJECT_ROOT / ".env", override=False)
    env = os.environ
    account_sid = env.get("TWILIO_ACCOUNT_SID") or None
    transport = (env.get("HUB_TRANSPORT") or ("twilio" if account_sid else "outbox")).lower()
    if transport not in {"outbox", "twilio"}:
        raise ConfigError(f"HUB_TRANSPORT must be 'outbox' or 'twilio', not {transport!r}")
    try:
        radius = float(env.get("HUB_SEARCH_RADIUS_MILES", "50"))
    except ValueError as exc:
        raise ConfigError("HUB_SEARCH_RADIUS_MILES must be a number of miles") from exc
    simulator = (env.get("HUB_SIMULATOR") or "auto").strip().lower()
    if simulator not in {"auto", "on", "off"}:
        raise ConfigError(f"HUB_SIMULATOR must be 'auto', 'on' or 'off', not {simulator!r}")
    escalate_after = parse_duration("HUB_ESCALATE_AFTER", env.get("HUB_ESCALATE_AFTER") or "10m")
    expire_after = parse_duration("HUB_EXPIRE_AFTER", env.get("HUB_EXPIRE_AFTER") or "24h")
    done_reminder = parse_duration("HUB_DONE_REMINDER", env.get("HUB_DONE_REMINDER") or "24h")
    max_age = parse_duration("HUB_HANDOFF_MAX_AGE", env.get("HUB_HANDOFF_MAX_AGE") or "7d")
    ring_seconds = _positive_int("HUB_VOICE_RING_SECONDS", env.get("HUB_VOICE_RING_SECONDS") or "20", 5, 600)
    max_dials = _positive_int("HUB_VOICE_MAX_DIALS", env.get("HUB_VOICE_MAX_DIALS") or "2", 1, 10)
    retention_days = _positive_int("HUB_RETENTION_DAYS", env.get("HUB_RETENTION_DAYS") or "30", 1, 3650)
    endpoints = Path(env.get("HUB_ENDPOINTS") or "endpoints.yml")
    answer_deadline = parse_duration("HUB_ANSWER_DEADLINE", env.get("HUB_ANSWER_DEADLINE") or "8s", default_unit="s")
    if answer_deadline > 14:
        raise ConfigError("HUB_ANSWER_DEADLINE must be at most 14s: Twilio gives up on a webhook after 15 s")
    action_timeout = parse_duration("HUB_ACTION_TIMEOUT", env.get("HUB_ACTION_TIMEOUT") or "20s", default_unit="s")
    if action_timeout >= 300:
        raise ConfigError("HUB_ACTION_TIMEOUT must be under 300s, Rasa's own limit on an action call")
    turns_in_flight = _positive_int("HUB_TURNS_IN_FLIGHT", env.get("HUB_TURNS_IN_FLIGHT") or "4", 1, 64)
    try:
        turn_capacity = float(env.get("HUB_TURN_CAPACITY") or "15")
    except ValueError:
        raise ConfigError("HUB_TURN_CAPACITY must be a number of turns a second") from None
    if not 0.5 <= turn_capacity <= 10000:
        raise ConfigError("HUB_TURN_CAPACITY must be between 0.5 and 10000 turns a second")
    stale_after = parse_duration("HUB_STALE_AFTER", env.get("HUB_STALE_AFTER") or "90d", default_unit="d")
    closed_reports = _positive_int("HUB_CLOSED_REPORTS", env.get("HUB_CLOSED_REPORTS") or "2", 1, 100)
    follow_up_after = parse_duration("HUB_FOLLOW_UP_AFTER", env.get("HUB_FOLLOW_UP_AFTER") or "24h")
    # Unset: the default second check-in; set but empty: none.
    again_text = env.get("HUB_FOLLOW_UP_AGAIN", "72h").strip()
    follow_up_again = parse_duration("HUB_FOLLOW_UP_AGAIN", again_text) if again_text else None
    if follow_up_again is not None and follow_up_again <= follow_up_after:
        raise ConfigError("HUB_FOLLOW_UP_AGAIN must be longer than HUB_FOLLOW_UP_AFTER (or empty for no second check-in)")
    console_port = _positive_int("HUB_CONSOLE_PORT", env.get("HUB_CONSOLE_PORT") or "5006", 1, 65535)
    console_idle = parse_duration("HUB_CONSOLE_IDLE_TIMEOUT", env.get("HUB_CONSOLE_IDLE_TIMEOUT") or "30m")
    console_session_max = parse_duration("HUB_CONSOLE_SESSION_MAX", env.get("HUB_CONSOLE_SESSION_MAX") or "12h")
    secure_cookie = (env.get("HUB_CONSOLE_SECURE_COOKIE") or "auto").strip().lower()
    if secure_cookie not in {"auto", "on"}:
        raise ConfigError(f"HUB_CONSOLE_SECURE_COOKIE must be 'auto' or 'on', not {secure_cookie!r}")
    trusted_proxies = parse_networks("HUB_TRUSTED_PROXY", env.get("HUB_TRUSTED_PROXY"))
    metrics_token = (env.get("HUB_METRICS_TOKEN") or "").strip() or None
    if metrics_token is not None and len(metrics_token) < 16:
        raise ConfigError("HUB_METRICS_TOKEN must be at least 16 characters (or empty: no metrics are served)")
    worker_metrics = env.get("HUB_WORKER_METRICS_PORT") or None
    send_rate = _send_rate(env.get("HUB_SEND_RATE") or "1")
    directory_timezone = _time_zone("HUB_DIRECTORY_TIMEZONE", env.get("HUB_DIRECTORY_TIMEZONE") or "America/Los_Angeles")
    directory_feed = _feed_url(env.get("HUB_DIRECTORY_FEED"))
    directory_refresh = parse_duration("HUB_DIRECTORY_REFRESH", env.get("HUB_DIRECTORY_REFRESH") or "24h", default_unit="h")
    if directory_refresh < 300:
        raise ConfigError("HUB_DIRECTORY_REFRESH must be at least 5m: a feed is read whole each time")
    hold_back = _percent("HUB_DIRECTORY_HOLD_BACK", env.get("HUB_DIRECTORY_HOLD_BACK") or "20%")
    feed_retries = _positive_int("HUB_FEED_RETRIES", env.get("HUB_FEED_RETRIES") or "3", 0, 10)
    feed_timeout = parse_duration("HUB_FEED_TIMEOUT", env.get("HUB_FEED_TIMEOUT") or "30s", default_unit="s")
    feed_max_mb = _positive_int("HUB_FEED_MAX_MB", env.get("HUB_FEED_MAX_MB") or "200", 1, 100_000)
    hsds_api = (env.get("HUB_HSDS_API") or "off").strip().lower()
    if hsds_api not in {"on", "off"}:
        raise ConfigError(f"HUB_HSDS_API must be 'on' or 'off', not {hsds_api!r}")
    hsds_api_port = _positive_int("HUB_HSDS_API_PORT", env.get("HUB_HSDS_API_PORT") or "5007", 1, 65535)
    hsds_api_rate = _positive_int("HUB_HSDS_API_RATE", env.get("HUB_HSDS_API_RATE") or "60", 1, 1_000_000)
    signal_retention = _positive_int("HUB_SIGNAL_RETENTION_DAYS", env.get("HUB_SIGNAL_RETENTION_DAYS") or "365", 29, 3650)
    spike_every = parse_duration("HUB_SPIKE_EVERY", env.get("HUB_SPIKE_EVERY") or "15m")
    spike_radius = _number("HUB_SPIKE_RADIUS_MILES", env.get("HUB_SPIKE_RADIUS_MILES") or "2", 0.1, 100)
    spike_floor = _number("HUB_SPIKE_FLOOR", env.get("HUB_SPIKE_FLOOR") or "0.5", 0.01, 1000)
    spike_min = _positive_int("HUB_SPIKE_MIN", env.get("HUB_SPIKE_MIN") or "3", 1, 10000)
    spike_ratio = _number("HUB_SPIKE_RATIO", env.get("HUB_SPIKE_RATIO") or "3", 1, 1000)
    spike_cooldown = parse_duration("HUB_SPIKE_COOLDOWN", env.get("HUB_SPIKE_COOLDOWN") or "12h", default_unit="h")
    return Settings(
        database_url=env.get("HUB_DATABASE_URL") or _default_database_url(),
        secret_key=env.get("HUB_SECRET_KEY") or None,
        public_url=(env.get("HUB_PUBLIC_URL") or "http://localhost:5005").rstrip("/"),
        twilio_account_sid=account_sid,
        twilio_auth_token=env.get("TWILIO_AUTH_TOKEN") or None,
        twilio_api_base_url=env.get("TWILIO_API_BASE_URL") or None,
        hotline_number=env.get("HUB_PHONE_NUMBER") or "+12065550100",
        transport=transport,
        default_region=(env.get("HUB_DEFAULT_REGION") or "US").upper(),
        search_radius_miles=radius,
        escalate_after_seconds=escalate_after,
        expire_after_seconds=expire_after,
        simulator=simulator,
        done_reminder_seconds=done_reminder,
        handoff_max_age_seconds=max_age,
        voice_ring_seconds=ring_seconds,
        voice_max_dials=max_dials,
        voice_en=env.get("HUB_VOICE_EN") or "Polly.Joanna",
        voice_es=env.get("HUB_VOICE_ES") or "Polly.Lupe",
        retention_days=retention_days,
        endpoints_path=endpoints if endpoints.is_absolute() else PROJECT_ROOT / endpoints,
        previous_secret_keys=split_keys(env.get("HUB_PREVIOUS_SECRET_KEYS")),
        answer_deadline_seconds=answer_deadline,
        turns_in_flight=turns_in_flight,
        action_timeout_seconds=action_timeout,
        turn_capacity=turn_capacity,
        stale_after_seconds=stale_after,
        closed_reports=closed_reports,
        follow_up_after_seconds=follow_up_after,
        follow_up_again_seconds=follow_up_again,
        quiet_hours=parse_quiet_hours(env.get("HUB_QUIET_HOURS", "21:00-09:00")),
        console_port=console_port,
        console_idle_seconds=console_idle,
        console_session_max_seconds=console_session_max,
        console_secure_cookie=secure_cookie,
        trusted_proxies=trusted_proxies,
        metrics_token=metrics_token,
        worker_metrics_port=_positive_int("HUB_WORKER_METRICS_PORT", worker_metrics, 1, 65535) if worker_metrics else None,
        send_rate=send_rate,
        directory_timezone=directory_timezone,
        directory_feed=directory_feed,
        directory_refresh_seconds=directory_refresh,
        directory_hold_back=hold_back,
        feed_retries=feed_retries,
        feed_timeout_seconds=feed_timeout,
        feed_max_mb=feed_max_mb,
        hsds_api=hsds_api == "on",
        hsds_api_port=hsds_api_port,
        hsds_api_rate=hsds_api_rate,
        signal_retention_days=signal_retention,
        spike_every_seconds=spike_every,
        spike_radius_miles=spike_radius,
        spike_floor=spike_floor,
        spike_min=spike_min,
        spike_ratio=spike_ratio,
        spike_cooldown_seconds=spike_cooldown,
    )


def parse_quiet_hours(text: str | None) -> tuple[int, int] | None:
    """HUB_QUIET_HOURS: 'HH:MM-HH:MM' (it may run past midnight, as 21:00-09:00) in minutes after
    midnight; empty or 'off' for none."""
    text = (text or "").strip().lower()
    if text in ("", "off", "none"):
        return None
    match = re.fullmatch(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})", text)
    if not match:
        raise ConfigError(f"HUB_QUIET_HOURS must be a span such as 21:00-09:00 (or empty for none), not {text!r}")
    start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
    if start_h > 23 or end_h > 23 or start_m > 59 or end_m > 59:
        raise ConfigError(f"HUB_QUIET_HOURS has a time that does not exist: {text!r}")
    if (start_h, start_m) == (end_h, end_m):
        raise ConfigError("HUB_QUIET_HOURS must start and end at different times (empty for none)")
    return start_h * 60 + start_m, end_h * 60 + end_m


def _feed_url(text: str | None) -> str | None:
    url = (text or "").strip().rstrip("/")
    if not url:
        return None
    if not re.match(r"^https?://[^\s/]+", url):
        raise ConfigError(f"HUB_DIRECTORY_FEED must be the http(s) address of an HSDS API (or empty for none), not {text!r}")
    return url


def _number(name: str, text: str, low: float, high: float) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {text!r}") from None
    if not low <= value <= high:  # nan fails both
        raise ConfigError(f"{name} must be between {low:g} and {high:g}")
    return value


def _percent(name: str, text: str) -> float:
    """20% or 0.2: a share between 0 and 1."""
    value = text.strip()
    try:
        share = float(value[:-1]) / 100 if value.endswith("%") else float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a share such as 20% (or 0.2), not {text!r}") from None
    if not 0 <= share <= 1:
        raise ConfigError(f"{name} must be between 0% and 100%")
    return share


def _time_zone(name: str, text: str) -> str:
    zone = text.strip()
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{name} must be an IANA time zone such as America/Chicago, not {text!r}") from None
    return zone


def _send_rate(text: str) -> float:
    try:
        rate = float(text.strip())
    except ValueError:
        raise ConfigError(f"HUB_SEND_RATE must be a number of messages a second, not {text!r}") from None
    if not 0.01 <= rate <= 1000:
        raise ConfigError("HUB_SEND_RATE must be between 0.01 and 1000 messages a second")
    return rate


def parse_networks(name: str, text: str | None) -> tuple[IPv4Network | IPv6Network, ...]:
    """An address or a network in CIDR notation (10.0.0.0/8), or several, comma-separated; empty
    for none."""
    networks = []
    for part in (part.strip() for part in (text or "").split(",")):
        if not part:
            continue
        try:
            networks.append(ip_network(part))  # strict: 10.0.0.1/8 is a typing error, not a network
        except ValueError:
            raise ConfigError(f"{name} must be an IP address or a network such as 10.0.0.0/8 (several: "
                              f"comma-separated), not {part!r}") from None
    return tuple(networks)


def split_keys(text: str | None) -> tuple[str, ...]:
    """HUB_PREVIOUS_SECRET_KEYS: comma-separated, newest first."""
    return tuple(key.strip() for key in (text or "").split(",") if key.strip())


def _positive_int(name: str, text: str, low: int, high: int) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {text!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}")
    return value


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_UNIT_WORDS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


@dataclass(frozen=True)
class BareDuration:
    """A duration setting written as a bare number, read in that setting's own unit (seconds for
    HUB_ANSWER_DEADLINE, days for HUB_STALE_AFTER, minutes for the rest): "600" in
    HUB_ESCALATE_AFTER is ten hours."""

    name: str
    text: str
    unit: str
    seconds: float

    def __str__(self) -> str:
        return (f"{self.name}={self.text} has no unit, so it is read in {_UNIT_WORDS[self.unit]}: "
                f"{duration_words(self.seconds)}. Write {self.text}{self.unit} to keep that, or the unit you mean "
                f"(90s, 10m, 2h, 7d).")


# The bare numbers read, by setting (parse_duration records them; bare_durations lists them).
_BARE: dict[str, BareDuration] = {}


def parse_duration(name: str, text: str, default_unit: str = "m") -> float:
    """'10m', '90s', '2h', '7d' or a plain number of `default_unit`s (minutes unless said), in
    seconds. A plain number is still read (deployed .env files have them), with a warning that
    names the unit it was read in."""
    text = text.strip().lower()
    try:
        if text[-1:] in _UNITS:
            seconds = float(text[:-1]) * _UNITS[text[-1]]
        else:
            seconds = float(text) * _UNITS[default_unit]
    except ValueError:
        raise ConfigError(f"{name} must be a duration such as 10m, 90s, 2h or 7d, not {text!r}") from None
    if seconds <= 0:
        raise ConfigError(f"{name} must be longer than zero")
    if text[-1:] in _UNITS:
        _BARE.pop(name, None)
    else:
        _BARE[name] = bare = BareDuration(name, text, default_unit, seconds)
        logger.warning("%s", bare)
    return seconds


def bare_durations() -> list[BareDuration]:
    """The duration settings of the current environment written as bare numbers (`hub status`)."""
    return [bare for name, bare in sorted(_BARE.items())
            if (os.environ.get(name) or "").strip().lower() == bare.text]


def duration_words(seconds: float) -> str:
    """A duration as people say it: '10 minutes', '10 hours', '90 seconds', '7 days' (the largest
    unit it is a whole number of; days from 2 on, so a day reads '24 hours')."""
    for size, word, least in ((86400, "day", 2), (3600, "hour", 1), (60, "minute", 1), (1, "second", 1)):
        count = seconds / size
        if count >= least and count == int(count):
            return f"{count:g} {word}{'' if count == 1 else 's'}"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} hours"
    if seconds >= 60:
        return f"{seconds / 60:.1f} minutes"
    return f"{seconds:g} seconds"
