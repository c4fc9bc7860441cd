"""The JSON answers of the web API for a fixed set of requests are byte-identical to the ones
recorded before the search-backend seam was introduced (#13): moving code behind the seam must
not change a single count, score, snippet or key. Run this file as a script to re-record
(only when an answer is meant to change, and say why in the commit)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden" / "api_answers.json"

# Every form of request the API answers: words, phrases, names, patterns, boolean forms,
# typed filters, facet selections, ranges, sorting, paging, "more", empty and failing queries.
SEARCHES = [
    "",
    "q=trafficking",
    "q=Hun+Sen",
    "q=%22Hun+Sen%22",
    "q=%22kheng+gov%22",
    "q=land+OR+drugs",
    "q=traf*",
    "q=traficking",
    "q=drug+-blacklist",
    "q=said+-kheng",
    "q=human+rights&sort=newest",
    "q=human+rights&sort=oldest",
    "q=said&page=2",
    "q=said&more=topic&more=org",
    "speaker=Sar+Kheng",
    "q=said&speaker=Sar+Kheng&speaker=Hun+Manet",
    "q=said&topic=drugs",
    "q=speaker:%22Sar+Kheng%22+trafficking",
    "q=-topic:drugs",
    "q=date:2016..2022",
    "q=year:2024",
    "q=year:2016+OR+year:2022",
    "q=person:%22hun+sen%22",
    "q=title:justice",
    "q=said&from=2016&to=2022-06",
    "q=said&from=2023-01-01",
    "q=nothingmatcheszzz&topic=drugs",
    "q=trafficking&topic=drugs&from=2024",
    "q=%28unbalanced",
    "q=kheng~2",
    "type=report",
    "q=ministry&source=Phnom+Penh+Post",
    "q=said&page=0",
    "q=said&sort=bogus",
    "q=said&from=2016-13",
    "q=ministry&source=Khmer+Times&source=Phnom+Penh+Post&sort=newest",
]
OTHER = [
    "/export.json?q=said",
    "/export.json?q=said&sort=oldest",
    "/compare.json?q=trafficking&q=drugs",
    "/compare.json?q=said&q=%22Hun+Sen%22&unit=month&measure=share",
]
BATCH = ["Hun Sen\nSar Kheng\nKem Sokha\ntrafficking", "drug\nland"]


def answers(client) -> dict[str, str]:
    """The status and exact body of every recorded request, keyed by the request."""
    out = {}

    def keep(key: str, response) -> None:
        # Read at once: a streamed export must finish before the next request starts.
        out[key] = f"{response.status_code} {response.get_data(as_text=True)}"

    for args in SEARCHES:
        keep("/api/search?" + args, client.get("/api/search?" + args))
    for url in OTHER:
        keep(url, client.get(url))
    for text in BATCH:
        keep("POST /api/batch " + text, client.post("/api/batch", data={"q": text}))
    return out


def test_answers_are_byte_identical(client):
    recorded = json.loads(GOLDEN.read_text(encoding="utf-8"))
    now = answers(client)
    assert list(now) == list(recorded)
    for key, body in recorded.items():
        if now[key] != body:  # show what differs, parsed, before failing on the bytes
            assert json.loads(now[key].split(" ", 1)[1]) == json.loads(body.split(" ", 1)[1]), key
        assert now[key] == body, key


if __name__ == "__main__":
    # Re-record: python tests/test_api_golden.py (builds the same index the tests build).
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from conftest import CAPTURES, RAW  # noqa: E402

    from indexer.ingest import ingest  # noqa: E402
    from webui import create_app  # noqa: E402

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        import shutil

        shutil.copytree(RAW, tmp / "raw")
        shutil.copytree(CAPTURES, tmp / "captures", ignore=shutil.ignore_patterns("*.expect.json"))
        ingest([tmp / "raw", tmp / "captures"], tmp / "index")
        app = create_app(
            {"TESTING": True, "INDEX_DIR": str(tmp / "index"), "SAVED_DB": str(tmp / "s.db")}
        )
        body = json.dumps(answers(app.test_client()), ensure_ascii=False, indent=1)
        GOLDEN.write_text(body + "\n", encoding="utf-8")
        print(f"recorded {GOLDEN}")
