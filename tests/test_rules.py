"""The two rules every set of facts obeys (``bot.rules``), as pack loading applies them; the store applies the same
functions to admin edits, undo and import (tests/test_store.py)."""

from __future__ import annotations

import pytest

from bot import rules
from bot.pack import PackInvalid, parse_pack, read_yaml
from tests.test_pack import MINIMAL

PACK = (
    MINIMAL
    + """stunts:
  - {key: speed-flying, film: dr1, name: Speed-Flying, summary: x, sources: [a]}
  - {key: wingsuit, film: dr1, name: Wingsuit, aliases: [SPEED FLYING], summary: y, sources: [a]}
"""
)


def test_a_pack_with_names_that_fold_alike_is_refused_at_load():
    """The names "Speed-Flying" and "SPEED FLYING" find the same thing in every look-up, so they may not name two
    stunts. (Such a pack used to load, and then every import and unrelated undo was refused.)"""
    with pytest.raises(PackInvalid) as caught:
        parse_pack(read_yaml(PACK))
    assert caught.value.problems == [
        "stunts[1]: the name 'SPEED FLYING' is also used by 'speed-flying' (names count as the same when they "
        "differ only in case, accents, spaces or punctuation)"
    ]


def test_names_alike_in_different_kinds_or_within_one_fact_are_fine():
    text = PACK.replace("aliases: [SPEED FLYING]", "aliases: [wingsuit, WINGSUIT]") + (
        "locations:\n  - {key: sf, name: Speed Flying, place: x, country: Norway, film: dr1, filmed: x, sources: [a]}"
    )
    assert rules.name_clashes(parse_pack(read_yaml(text)).facts()) == []


def test_name_clashes_are_found_against_what_the_caller_knows():
    pack = parse_pack(read_yaml(PACK.replace("aliases: [SPEED FLYING]", "aliases: []")))
    taken = {("stunt", "wingsuit"): "wingsuit-2"}  # a fact outside those checked holds the name
    assert rules.name_clashes(pack.facts(), taken) == [rules.NameClash(2, "Wingsuit", "wingsuit-2")]


def test_references_point_at_facts_that_exist():
    pack = parse_pack(read_yaml(PACK.replace("aliases: [SPEED FLYING]", "aliases: []")))
    assert rules.dangling(pack.facts(), {("film", "dr1")}) == []
    assert rules.dangling(pack.facts(), set()) == [
        rules.Dangling(1, "film", "film", "dr1"),
        rules.Dangling(2, "film", "film", "dr1"),
    ]
