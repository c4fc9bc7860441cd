"""The `archive` command: extract, ingest, search and serve.

It sits above the three packages (archive -> indexer -> webui) so that none of them
has to import a stage after it."""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import sys
from pathlib import Path

DEFAULT_INDEX = Path(os.environ.get("ARCHIVE_INDEX", "index"))


NEGATED_FILTER = re.compile(r"^-[A-Za-z]+:\S+$")


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run one subcommand; returns the exit status."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    # `archive search -topic:drugs` is a query, not an option (#15).
    if (
        unknown
        and getattr(args, "run", None) is cmd_search
        and all(NEGATED_FILTER.match(u) for u in unknown)
    ):
        args.q = [*args.q, *unknown]
    elif unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `archive search ... | head`: the reader has what it wanted
        sys.stderr.close()
        return 0


def build_parser() -> argparse.ArgumentParser:
    """All subcommands and their options."""
    parser = argparse.ArgumentParser(prog="archive", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    p = sub.add_parser("extract", help="print the record extracted from each file")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--json", action="store_true", help="one JSON object per line (default)")
    p.set_defaults(run=cmd_extract)

    p = sub.add_parser("ingest", help="extract raw files into the search index")
    p.add_argument(
        "paths", nargs="*", type=Path, default=[Path("raw")], help="files or folders (raw/)"
    )
    p.add_argument("--index", type=Path, default=DEFAULT_INDEX, help="index folder (index/)")
    p.add_argument(
        "--follow-links",
        action="store_true",
        help="follow symbolic links that lead outside the folders given (off: reported)",
    )
    p.add_argument("--prune", action="store_true", help="drop records whose files are gone")
    p.add_argument("--rebuild", action="store_true", help="start the index from scratch")
    p.add_argument("--wait", action="store_true", help="wait for another ingest to finish")
    p.add_argument("--workers", type=int, default=None, help="extraction processes")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(run=cmd_ingest)

    p = sub.add_parser("search", help="search the index from the command line")
    p.add_argument(
        "q",
        nargs="*",
        default=[],
        help='query: words, "phrases", field:value filters (-topic:drugs works; put -- '
        "before other words starting with -)",
    )
    add_filter_options(p)
    p.add_argument("--sort", default="relevance", help="relevance, newest or oldest")
    p.add_argument("--page", type=int, default=1)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_search)

    p = sub.add_parser("batch", help="count hits for each name or query in a list")
    p.add_argument(
        "file", help="one name or query per line, or a .csv (first column); - reads stdin"
    )
    add_filter_options(p)
    p.add_argument(
        "--as-written", action="store_true", help="do not search plain names as exact phrases"
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="one JSON object")
    out.add_argument("--csv", action="store_true", help="CSV on standard output")
    p.set_defaults(run=cmd_batch)

    p = sub.add_parser("compare", help="counts per year or month for up to 5 queries")
    p.add_argument("queries", nargs="+", help="each query in quotes, with its own filters")
    add_filter_options(p)
    p.add_argument("--unit", default="year", help="year or month")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="one JSON object")
    out.add_argument("--csv", action="store_true", help="CSV on standard output")
    p.set_defaults(run=cmd_compare)

    p = sub.add_parser("export", help="write every story for another system (OpenSearch)")
    p.add_argument("--index", type=Path, default=DEFAULT_INDEX, help="index folder (index/)")
    p.add_argument(
        "--format",
        choices=EXPORT_FORMATS,
        default="jsonl",
        help="opensearch-bulk: NDJSON for the _bulk API; jsonl: one story record per line",
    )
    p.add_argument("--target", default="archive", help="the OpenSearch index named in actions")
    p.add_argument("-o", "--output", type=Path, help="write to this file (default: stdout)")
    p.set_defaults(run=cmd_export)

    p = sub.add_parser("serve", help="serve the search UI over HTTP (waitress)")
    p.add_argument("--index", type=Path, default=DEFAULT_INDEX)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--threads", type=int, default=8, help="request threads")
    p.add_argument(
        "--base-url",
        default=os.environ.get("ARCHIVE_BASE_URL"),
        help="public address for links in feeds (default: the request's own host)",
    )
    p.set_defaults(run=cmd_serve)
    return parser


def cmd_extract(args) -> int:
    """Print one JSON record per file, in order; a failed file prints its error."""
    from archive.extract import capture_key, display_path
    from archive.ingest import Capture, extract_one, extract_web_archive, is_web_archive

    status = 0
    for path in map(Path, args.files):
        capture = Capture(path, capture_key(path))
        # A web archive prints one line per page; records passed over print nothing.
        outcomes = extract_web_archive(capture) if is_web_archive(capture) else [extract_one(path)]
        for outcome in outcomes:
            if isinstance(outcome, str):
                continue
            if outcome.error:
                status = 1
                shown = outcome.path if is_web_archive(capture) else display_path(path)
                print(json.dumps({"source_path": shown, "error": outcome.error}))
            else:
                print(json.dumps(outcome.article.as_dict(), ensure_ascii=False))
            sys.stdout.flush()
    return status


