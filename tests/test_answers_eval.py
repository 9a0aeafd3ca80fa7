"""Floors under the answer evaluation (``tests/eval``, issue #16): per kind of question, at least as many right as
``benchmarks/answers.py`` measured when each rule landed, and never a confident answer to what the pack does not
know. A change that makes answers worse fails here; one that makes them better raises the floor."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot.pack import load_pack
from bot.store import open_store
from tests.conftest import PACK, seeded_copy
from tests.eval.grade import Graded, grade_all, questions, tally

# Right answers per kind, as measured (2 Dec 2026); "right" for not-in-pack is "abstained".
FLOORS = {
    "direct": 16, "misspelled": 10, "paraphrase": 18, "region": 16, "premiere": 11, "home": 11, "runtime": 6,
    "rating": 9, "box-office": 8, "count": 10, "height": 10, "who": 10, "not-in-pack": 16, "wrong-premise": 9,
    "two-step": 9,
}  # fmt: skip


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def graded(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[list[Graded]]:
    store = await open_store(seeded_copy(tmp_path_factory.mktemp("eval") / "facts.sqlite3"))
    try:
        yield await grade_all(store)
    finally:
        await store.close()


def test_the_evaluation_covers_every_kind_and_film() -> None:
    asked = questions()
    assert len(asked) >= 120 and {q.kind for q in asked} == set(FLOORS)
    films = {f.key for f in load_pack(PACK).films}
    facts = {f.ref: f for f in load_pack(PACK).facts()}
    about = {getattr(facts[q.expect], "film", facts[q.expect].key) for q in asked if q.expect != "abstain"}
    assert about == films
    assert all(q.says for q in asked if q.kind in ("region", "premiere", "home", "wrong-premise", "two-step"))


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("kind", FLOORS)
async def test_no_kind_of_question_is_answered_worse(graded: list[Graded], kind: str) -> None:
    counts = tally(graded)[kind]
    missed = [f"{g.question.q!r} → {g.landed}: {g.line}" for g in graded if g.question.kind == kind and not g.right]
    assert counts["right"] >= FLOORS[kind], "\n".join(missed)


@pytest.mark.asyncio(loop_scope="module")
async def test_done_when(graded: list[Graded]) -> None:
    """The issue's bar: 90 % right overall, every answer-first question answered in the first line, and no
    confidently wrong answer to a question the pack cannot answer."""
    counts = tally(graded)
    assert counts["all"]["right"] >= 0.9 * counts["all"]["questions"]
    assert counts["answer-first"]["right answer first"] == counts["answer-first"]["questions"]
    assert counts["not-in-pack"]["confidently wrong"] == 0
