"""The five seed documents give the records a reader expects: metadata right, chrome gone,
every body paragraph kept."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from archive.extract import extract_file

RAW = Path(__file__).resolve().parents[1] / "raw"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"

EXPECTED = {
    "ppp-2024-hun-manet-drug-users-blacklist.txt": {
        "title": None,
        "date": None,
        "reporters": [],
        "page_type": "article",
        "source": "Phnom Penh Post",
        "speakers": ["Hun Manet", "Am Sam Ath", "Yong Kim Eng"],
        "seed": "000_626dda9fda53aecf.txt",
    },
    "ppp-2016-12-14-officials-enabling-traffickers-says-kheng.txt": {
        "title": "Gov’t officials enabling traffickers, says Kheng",
        "date": "2016-12-14T06:07:00+07:00",
        "reporters": ["Mech Dara"],
        "section": "National",
        "page_type": "article",
        "source": "Phnom Penh Post",
        "captions": [
            "Sar Kheng, deputy prime minister and minister of the interior, at a press "
            "conference in 2013."
        ],
        "speakers": ["Sar Kheng", "Keo Thea", "Yim Sovann", "Am Sam Ath"],
        "seed": "001_a40fde71a07340c4.txt",
    },
    "ppp-2022-hun-sen-meets-un-rapporteur-vitit.txt": {
        "title": None,
        "date": None,
        "reporters": [],
        "page_type": "article",
        "speakers": ["Hun Sen", "Yang Kim Eng", "Kin Phea"],
        "seed": "002_c475f7a0da365aec.txt",
    },
    "ppp-2023-justice-ministry-dismissive-of-persecution-claims.txt": {
        "title": "Justice ministry dismissive of activist ‘persecution’ claims",
        "date": None,
        "reporters": [],
        "page_type": "article",
        "source": "Phnom Penh Post",
        "speakers": ["Chin Malin"],
        "seed": "003_be87b8d704f2eaf1.txt",
    },
    "cambodia-mission-geneva-2021-human-rights-situationer-ii.txt": {
        "title": "Cambodia Human Rights Situationer II",
        "date": "2021-02-09",
        "reporters": [],
        "page_type": "report",
        "source": "Permanent Mission of the Kingdom of Cambodia to the United Nations Office at "
        "Geneva",
        "speakers": ["António Guterres"],
        "seed": "004_4fbd9dd049e4e064.txt",
    },
}
# Chrome lines of the seeds that must never reach a body.
CHROME = [
    "| Phnom Penh Post",
    "Logo of Phnom Penh Post",
    "Content image",
    "Publication date",
    "Reporter :",
    "More Topic",
    "MOST VIEWED",
    "Hong Kong firm done buying Coke",
    "Bokator",
    "Contact PhnomPenh Post",
    "Post Media Co Ltd",
    "Elements Condominium",
    "Telegram: 092",
    "[email",
    "Sangkat Chak Angre",
    "TABLE OF CONTENT",
]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_seed_record_metadata(name):
    record = extract_file(RAW / name).as_dict()
    for key, value in EXPECTED[name].items():
        if key != "seed":
            assert record[key] == value, key


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_seed_body_has_no_chrome(name):
    body = extract_file(RAW / name).body
    for line in CHROME:
        assert line not in body


# First and last story paragraph of each seed: everything between them is story text.
STORY_SPAN = {
    "ppp-2024-hun-manet-drug-users-blacklist.txt": ("Prime Minister Hun Manet", "“It is very"),
    "ppp-2016-12-14-officials-enabling-traffickers-says-kheng.txt": (
        "Interior Minister",
        "“We want",
    ),
    "ppp-2022-hun-sen-meets-un-rapporteur-vitit.txt": ("Prime Minister Hun Sen", "“Both sides"),
    "ppp-2023-justice-ministry-dismissive-of-persecution-claims.txt": (
        "A ministry of",
        "“It is not",
    ),
    "cambodia-mission-geneva-2021-human-rights-situationer-ii.txt": (
        "While Secretary",
        "Pro-bono legal aid",
    ),
}


@pytest.mark.parametrize("name", sorted(STORY_SPAN))
def test_seed_body_keeps_every_paragraph(name):
    first, last = STORY_SPAN[name]
    paragraphs = [p.strip() for p in (RAW / name).read_text(encoding="utf-8").split("\n\n")]
    paragraphs = [p for p in paragraphs if p]
    start = next(i for i, p in enumerate(paragraphs) if p.startswith(first))
    end = max(i for i, p in enumerate(paragraphs) if p.startswith(last))
    body = extract_file(RAW / name).body
    missing = [p[:60] for p in paragraphs[start : end + 1] if p not in body]
    assert not missing


def test_raw_copies_are_the_seeds():
    if not SEEDS.exists():
        pytest.skip("shared seeds not present")
    for name, expected in EXPECTED.items():
        assert (RAW / name).read_bytes() == (SEEDS / expected["seed"]).read_bytes()


def test_report_keeps_heading_structure():
    record = extract_file(RAW / "cambodia-mission-geneva-2021-human-rights-situationer-ii.txt")
    titles = [s.title for s in record.sections]
    assert titles[:3] == [
        "Executive Summary",
        "I. Introduction",
        "II. Engagements with the UN Human Rights Mechanisms",
    ]
    assert "7. Rights of Persons with Disability" in titles
    for section in record.sections:
        assert record.body[section.offset :].startswith(section.title)


def test_cli_extract_json_lines_in_order_and_exit_status(tmp_path):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    files = [
        RAW / "ppp-2016-12-14-officials-enabling-traffickers-says-kheng.txt",
        bad,
        RAW / "ppp-2024-hun-manet-drug-users-blacklist.txt",
    ]
    run = subprocess.run(
        [sys.executable, "-m", "archive_cli", "extract", "--json", *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert run.returncode == 1
    assert [line.get("error") for line in lines] == [None, "empty file", None]
    assert lines[0]["reporters"] == ["Mech Dara"]
    required = {
        "source_path",
        "id",
        "url",
        "source",
        "section",
        "page_type",
        "title",
        "date",
        "date_inferred",
        "reporters",
        "body",
        "captions",
        "language",
        "people",
        "organisations",
        "speakers",
        "quotes",
        "topics",
    }
    assert required <= set(lines[0])
    assert lines[1]["source_path"].endswith("empty.txt")
