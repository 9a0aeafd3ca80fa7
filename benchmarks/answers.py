"""Answer evaluation: the fans' questions of ``tests/eval/questions.yaml`` put to ``/search``'s engine, on a
store seeded from the shipped pack. Prints, per kind of question: right answer first, right card but the answer
not first, abstained ("I don't have that yet") and confidently wrong (another fact presented as the answer).

    python benchmarks/answers.py            # the table
    python benchmarks/answers.py --misses   # and every question not answered right, with what it got
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the questions and their grading live with the tests

from common import table, write_results  # noqa: E402

from bot.config import BUNDLED_PACK  # noqa: E402
from bot.pack import load_pack  # noqa: E402
from bot.store import open_store  # noqa: E402
from tests.eval.grade import OUTCOMES, grade_all, tally  # noqa: E402


def share(counts: Counter[str]) -> str:
    return f"{counts['right'] / counts['questions']:.0%}"


async def main(show_misses: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = await open_store(Path(folder) / "facts.sqlite3")
        try:
            await store.seed([load_pack(BUNDLED_PACK)])
            graded = await grade_all(store)
        finally:
            await store.close()
    counts = tally(graded)
    order = [*dict.fromkeys(g.question.kind for g in graded), "answer-first", "all"]
    rows = [[kind, c["questions"], *(c[o] for o in OUTCOMES), share(c)] for kind in order for c in [counts[kind]]]
    print(table(["kind", "asked", *OUTCOMES, "right"], rows))
    if show_misses:
        for each in graded:
            if not each.right:
                asked = each.question
                print(f"\n✗ [{asked.kind}] {asked.q}\n  want {asked.expect} “{asked.says}”")
                print(f"  got  {each.landed} ({each.outcome}): {each.line}")
    write_results("answers", {kind: dict(counts[kind]) for kind in order})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--misses", action="store_true", help="list every question not answered right")
    asyncio.run(main(parser.parse_args().misses))
