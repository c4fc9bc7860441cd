"""Speed of the archive against SQLite FTS5 on the same records, in one run.

Usage:
    python bench/run.py                       # small: 2,000 captures, under a minute or two
    python bench/run.py --docs 10000 100000 --write-doc   # the full run, writes docs/PERFORMANCE.md
    python bench/run.py --docs 2000 --json    # one JSON object per size, to compare runs

Per size: ingest end to end from raw captures (docs/s, peak memory, index size), a re-run with
nothing changed, adding 20 new captures to the built archive, query latency p50/p95/p99
(plain, all facets, filtered, highlighted page, the rendered /search page through `archive
serve`), cold start, and the same queries on FTS5."""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from make_corpus import TOPIC_WORDS, write_corpus  # noqa: E402
from workload import KINDS, Query, make_workload  # noqa: E402
from workload import fts_faceted as fts_kind_faceted  # noqa: E402
from workload import fts_plain as fts_kind_plain  # noqa: E402

from indexer.backend import open_backend  # noqa: E402
from indexer.query import parse_request  # noqa: E402
from indexer.registry import FACET_NAMES, facet_values  # noqa: E402
from indexer.whoosh_backend import ranking  # noqa: E402 - to empty its caches between passes
from tests.helpers import running_server  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
# New captures added to the built archive, as a day's stories would be.
NEW_CAPTURES = 20


def percentiles(samples: list[float]) -> dict:
    """p50/p95/p99 in milliseconds."""
    ordered = sorted(samples)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]

    return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99)}


def timed(fn, args_list) -> dict:
    """Run fn over every argument, return latency percentiles in ms."""
    samples = []
    for args in args_list:
        started = time.perf_counter()
        fn(*args)
        samples.append(1000 * (time.perf_counter() - started))
    return percentiles(samples)


def make_queries(n: int, seed: int = 11) -> list[str]:
    """Deterministic queries: topic words and common words, one or two terms."""
    rng = random.Random(seed)
    words = sorted({w for ws in TOPIC_WORDS.values() for w in ws.split() if w.isalpha()})
    common = ["government", "ministry", "officials", "province", "report", "community", "policy"]
    out = []
    for _ in range(n):
        if rng.random() < 0.5:
            out.append(rng.choice(words))
        else:
            out.append(f"{rng.choice(words)} {rng.choice(words + common)}")
    return out


def run_cli(*args: str) -> tuple[float, str]:
    """Run `archive ...` in a child process; (seconds, stdout)."""
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "archive_cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if proc.returncode not in (0, 1):
        raise RuntimeError(proc.stderr[-2000:])
    return time.perf_counter() - started, proc.stdout


