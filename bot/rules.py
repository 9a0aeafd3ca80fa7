"""The two rules every set of facts obeys, written once for pack loading, admin edits, undo and import.

* A name is unique among the facts of its kind, compared folded: look-ups and autocomplete match folded names,
  so "Speed-Flying" and "Speed Flying" could not be told apart. One fact may repeat a name ("Mission: Impossible
  1" beside "Mission Impossible 1"): it is found either way. Releases have no names of their own.
* A reference (a stunt's film, a video's stunts) points at a fact that exists (in the store: is not removed).

Pure functions over facts and what the caller knows exists elsewhere (the rest of a pack, the live store); each
caller words the problems for its reader (a path in a pack, a sentence for an admin).
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass

from bot.models import Fact, Kind, Release
from bot.text import fold


@dataclass(frozen=True)
class NameClash:
    """``facts[index]`` gives ``name``, which folds like a name of another fact, the one with the key ``other``."""

    index: int
    name: str
    other: str


@dataclass(frozen=True)
class Dangling:
    """``facts[index]`` points, at its field ``path``, at the missing ``kind`` with the key ``key``."""

    index: int
    path: str
    kind: Kind
    key: str


def name_clashes(facts: Sequence[Fact], taken: Mapping[tuple[str, str], str] | None = None) -> list[NameClash]:
    """Names of ``facts`` that another of them or a fact outside them uses: ``taken`` maps ``(kind, folded
    name)`` to the key of a fact outside ``facts`` holding that name."""
    holder: dict[tuple[str, str], int] = {}
    clashes: list[NameClash] = []
    for index, fact in enumerate(facts):
        if isinstance(fact, Release):
            continue
        for name in fact.names:
            slot = (fact.kind, fold(name))
            first = holder.setdefault(slot, index)
            if first != index:
                clashes.append(NameClash(index, name, facts[first].key))
            elif taken and slot in taken:
                clashes.append(NameClash(index, name, taken[slot]))
    return clashes


def dangling(facts: Sequence[Fact], exists: Container[tuple[str, str]]) -> list[Dangling]:
    """References of ``facts`` to a ``(kind, key)`` that ``exists`` does not hold."""
    return [
        Dangling(index, path, kind, key)
        for index, fact in enumerate(facts)
        for path, kind, key in fact.references()
        if (kind, key) not in exists
    ]
