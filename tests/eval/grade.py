"""The answer evaluation: fans' questions (``questions.yaml``) put to the engine ``/search`` and mentions use,
each reply graded by what a fan would see first.

Shared by ``benchmarks/answers.py`` (prints the table) and ``tests/test_answers_eval.py`` (holds floors).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot import cards, render
from bot.errors import NotKnown
from bot.store import FactStore

QUESTIONS = Path(__file__).with_name("questions.yaml")
ABSTAIN = "abstain"
# What a fan sees, best first. "abstained" is right for a question the pack cannot answer.
OUTCOMES = ("right answer first", "right card, answer not first", "abstained", "confidently wrong")
ANSWER_FIRST = ("region", "premiere", "home", "runtime", "rating", "box-office", "count", "height", "who")


@dataclass(frozen=True)
class Question:
    q: str
    kind: str
    expect: str
    says: str = ""


@dataclass(frozen=True)
class Graded:
    question: Question
    outcome: str
    landed: str  # the fact the reply stands on ("abstain" when it said it does not know)
    line: str  # the answer line

    @property
    def right(self) -> bool:
        wanted = "abstained" if self.question.expect == ABSTAIN else "right answer first"
        return self.outcome == wanted


def questions() -> list[Question]:
    return [Question(**item) for item in yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))]


async def grade(store: FactStore, question: Question) -> Graded:
    try:
        found = await cards.answer(store, question.q)
    except NotKnown as unknown:
        landed, line = ABSTAIN, render.not_known(unknown.question, unknown.closest, unknown.beyond)
    else:
        landed, line = found.fact.ref, found.line
    if landed == ABSTAIN:
        outcome = "abstained"
    elif landed != question.expect:
        outcome = "confidently wrong"
    elif question.says.casefold() in line.casefold():
        outcome = "right answer first"
    else:
        outcome = "right card, answer not first"
    return Graded(question, outcome, landed, line)


async def grade_all(store: FactStore) -> list[Graded]:
    return [await grade(store, question) for question in questions()]


def tally(graded: list[Graded]) -> dict[str, Counter[str]]:
    """Outcomes per kind of question, plus ``answer-first`` (the kinds asking for one thing) and ``all``."""
    by_kind: dict[str, Counter[str]] = {}
    for each in graded:
        groups = [each.question.kind, "all"]
        if each.question.kind in ANSWER_FIRST:
            groups.append("answer-first")
        for group in groups:
            by_kind.setdefault(group, Counter())[each.outcome] += 1
            by_kind[group]["right"] += each.right
            by_kind[group]["questions"] += 1
    return by_kind