def folder_mb(path: Path) -> float:
    """Size of a folder in MB."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def build_fts5(index_dir: Path, db_path: Path) -> tuple[sqlite3.Connection, float]:
    """The peer: the same records in SQLite FTS5, facet values in an indexed side table."""
    db_path.unlink(missing_ok=True)
    started = time.perf_counter()
    conn = sqlite3.connect(db_path)
    conn.executescript("""
        create virtual table docs using fts5(title, body, quotes, tokenize='porter unicode61');
        create table meta (docid integer primary key, day integer);
        create table facet (docid integer, name text, value text);
    """)
    state = sqlite3.connect(index_dir / "state.sqlite")
    for rowid, (js,) in enumerate(state.execute("select json from records"), 1):
        rec = json.loads(js)
        quotes = "\n".join(q["text"] for q in rec.get("quotes", []))
        conn.execute(
            "insert into docs(rowid, title, body, quotes) values (?, ?, ?, ?)",
            (rowid, rec.get("title") or "", rec["body"], quotes),
        )
        day = int(rec["date"][:10].replace("-", "")) if rec.get("date") else 0
        conn.execute("insert into meta values (?, ?)", (rowid, day))
        values = facet_values({**rec, "captures": [{"source": rec.get("source")}]})
        conn.executemany(
            "insert into facet values (?, ?, ?)",
            [(rowid, name, v) for name, vs in values.items() for v in vs],
        )
    conn.executescript("""
        create index facet_name_value on facet(name, value, docid);
        create index facet_doc on facet(docid, name);
        create index meta_day on meta(day, docid);
    """)
    conn.commit()
    state.close()
    return conn, time.perf_counter() - started


def fts_query(text: str) -> str:
    """FTS5 MATCH expression with every word required, like ours."""
    return " AND ".join(f'"{w}"' for w in text.split())


def fts_plain(conn, q: str) -> None:
    conn.execute(
        "select rowid from docs where docs match ? order by rank limit 10", (fts_query(q),)
    ).fetchall()
    conn.execute("select count(*) from docs where docs match ?", (fts_query(q),)).fetchone()


def fts_faceted(conn, q: str) -> None:
    fts_plain(conn, q)
    conn.execute("create temp table if not exists hits (docid integer primary key)")
    conn.execute("delete from hits")
    conn.execute("insert into hits select rowid from docs where docs match ?", (fts_query(q),))
    for name in FACET_NAMES:
        conn.execute(
            "select value, count(*) from facet join hits using (docid) where name = ? "
            "group by value order by 2 desc limit 11",
            (name,),
        ).fetchall()


def fts_filtered(conn, q: str, speaker: str) -> None:
    conn.execute(
        "select d.rowid from docs d join meta m on m.docid = d.rowid where docs match ? "
        "and m.day between 20100101 and 20201231 and d.rowid in "
        "(select docid from facet where name = 'speaker' and value = ?) order by rank limit 10",
        (fts_query(q), speaker),
    ).fetchall()


def serve_and_measure(index_dir: Path, queries: list[str | Query]) -> dict:
    """Rendered /search pages through `archive serve` (waitress), and the server's peak RSS."""
    with running_server(index_dir, wait_seconds=300) as (base, proc):

        def fetch(q):
            params = q.params() if isinstance(q, Query) else {"q": [q]}
            url = base + "/search?" + urllib.parse.urlencode(params, doseq=True)
            with urllib.request.urlopen(url, timeout=60) as response:
                response.read()

        latency = timed(fetch, [(q,) for q in queries])
        status = Path(f"/proc/{proc.pid}/status").read_text()
        rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
    return {"latency": latency, "rss_mb": rss / 1024}


# Queries run before a workload pass (other queries of the same kinds), as a server has run
# some before any given one; and how many queries a new process answers in the cold run.
WARM_UP = 50
COLD_QUERIES = 50


def load_records(index_dir: Path) -> list[dict]:
    """The extracted records the index was built from (the state database)."""
    state = sqlite3.connect(index_dir / "state.sqlite")
    records = [json.loads(js) for (js,) in state.execute("select json from records")]
    state.close()
    return records


def by_kind(workload: list[Query], samples: list[float]) -> dict:
    """Percentiles per kind of query, and over all."""
    out = {"all": percentiles(samples)}
    for kind in KINDS:
        picked = [ms for q, ms in zip(workload, samples, strict=True) if q.kind == kind]
        if picked:
            out[kind] = percentiles(picked)
    return out


def run_once(fn, workload: list[Query]) -> list[float]:
    """Each query once, in order; milliseconds each."""
    samples = []
    for query in workload:
        started = time.perf_counter()
        fn(query)
        samples.append(1000 * (time.perf_counter() - started))
    return samples


