"""Failed sign-ins per client address and email, in this console process: past the limit within the
window, further attempts for that email from that address are refused before any password is
checked (on top of the per-account lockout, which stops guessing one account from many
addresses). Keyed on the email too, because every member of staff may reach the console from one
address (an SSH tunnel, a proxy, Docker's gateway): one person's failures lock nobody else out.
Sign-ins that succeed do not count.

The client address is the connection's, or, when the connection comes from HUB_TRUSTED_PROXY,
the one that proxy put in X-Forwarded-For (`client_address`)."""
from __future__ import annotations

import time
from collections import deque
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address


class Throttle:
    def __init__(self, limit: int = 10, window_seconds: float = 300.0, clock=time.monotonic):
        self.limit, self.window, self.clock = limit, window_seconds, clock
        self._failures: dict[str, deque] = {}

    def _recent(self, address: str, now: float) -> deque:
        failures = self._failures.setdefault(address, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def allow(self, address: str, email: str) -> bool:
        """Whether `email` may be tried from `address` now."""
        return len(self._recent(_key(address, email), self.clock())) < self.limit

    def failed(self, address: str, email: str) -> None:
        now = self.clock()
        self._recent(_key(address, email), now).append(now)
        if len(self._failures) > 10000:  # forget those that have gone quiet
            for key in [k for k, v in self._failures.items() if not v or v[-1] <= now - self.window]:
                del self._failures[key]


def _key(address: str, email: str) -> str:
    return f"{address} {(email or '').strip().lower()[:254]}"


def _address(text: str) -> IPv4Address | IPv6Address | None:
    try:
        address = ip_address(text.strip())
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1, an IPv4 peer on a dual-stack socket
    return mapped or address


def client_address(peer: str, forwarded_for: str | None,
                   trusted: tuple[IPv4Network | IPv6Network, ...]) -> str:
    """Who connected: `peer`, the connection's address; or, when it is a trusted proxy, the address
    that proxy saw, read from the right of X-Forwarded-For past every trusted proxy (entries
    further left were written by the client, and could be anything)."""
    address = _address(peer)
    if address is None:
        return peer
    hops = (forwarded_for or "").split(",")[::-1] if trusted else []
    while any(address in network for network in trusted) and hops:
        previous = _address(hops.pop(0))
        if previous is None:
            break
        address = previous
    return str(address)


class RequestRate(Throttle):
    """Requests per client address in a sliding window (the HSDS API's 60 a minute): `take` counts
    one and says whether it is within the limit; a request over it is not counted."""

    def __init__(self, limit: int = 60, window_seconds: float = 60.0, clock=time.monotonic):
        super().__init__(limit, window_seconds, clock)

    def take(self, address: str) -> bool:
        if not self.allow(address, ""):
            return False
        self.failed(address, "")
        return True

    def retry_after(self, address: str) -> int:
        """Seconds until the oldest counted request leaves the window."""
        recent = self._recent(_key(address, ""), self.clock())
        return max(1, int(recent[0] + self.window - self.clock()) + 1) if recent else 1
