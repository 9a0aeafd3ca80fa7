"""The project's own errors: each is something a user can fix, shown to them as an ephemeral reply."""

from __future__ import annotations


class FanBotError(Exception):
    """Base class: the message is written for the person who asked."""


class NotFound(FanBotError):
    """Nothing matched; carries close names so the reply can say "did you mean …"."""

    def __init__(self, what: str, query: str, suggestions: list[str] | None = None) -> None:
        self.what = what
        self.query = query
        self.suggestions = suggestions or []
        super().__init__(f"No {what} matches “{query}”.")


class NotKnown(FanBotError):
    """A question no fact answers confidently: the bot says it does not know, naming the closest facts it does
    know (``closest``), or the film it does not have yet (``beyond``: "Mission: Impossible 9")."""

    def __init__(self, question: str, closest: list[str], *, beyond: str = "") -> None:
        self.question = question
        self.closest = closest
        self.beyond = beyond
        super().__init__(f"No fact answers “{question}”.")


class NotAllowed(FanBotError):
    """The person may not do this (not a bot admin, no Manage Server)."""


class Invalid(FanBotError):
    """Input that breaks a rule: the message names the field and the limit."""


class Conflict(FanBotError):
    """The fact changed since the person looked at it, or later changes block an undo."""


class StoreUnavailable(FanBotError):
    """The database cannot be read or written (read-only file, locked, closed)."""


class DatabaseMissing(StoreUnavailable):
    """The database that held what no pack can re-create is gone or empty: it is not silently replaced by a new one."""


class Unreachable(FanBotError):
    """Discord (or the server ``discord.api_base_url`` names) cannot be reached or does not answer as Discord does."""