def measure_workload(index_dir: Path, fts_path: Path, workload, warm) -> dict:
    """The workload once per engine and mode: our caches emptied and a fresh searcher (a
    new FTS5 connection) per pass, each pass after the warm-up queries."""
    backend = open_backend(index_dir)
    out = {}
    for mode, facets in (("plain", False), ("faceted", True)):
        ranking.forget_all()
        backend.close()  # the next search opens a fresh searcher

        def ours(query, f=facets):
            backend.search(parse_request(query.params()), facets=f, snippets=False)

        run_once(ours, warm)
        out[f"work_{mode}"] = by_kind(workload, run_once(ours, workload))
        backend.close()
        conn = sqlite3.connect(fts_path)
        peer = fts_kind_faceted if facets else fts_kind_plain
        run_once(lambda q, c=conn, p=peer: p(c, q), warm)
        out[f"fts5_work_{mode}"] = by_kind(
            workload, run_once(lambda q, c=conn, p=peer: p(c, q), workload)
        )
        conn.close()
    return out


COLD_CODE = """
import json, sqlite3, sys, time
sys.path[:0] = [sys.argv[3], sys.argv[3] + "/bench"]
from workload import Query, fts_plain
queries = [Query(**q) for q in json.load(sys.stdin)]
samples = []
if sys.argv[1] == "ours":
    from indexer.backend import open_backend
    from indexer.query import parse_request
    backend = open_backend(sys.argv[2])
    for q in queries:
        t = time.perf_counter()
        backend.search(parse_request(q.params()), facets=False, snippets=False)
        samples.append(1000 * (time.perf_counter() - t))
else:
    conn = sqlite3.connect(sys.argv[2])
    for q in queries:
        t = time.perf_counter()
        fts_plain(conn, q)
        samples.append(1000 * (time.perf_counter() - t))
print(json.dumps(samples))
"""