def cmd_ingest(args) -> int:
    """Bring the index up to date and print a summary with every skipped file."""
    from archive import settings
    from indexer.ingest import ingest
    from indexer.lock import IndexError_

    def progress(done: int, total: int) -> None:
        every = settings.PROGRESS_EVERY
        if total >= every and (done % every == 0 or done == total):
            print(f"\r  extracted {done}/{total}", end="", file=sys.stderr, flush=True)
            if done == total:
                print(file=sys.stderr)

    try:
        report = ingest(
            args.paths,
            args.index,
            prune=args.prune,
            rebuild=args.rebuild,
            wait=args.wait,
            workers=args.workers,
            progress=progress,
            follow_links=args.follow_links,
        )
    except IndexError_ as exc:
        print(f"archive ingest: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"archive ingest: cannot write the index in {args.index}: {exc}", file=sys.stderr)
        return 2
    except sqlite3.Error as exc:  # the state beside the index: nothing was committed
        print(
            f"archive ingest: cannot write the ingest state in {args.index}: {exc}; "
            "the index is as it was",
            file=sys.stderr,
        )
        return 2
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        print(
            f"{report.documents} stories from {report.records} records in {args.index} "
            f"({report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
            f"{report.removed} removed, {len(report.listings)} listing pages skipped) "
            f"in {report.seconds:.1f}s"
        )
        if report.archive_pages or report.archive_passed:
            passed = ", ".join(f"{n} {why}" for why, n in sorted(report.archive_passed.items()))
            print(
                f"  web archives: {report.archive_pages} HTML pages read; "
                f"records passed over: {passed or 'none'}"
            )
        for path in report.listings:
            print(f"  listing  {path}: a listing page, not a story")
        for path, reason in report.failed:
            print(f"  skipped  {path}: {reason}")
    return 1 if report.failed else 0


def add_filter_options(p: argparse.ArgumentParser) -> None:
    """--index and the search filters (one per facet of the registry), shared by search,
    batch, compare and export."""
    from indexer.registry import FACETS

    p.add_argument("--index", type=Path, default=DEFAULT_INDEX, help="index folder (index/)")
    for facet in FACETS:
        p.add_argument(
            f"--{facet.name}",
            action="append",
            default=[],
            help=f"keep stories with this {facet.label.lower()} (repeat for OR)",
        )
    p.add_argument("--from", dest="date_from", help="YYYY, YYYY-MM or YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", help="YYYY, YYYY-MM or YYYY-MM-DD")


def filter_params(args) -> dict[str, list[str]]:
    """The filter options given, as request parameters."""
    from indexer.registry import FACET_NAMES

    params = {name: getattr(args, name) for name in FACET_NAMES if getattr(args, name)}
    if args.date_from:
        params["from"] = [args.date_from]
    if args.date_to:
        params["to"] = [args.date_to]
    return params


def cmd_batch(args) -> int:
    """Count every line of a list; a table, CSV or JSON on standard output."""
    import csv

    from indexer.backend import open_backend
    from indexer.compare import as_phrase, batch_lines, run_batch, shared_filters
    from indexer.lock import IndexError_
    from indexer.query import RequestError

    try:
        raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
        text = raw.decode("utf-8-sig")
        if "\x00" in text:
            raise UnicodeDecodeError("utf-8", raw, 0, 1, "NUL byte")
        lines = batch_lines(text, is_csv=args.file.lower().endswith(".csv"))
        filters = shared_filters(filter_params(args), ())
        queries = lines if args.as_written else [as_phrase(line) for line in lines]
        with open_backend(args.index) as backend:
            rows = run_batch(backend, queries, filters)
    except OSError as exc:
        print(f"archive batch: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except UnicodeDecodeError:
        print(f"archive batch: {args.file} is not a UTF-8 text or CSV file", file=sys.stderr)
        return 2
    except (RequestError, IndexError_) as exc:
        print(f"archive batch: {exc}", file=sys.stderr)
        return 2
    fields = ("query", "total", "as_speaker", "first", "last", "error")
    if args.json:
        print(
            json.dumps(
                {"filters": filters, "rows": [r.as_dict() for r in rows]}, ensure_ascii=False
            )
        )
    elif args.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(fields)
        for row in rows:
            writer.writerow(["" if v is None else v for v in (getattr(row, f) for f in fields)])
    else:
        for row in rows:
            if row.error:
                print(f"{row.query}\terror: {row.error}")
                continue
            spoke = "-" if row.as_speaker is None else row.as_speaker
            span = f"{row.first or '-'} .. {row.last or '-'}"
            print(f"{row.total:>7}  {spoke!s:>7}  {span:<24}  {row.query}")
    return 1 if any(r.error for r in rows) else 0


def cmd_compare(args) -> int:
    """Counts per period for each query, side by side."""
    import csv

    from indexer.backend import open_backend
    from indexer.compare import compare, shared_filters
    from indexer.lock import IndexError_
    from indexer.query import RequestError

    try:
        filters = shared_filters(filter_params(args), ())
        with open_backend(args.index) as backend:
            result = compare(backend, args.queries, filters, args.unit)
    except (RequestError, IndexError_) as exc:
        print(f"archive compare: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False))
        return 0
    writer = csv.writer(sys.stdout, delimiter="," if args.csv else "\t")
    writer.writerow([args.unit, "all stories", *(s.query for s in result.series)])
    for i, period in enumerate(result.periods):
        writer.writerow([period, result.all_stories[i], *(s.counts[i] for s in result.series)])
    for s in result.series:
        if s.error:
            print(f"archive compare: {s.query}: {s.error}", file=sys.stderr)
    return 1 if any(s.error for s in result.series) else 0


def cmd_search(args) -> int:
    """Search and print hits with facet counts (or one JSON object)."""
    from indexer.backend import open_backend
    from indexer.lock import IndexError_
    from indexer.query import RequestError, parse_request

    params = {"q": [" ".join(args.q)], "sort": [args.sort], "page": [str(args.page)]}
    params.update(filter_params(args))
    try:
        with open_backend(args.index) as backend:
            result = backend.search(parse_request(params))
    except (RequestError, IndexError_) as exc:
        print(f"archive search: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(cli_json(result), ensure_ascii=False))
    else:
        print_result(result)
    return 0


def cli_json(result) -> dict:
    """The documented --json shape: the API's, with facets as plain lists of {value, count}."""
    out = result.as_dict()
    out["facets"] = {
        name: [{"value": v.value, "count": v.count} for v in f.values]
        for name, f in result.facets.items()
    }
    return out


def print_result(result) -> None:
    """Human-readable results for a terminal."""
    import re

    print(
        f"{result.total} results"
        + (f" (did you mean: {result.suggestion}?)" if result.suggestion else "")
    )
    for notice in result.notices:
        print(f"note: {notice}")
    for hit in result.hits:
        date = (hit.date or "undated")[:10]
        print(f"\n{hit.display_title}\n  {date} · {hit.source or ''} · {hit.source_path}")
        snippet = re.sub(r"<[^>]+>", "", hit.snippet).replace("\n", " ")
        who = f" — quote by {hit.quote_by}" if hit.quote_by else ""
        print(f"  {snippet[:240]}{who}")
    for facet in result.facets.values():
        if facet.values:
            values = ", ".join(f"{v.value} ({v.count})" for v in facet.values)
            print(f"\n{facet.label}: {values}")


EXPORT_FORMATS = ("jsonl", "opensearch-bulk")


def cmd_export(args) -> int:
    """Every story of the index, grouped as the index groups captures, as NDJSON."""
    import tempfile

    from indexer.backend import open_backend
    from indexer.lock import IndexError_
    from indexer.opensearch.documents import bulk_lines

    def lines(backend):
        if args.format == "opensearch-bulk":
            return bulk_lines(backend.stories(), args.target)
        return (json.dumps(s.as_dict(), ensure_ascii=False) for s in backend.stories())

    try:
        with open_backend(args.index) as backend:
            if args.output is None:
                for line in lines(backend):
                    sys.stdout.write(line + "\n")
                return 0
            # Written beside the target and renamed: a failed export leaves no half file.
            folder = args.output.resolve().parent
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", dir=folder, suffix=".part", delete=False
            ) as out:
                try:
                    count = 0
                    for line in lines(backend):
                        out.write(line + "\n")
                        count += 1
                except BaseException:
                    Path(out.name).unlink(missing_ok=True)
                    raise
            Path(out.name).replace(args.output)
    except IndexError_ as exc:
        print(f"archive export: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        raise  # `archive export | head`: main() ends quietly
    except OSError as exc:
        print(f"archive export: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    stories = count // 2 if args.format == "opensearch-bulk" else count
    print(f"archive export: {stories} stories written to {args.output}", file=sys.stderr)
    return 0


def cmd_serve(args) -> int:
    """Serve the web UI with waitress, a production WSGI server."""
    from waitress import serve

    from webui import create_app

    app = create_app({"INDEX_DIR": str(args.index), "BASE_URL": args.base_url})
    print(f"Serving the archive from {args.index} on http://{args.host}:{args.port}/", flush=True)
    serve(app, host=args.host, port=args.port, threads=args.threads, **WAITRESS)
    return 0


# waitress, set deliberately (#15: 150 clients sending headers byte by byte held every
# connection). A public deployment still belongs behind a reverse proxy (README).
WAITRESS = {
    "ident": "archive",
    # Idle sockets are closed after this many seconds (waitress's default is 120). Waitress
    # also counts a connection whose request waits in its queue as idle: at 10 s, 100 clients
    # during an ingest lost a request each, so it stays well above the queueing time.
    "channel_timeout": 60,
    # Open connections at once before new ones wait; select() allows about 1,000 sockets.
    "connection_limit": 500,
    # Requests are short GET URLs and small forms: larger headers or bodies are refused.
    "max_request_header_size": 64 * 1024,
    "max_request_body_size": 1024 * 1024,
    # How often idle connections are looked for, in seconds.
    "cleanup_interval": 10,
}


if __name__ == "__main__":
    sys.exit(main())
