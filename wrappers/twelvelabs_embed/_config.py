"""Client configuration: the API key (kept secret), the base URL, timeouts."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass

import httpx

from ._errors import ConfigurationError

__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "DEFAULT_BASE_URL",
    "ApiKey",
    "Timeouts",
    "injected_client_timeouts",
    "resolve_api_key",
    "resolve_base_url",
]

API_KEY_ENV = "TWELVELABS_API_KEY"
BASE_URL_ENV = "TWELVELABS_BASE_URL"
DEFAULT_BASE_URL = "https://api.twelvelabs.io/v1.3"


class ApiKey:
    """An API key that never shows itself in a repr, str, log line or traceback."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The key itself, for the one place that puts it in a request header."""
        return self._value

    def __repr__(self) -> str:
        return "ApiKey('****')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ApiKey) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> str:
        raise TypeError("ApiKey cannot be pickled")


def resolve_api_key(api_key: str | ApiKey | None) -> ApiKey:
    """The explicit key if given, else `TWELVELABS_API_KEY`; a clear error when neither is set."""
    if isinstance(api_key, ApiKey):
        return api_key
    if api_key is None:
        api_key = os.environ.get(API_KEY_ENV)
        if api_key is None:
            raise ConfigurationError(f"no API key: pass api_key=... or set the {API_KEY_ENV} environment variable")
        source = f"the {API_KEY_ENV} environment variable"
    else:
        source = "api_key"
    if not isinstance(api_key, str) or not api_key.strip():
        raise ConfigurationError(f"{source} is empty; it must be a TwelveLabs API key")
    # The key travels as an HTTP header value: printable ASCII only. The message never echoes it.
    bad = next((i for i, c in enumerate(api_key) if not " " <= c <= "~"), None)
    if bad is not None:
        raise ConfigurationError(
            f"{source} has a character that cannot be sent in an HTTP header (position {bad + 1}); "
            "an API key is printable ASCII"
        )
    return ApiKey(api_key.strip())


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def resolve_base_url(base_url: str | None, *, allow_insecure_http: bool) -> httpx.URL:
    """The explicit base URL, else `TWELVELABS_BASE_URL`, else production.

    Plain `http://` is accepted only for loopback hosts (the local fake, a mock server) unless
    `allow_insecure_http=True`: the API key would otherwise travel in clear text.
    """
    raw = base_url if base_url is not None else os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    source = "base_url" if base_url is not None else (BASE_URL_ENV if os.environ.get(BASE_URL_ENV) else "")
    try:
        url = httpx.URL(raw.strip())
    except (httpx.InvalidURL, TypeError) as exc:
        raise ConfigurationError(f"{source or 'base_url'} is not a valid URL: {raw!r}") from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(f"{source or 'base_url'} must be an http(s) URL with a host, got {raw!r}")
    if url.port is not None and not 0 < url.port <= 65535:
        raise ConfigurationError(f"{source or 'base_url'} has an invalid port {url.port} (1-65535), got {raw!r}")
    if url.scheme == "http" and not _is_loopback(url.host) and not allow_insecure_http:
        raise ConfigurationError(
            f"{source or 'base_url'} uses plain http to a non-loopback host ({url.host}); the API key "
            "would be sent unencrypted. Use https, or pass allow_insecure_http=True if you must."
        )
    return url.copy_with(raw_path=url.raw_path.rstrip(b"/") or b"/")


@dataclass(frozen=True)
class Timeouts:
    """Finite timeouts in seconds: one per phase of a request, and `total` for the whole call.

    `connect`, `read`, `write` and `pool` bound each phase (a read timeout bounds the silence between
    two bytes, so a server that drips a byte at a time never trips it); `total` bounds the whole
    call, from the first attempt to the last byte of the body, retries and their pauses included.
    `write` applies to each chunk of an upload; raise `total` for uploads slower than it allows
    (the default, 600 s, sends 2 GiB at about 3.6 MB/s).
    """

    connect: float = 10.0
    read: float = 60.0
    write: float = 60.0
    pool: float = 10.0
    total: float = 600.0

    def __post_init__(self) -> None:
        for name in ("connect", "read", "write", "pool", "total"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or isinstance(value, bool) or not value > 0:
                raise ConfigurationError(f"Timeouts.{name} must be a positive number of seconds, got {value!r}")
            if value != value or value == float("inf"):
                raise ConfigurationError(f"Timeouts.{name} must be finite, got {value!r}")


def injected_client_timeouts(current: httpx.Timeout, explicit: Timeouts | None) -> Timeouts:
    """The timeouts for calls through an injected httpx client: the explicit `Timeouts` if the caller passed
    one, else the client's own, with any unset (infinite) phase replaced by the default so no call can hang."""
    if explicit is not None:
        return explicit
    default = Timeouts()
    return Timeouts(
        connect=default.connect if current.connect is None else current.connect,
        read=default.read if current.read is None else current.read,
        write=default.write if current.write is None else current.write,
        pool=default.pool if current.pool is None else current.pool,
    )
