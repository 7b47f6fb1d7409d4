"""Follow-up questions: answer accuracy with and without the conversation history.

    .venv/bin/python bench/followups.py [--index-dir var/index]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from qa.config import Settings
from qa.service import QAService

QUESTIONS = Path(__file__).resolve().parent / "questions" / "followups.jsonl"


def correct(result, answers) -> bool:
    return bool(result.answer) and any(a.lower() in result.answer.text.lower() for a in answers)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index-dir", type=Path, default=Path("var/index"))
    args = parser.parse_args()
    service = QAService(Settings.from_env(index_dir=args.index_dir))
    rows = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
    with_history = sum(correct(service.ask(r["question"], history=r["history"]), r["answers"]) for r in rows)
    without = sum(correct(service.ask(r["question"]), r["answers"]) for r in rows)
    print(f"follow-ups: {len(rows)}")
    print(f"answer accuracy with history:    {with_history / len(rows):.2f}")
    print(f"answer accuracy without history: {without / len(rows):.2f}")


if __name__ == "__main__":
    main()