def cold_run(engine: str, path: Path, workload: list[Query]) -> dict:
    """The first COLD_QUERIES queries in a new process (the OS file cache as it is)."""
    queries = [
        {
            "kind": q.kind,
            "q": q.q,
            "speaker": q.speaker,
            "date_from": q.date_from,
            "date_to": q.date_to,
        }
        for q in workload[:COLD_QUERIES]
    ]
    out = subprocess.run(
        [sys.executable, "-c", COLD_CODE, engine, str(path), str(ROOT)],
        input=json.dumps(queries),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout
    return percentiles(json.loads(out))


def cold_start(index_dir: Path, q: str) -> dict:
    """A new process: open the index and answer the first faceted query."""
    code = (
        "import time,sys; t=time.perf_counter();"
        "from indexer.backend import open_backend; from indexer.query import parse_request;"
        "t1=time.perf_counter();"
        f"open_backend(sys.argv[1]).search(parse_request({{'q':[{q!r}]}}));"
        "t2=time.perf_counter(); print((t2-t1)*1000, (t2-t)*1000)"
    )
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code, str(index_dir)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout.split()
    return {
        "open_and_first_query_ms": float(out[0]),
        "with_imports_ms": float(out[1]),
        "process_ms": 1000 * (time.perf_counter() - started),
    }


def add_new(index_dir: Path) -> tuple[float, float]:
    """Seconds and peak memory to add NEW_CAPTURES new captures to the archive (the daily
    case), last, so that the other figures see the corpus as built."""
    with tempfile.TemporaryDirectory() as folder:
        write_corpus(NEW_CAPTURES, Path(folder), seed=99)
        # RUSAGE_CHILDREN keeps the largest child so far: measure in a child of our own.
        code = (
            "import resource, subprocess, sys, time; t = time.perf_counter(); "
            "subprocess.run(sys.argv[1:], check=True, capture_output=True); "
            "print(time.perf_counter() - t, "
            "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)"
        )
        out = subprocess.run(
            [sys.executable, "-c", code, sys.executable, "-m", "archive_cli", "ingest", folder]
            + ["--index", str(index_dir)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        ).stdout.split()
    return float(out[0]), float(out[1])


# Rendered pages fetched through waitress, from the workload (each a distinct query).
SERVED_QUERIES = 300


def measure(n: int, n_queries: int, n_workload: int = 1000) -> dict:
    """Every figure for one corpus size."""
    corpus = CACHE / f"corpus-{n}"
    if not (corpus / ".complete").exists():
        shutil.rmtree(corpus, ignore_errors=True)
        write_corpus(n, corpus)
        (corpus / ".complete").touch()
    index_dir = CACHE / f"index-{n}"
    shutil.rmtree(index_dir, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    seconds, out = run_cli("ingest", str(corpus), "--index", str(index_dir), "--json")
    peak_mb = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    report = json.loads(out)
    reingest_s, _ = run_cli("ingest", str(corpus), "--index", str(index_dir), "--json")
    fts, fts_build_s = build_fts5(index_dir, CACHE / f"fts-{n}.sqlite")

    queries = make_queries(n_queries)
    rng = random.Random(5)
    backend = open_backend(index_dir)
    overview = backend.search(parse_request({"more": ["speaker"]}))
    speakers = [v.value for v in overview.facets["speaker"].values]
    filtered = [(q, rng.choice(speakers)) for q in queries]

    def ours(q, facets=True, snippets=False, extra=None):
        request = parse_request({"q": [q], **(extra or {})})
        backend.search(request, facets=facets, snippets=snippets)

    for q in queries[:20]:  # warm caches on both sides, as a running server would have them
        ours(q)
        fts_faceted(fts, q)
    result = {
        "docs": n,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "ingest_seconds": seconds,
        "ingest_docs_per_s": n / seconds,
        "ingest_phases": report.get("phases", {}),
        "ingest_peak_mb": peak_mb,
        "reingest_s": reingest_s,
        "index_mb": folder_mb(index_dir / "whoosh"),
        "fts5_build_s": fts_build_s,
        "fts5_mb": (CACHE / f"fts-{n}.sqlite").stat().st_size / 1e6,
        "plain": timed(lambda q: ours(q, facets=False), [(q,) for q in queries]),
        "fts5_plain": timed(lambda q: fts_plain(fts, q), [(q,) for q in queries]),
        "faceted": timed(ours, [(q,) for q in queries]),
        "fts5_faceted": timed(lambda q: fts_faceted(fts, q), [(q,) for q in queries]),
        "filtered": timed(
            lambda q, s: ours(q, extra={"speaker": [s], "from": ["2010"], "to": ["2020"]}), filtered
        ),
        "fts5_filtered": timed(lambda q, s: fts_filtered(fts, q, s), filtered),
        "highlighted": timed(lambda q: ours(q, snippets=True), [(q,) for q in queries]),
    }
    backend.close()
    fts.close()
    records = load_records(index_dir)
    workload = make_workload(records, n_workload)
    chosen = set(workload)
    warm = [q for q in make_workload(records, WARM_UP * 2, seed=99) if q not in chosen][:WARM_UP]
    result["workload_queries"] = len(workload)
    result["workload_kinds"] = {k: sum(q.kind == k for q in workload) for k in KINDS}
    result.update(measure_workload(index_dir, CACHE / f"fts-{n}.sqlite", workload, warm))
    result["cold_ours"] = cold_run("ours", index_dir, workload)
    result["cold_fts5"] = cold_run("fts5", CACHE / f"fts-{n}.sqlite", workload)
    for mode in ("plain", "faceted"):
        for kind, figures in result[f"work_{mode}"].items():
            key = kind.replace(" + ", "_").replace(" ", "_")
            result[f"p95_{mode}_{key}_ms"] = figures["p95"]
            result[f"fts5_p95_{mode}_{key}_ms"] = result[f"fts5_work_{mode}"][kind]["p95"]
    served = serve_and_measure(index_dir, workload[:SERVED_QUERIES])
    result["served_page"] = served["latency"]
    result["serve_rss_mb"] = served["rss_mb"]
    result["cold_start"] = cold_start(index_dir, queries[0])
    result["add_new_s"], result["add_new_peak_mb"] = add_new(index_dir)
    result.update(
        {
            "plain_p95_ms": result["plain"]["p95"],
            "fts5_plain_p95_ms": result["fts5_plain"]["p95"],
            "faceted_p95_ms": result["faceted"]["p95"],
            "fts5_faceted_p95_ms": result["fts5_faceted"]["p95"],
        }
    )
    return result


def table(results: list[dict]) -> str:
    """Markdown tables of the figures, ours beside FTS5 with the ratio."""
    lines = [
        "| measure | " + " | ".join(f"{r['docs']:,} docs" for r in results) + " |",
        "|---|" + "---|" * len(results),
    ]

    def row(label, fn):
        lines.append(f"| {label} | " + " | ".join(fn(r) for r in results) + " |")

    row(
        "ingest, raw files to committed index",
        lambda r: f"{r['ingest_docs_per_s']:.0f} docs/s ({r['ingest_seconds']:.0f} s)",
    )
    row(
        "ingest phases: extract / index (s)",
        lambda r: (
            f"{r['ingest_phases'].get('extract', 0):.0f} / {r['ingest_phases'].get('index', 0):.0f}"
        ),
    )
    row("ingest peak memory (largest process)", lambda r: f"{r['ingest_peak_mb']:.0f} MB")
    row("re-run with nothing changed", lambda r: f"{r['reingest_s']:.1f} s")
    row(
        f"add {NEW_CAPTURES} new captures to the archive (peak memory)",
        lambda r: f"{r['add_new_s']:.1f} s ({r['add_new_peak_mb']:.0f} MB)",
    )
    row("index size (Whoosh / FTS5)", lambda r: f"{r['index_mb']:.0f} / {r['fts5_mb']:.0f} MB")
    for key, label in (
        ("plain", "plain top-10"),
        ("faceted", "top-10 + 8 facet counts"),
        ("filtered", "speaker + year range, with facets"),
    ):
        row(
            f"{label}: ours p50/p95/p99 ms",
            lambda r, k=key: "{p50:.1f} / {p95:.1f} / {p99:.1f}".format(**r[k]),
        )
        row(
            f"{label}: FTS5 p50/p95/p99 ms",
            lambda r, k=key: "{p50:.1f} / {p95:.1f} / {p99:.1f}".format(**r["fts5_" + k]),
        )
        row(
            f"{label}: p95 ratio ours/FTS5",
            lambda r, k=key: f"{r[k]['p95'] / max(r['fts5_' + k]['p95'], 1e-9):.2f}",
        )
    row(
        "highlighted page with facets p50/p95/p99 ms",
        lambda r: "{p50:.1f} / {p95:.1f} / {p99:.1f}".format(**r["highlighted"]),
    )
    row(
        "rendered /search via waitress p50/p95/p99 ms",
        lambda r: "{p50:.1f} / {p95:.1f} / {p99:.1f}".format(**r["served_page"]),
    )
    row("server peak RSS", lambda r: f"{r['serve_rss_mb']:.0f} MB")
    row("workload: distinct queries from the records", lambda r: str(r["workload_queries"]))
    for kind in ("all", *KINDS):
        for mode, label in (("plain", "top-10 + total"), ("faceted", "+ 8 facets")):

            def cell(r, k=kind, m=mode):
                ours, peer = r[f"work_{m}"].get(k), r[f"fts5_work_{m}"].get(k)
                if not ours:
                    return "-"
                return (
                    f"{ours['p50']:.1f} / {ours['p95']:.1f} / {ours['p99']:.1f} vs "
                    f"{peer['p50']:.1f} / {peer['p95']:.1f} / {peer['p99']:.1f} "
                    f"(p95 x{ours['p95'] / max(peer['p95'], 1e-9):.2f})"
                )

            row(f"workload {kind}, {label}: ours vs FTS5 p50/p95/p99 ms", cell)
    row(
        f"cold: first {COLD_QUERIES} workload queries in a new process, p50/p95 ms",
        lambda r: (
            f"ours {r['cold_ours']['p50']:.1f} / {r['cold_ours']['p95']:.1f}, "
            f"FTS5 {r['cold_fts5']['p50']:.1f} / {r['cold_fts5']['p95']:.1f}"
        ),
    )
    row(
        "cold start: open + first faceted query",
        lambda r: (
            f"{r['cold_start']['open_and_first_query_ms']:.0f} ms "
            f"({r['cold_start']['process_ms']:.0f} ms whole process)"
        ),
    )
    return "\n".join(lines)


def write_doc(results: list[dict], command: str) -> None:
    """docs/PERFORMANCE.md with the machine, the command and the tables."""
    doc = ROOT / "docs" / "PERFORMANCE.md"
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    doc.write_text(
        "# Performance\n\n"
        f"Machine: {results[0]['machine']}, {memory_gib:.0f} GiB.\n"
        f"Command: `{command}` (synthetic captures from `bench/make_corpus.py`: Post-like "
        "text and HTML pages with chrome, 300-1,500 words, 1992-2025).\n"
        f"Queries: {results[0].get('workload_queries', '')} distinct queries generated from the "
        f"indexed records (below), and the old warm workload of {results[0].get('queries', '')} "
        "one- and two-word queries; FTS5 is SQLite's full-text index on the same extracted "
        "records in the same run, facet counts by GROUP BY over an indexed (name, value, docid) "
        "table.\n\n" + table(results) + "\n\n" + "\n".join(targets(r) for r in results) + NOTES,
        encoding="utf-8",
    )


NOTES = """
## How to read these figures

- The workload (`bench/workload.py`, issue 12) is 1,000 distinct queries generated from the
  indexed records with a fixed seed, in these shares: one word (ranks sampled uniformly over
  the document-frequency order, so rare words as often as common ones) 20%, two words of one
  story 14%, two adjacent words of a story as a phrase 14%, a person's full name in quotes
  16%, a word of a story with one of its speakers as filter 10%, a prefix of 4-6 letters 8%,
  two words joined by OR 8%, a word within a 1-3 year range 10%. Each pass (plain, then with
  facets; ours, then FTS5) starts with our caches emptied, a fresh searcher or a new SQLite
  connection, runs 50 other generated queries, then every workload query once. The OS file
  cache is warm (the corpus was just ingested). The cold row runs the first 50 queries in a
  new process.
- The old warm workload (200 queries over about 80 topic words, 20 warm-up queries) is kept
  as the "plain top-10 / top-10 + 8 facet counts / speaker + year range" rows.
- Our word, phrase, name, OR and prefix queries are ranked with BM25 in numpy. Each
  segment has a flat postings file beside Whoosh's (`indexer/whoosh_backend/flatpostings.py`,
  written by the segment writer): the search field's documents, weights and positions as
  plain arrays, so a term's postings and a phrase's positions are array slices read with
  one `pread` each, where Whoosh decompresses a block per 128 postings and unpickles each
  posting's positions. Posting arrays are kept per process (4,096 terms); a phrase first
  finds, per segment, the documents holding all its words (a mask over the segment or
  binary search, whichever costs less), then keeps those whose words stand side by side,
  reading positions for those documents only, and scores only what is left. A query that
  is one quoted phrase of plain words (`"kem sokha"`) is built without Whoosh's parser
  (`parse.plain_phrase`, checked equal to the parser's). Fuzzy words and other shapes go
  through Whoosh's matchers. Snippets run Whoosh's
  highlighter on tokens remembered per distinct word (`HighlightAnalyzer`); a result row
  without a snippet is read from a small uncompressed card column (`results.hit_card`),
  not from the stored record and body. FTS5 runs on
  SQLite's page cache.
- FTS5 facet counts: the matches go into a temporary table, then one GROUP BY per facet over
  an index on (facet, value, docid). Ours: boolean masks over per-segment arrays and
  `numpy.bincount`, every facet counted as if its own selection were lifted.
- Ingest runs two phases on the two cores: extraction in two worker processes, then two
  forked processes that each write one Whoosh segment from the records they inherit
  (`indexer/whoosh_backend/writer.py`: terms computed once per distinct word, postings
  pooled per term), committed together. Peak memory is the largest single process (a
  forked writer's resident size includes the pages it shares with the parent). The files
  found, the extracted records and their duplicate keys wait in a scratch SQLite file until
  the commit, and grouping and the state's update run in SQL from it, so no process holds
  anything per capture; how the peak grows with the archive is measured by
  `bench/ingest_memory.py` (docs/INGEST-MEMORY.md).
- The rendered page and the server's memory are measured through `archive serve` (waitress,
  8 threads) over loopback, one request at a time.
- Adding new captures (generated with another seed) is the daily case: the ingest regroups
  only the records its changes can reach (through the URL and MinHash band keys kept in the
  state database), so it does not read the archive's records.
"""


def ratio(r: dict, mode: str, kind: str) -> float:
    """Our workload p95 over FTS5's for one mode and kind of query."""
    return r[f"work_{mode}"][kind]["p95"] / max(r[f"fts5_work_{mode}"][kind]["p95"], 1e-9)


def targets(r: dict) -> str:
    """The issue's targets against this run's largest size."""
    rows = [
        (
            f"workload {kind} p95 / FTS5's, {mode}",
            f"{ratio(r, mode, kind):.2f}",
            "<= 1.0",
            r[f"work_{mode}"][kind]["p95"] <= r[f"fts5_work_{mode}"][kind]["p95"],
        )
        for kind in r.get("work_plain", {})
        for mode in ("plain", "faceted")
    ] + [
        (
            "rendered /search page p95 (workload)",
            f"{r['served_page']['p95']:.0f} ms",
            "<= 150 ms",
            r["served_page"]["p95"] <= 150,
        ),
        (
            "ingest peak memory (largest process)",
            f"{r['ingest_peak_mb']:.0f} MB",
            "<= 4096 MB (growth in N: bench/ingest_memory.py)",
            r["ingest_peak_mb"] <= 4096,
        ),
        (
            "faceted query p95 / FTS5's (old warm workload)",
            f"{r['faceted_p95_ms'] / r['fts5_faceted_p95_ms']:.2f}",
            "<= 1.0",
            r["faceted_p95_ms"] <= r["fts5_faceted_p95_ms"],
        ),
        (
            "plain query p95 / FTS5's (old warm workload)",
            f"{r['plain_p95_ms'] / r['fts5_plain_p95_ms']:.2f}",
            "<= 2.0 (aim 1.0)",
            r["plain_p95_ms"] <= 2 * r["fts5_plain_p95_ms"],
        ),
        ("ingest docs/s", f"{r['ingest_docs_per_s']:.0f}", ">= 250", r["ingest_docs_per_s"] >= 250),
        (
            "re-run with nothing changed",
            f"{r['reingest_s']:.1f} s",
            "<= 30 s",
            r["reingest_s"] <= 30,
        ),
        (
            "server resident memory",
            f"{r['serve_rss_mb']:.0f} MB",
            "<= 1024 MB",
            r["serve_rss_mb"] <= 1024,
        ),
    ]
    lines = [
        f"## Targets at {r['docs']:,} documents\n",
        "| target | measured | goal | met |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {name} | {got} | {goal} | {'yes' if ok else 'no'} |" for name, got, goal, ok in rows
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[2000])
    parser.add_argument("--queries", type=int, default=200, help="the old warm workload")
    parser.add_argument(
        "--workload", type=int, default=1000, help="distinct queries drawn from the records"
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--write-doc", action="store_true")
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    results = []
    for n in args.docs:
        result = measure(n, args.queries, args.workload)
        result["queries"] = args.queries
        results.append(result)
        if args.json:
            print(json.dumps(result), flush=True)
    if not args.json:
        print(table(results))
    if args.write_doc:
        write_doc(results, "python bench/run.py " + " ".join(sys.argv[1:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
