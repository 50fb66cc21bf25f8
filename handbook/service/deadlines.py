"""A deadline for reading each request, so a slow client cannot hold a connection for ever.

uvicorn's ``timeout_keep_alive`` only runs between requests, and any byte received stops it:
a client that sends half a request line, or headers without their body, a byte now and then,
keeps its connection (and, for a body, the request's task) as long as it likes. This protocol
gives each request ``read_timeout`` seconds from the moment the server waits for it until its
last body byte arrived, and closes the connection when it runs out; the app then sees the
client gone (the record endpoint answers that case as a disconnect).
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

READ_TIMEOUT = 30.0


class DeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol with a per-request read deadline (:data:`READ_TIMEOUT` unless set)."""

    read_timeout = READ_TIMEOUT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state not in (h11.IDLE, h11.SEND_BODY):  # the whole request is in
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()  # the next request on this connection gets its own deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.read_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self.conn.their_state in (h11.IDLE, h11.SEND_BODY) and not self.transport.is_closing():
            self.transport.close()


def with_read_timeout(seconds: float) -> type[DeadlineProtocol]:
    """The protocol class for uvicorn's ``http=`` with this deadline."""
    return type("DeadlineProtocol", (DeadlineProtocol,), {"read_timeout": seconds})
