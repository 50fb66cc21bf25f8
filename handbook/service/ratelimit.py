"""A token bucket per client address: bursts are fine, a flood is slowed down with 429.

The default allowance is generous because a whole department may reach the service
through one address (a town hall's NAT).

The buckets live in each instance's memory, on purpose: a limiter exists to spare the service
work, and a database round trip per request would cost more than it saves. With several
instances behind a load balancer (PostgreSQL store), an address may therefore send up to N
times the allowance in all; set ``records.rate_limit_per_minute`` to the total divided by N,
or limit at the balancer. The sign-in throttle is per instance too; the admin token is too long
to guess either way (``MIN_TOKEN_LENGTH``).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

MAX_CLIENTS = 10_000


class RateLimiter:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.rate = per_minute / 60.0
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """0 when the request may go ahead, else the seconds to wait before retrying."""
        with self._lock:
            now = self.clock()
            tokens, last = self._buckets.get(client, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[client] = (tokens - 1, now)
                self._forget_full(now)
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1 - tokens) / self.rate

    def retry_after(self, wait: float) -> str:
        return str(max(1, math.ceil(wait)))

    def _forget_full(self, now: float) -> None:
        """Drop clients whose bucket has refilled, so memory stays bounded."""
        if len(self._buckets) <= MAX_CLIENTS:
            return
        limit = self.per_minute
        full = [c for c, (t, last) in self._buckets.items() if t + (now - last) * self.rate >= limit]
        for client in full:
            del self._buckets[client]
