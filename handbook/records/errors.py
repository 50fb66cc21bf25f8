"""Why a record is refused, as domain errors with one message per problem and no HTTP.

The service maps each class to a status code in one place (``service/api.py``); the
importer prints the messages as ``file: message`` lines. Catch :class:`RecordError` for all.
"""

from __future__ import annotations


class RecordError(Exception):
    """A record (or a receipt file) refused; ``messages`` says why, one line per problem."""

    def __init__(self, messages: list[str] | str) -> None:
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("; ".join(self.messages))


class Unreadable(RecordError):
    """Not a record at all: not UTF-8, not JSON, nested too deeply, or a file that cannot be read."""


class TooLarge(RecordError):
    """Larger than any record can be."""


class InvalidRecord(RecordError):
    """Not a valid record: a wrong type or field, or answers that do not fit what they answer."""


class UnknownReference(InvalidRecord):
    """Names a policy, version, content hash, quiz, form or role that this project does not have."""


class Conflict(RecordError):
    """A different record with the same id is already stored."""


class NotCurrent(Conflict):
    """An acknowledgement of a version that is no longer current: the person read words that
    have since changed materially, so they acknowledge the current version instead."""


class StoreUnavailable(RecordError):
    """The store cannot keep a record now (removed, replaced, read-only, full, locked), so
    nothing was stored and nobody may be told otherwise; ``retry_after`` (seconds) is set when
    waiting helps, None when an operator must act first."""

    retry_after: int | None = None


class StoreBusy(StoreUnavailable):
    """Another program holds the database's lock longer than the service waits."""

    retry_after = 5


class StoreFull(StoreUnavailable):
    """The disk (or the database's size limit) is full."""

    retry_after = 60


class NotFound(RecordError):
    """Names an exam or an exam attempt the service does not have."""


class NotAllowed(RecordError):
    """The person may not do this: another person's attempt, or every attempt used."""


class SignInRequired(RecordError):
    """This needs the person signed in through the organisation's provider (an exam, when the
    handbook's sign-in says so)."""


class Expired(RecordError):
    """An exam attempt past its expiry: its answers can no longer be graded."""


class TooSoon(RecordError):
    """An exam's waiting period between attempts has not passed; ``retry_after`` in seconds."""

    def __init__(self, messages: list[str] | str, retry_after: int) -> None:
        super().__init__(messages)
        self.retry_after = retry_after
