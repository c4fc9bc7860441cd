"""Captures in the layouts the archive meets, each with its expected record, and a score floor
over the whole set that fails when extraction regresses."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from archive.extract import extract_file

CAPTURES = Path(__file__).resolve().parent / "fixtures" / "captures"
FIELDS = (
    "title",
    "date",
    "reporters",
    "section",
    "page_type",
    "source",
    "captions",
    "url",
    "language",
)
# Share of expected fields, kept phrases and removed chrome that must come out right.
SCORE_FLOOR = 1.0


def cases() -> list[tuple[Path, dict]]:
    """(capture, expectation) pairs."""
    out = []
    for expect in sorted(CAPTURES.glob("*.expect.json")):
        stem = expect.name[: -len(".expect.json")]
        source = next(p for p in CAPTURES.glob(stem + ".*") if not p.name.endswith(".json"))
        out.append((source, json.loads(expect.read_text(encoding="utf-8"))))
    return out


def check(source: Path, expected: dict) -> tuple[int, list[str]]:
    """(checks made, failures) for one capture."""
    record = extract_file(source).as_dict()
    failures, checks = [], 0
    for key in FIELDS:
        if key in expected:
            checks += 1
            if record[key] != expected[key]:
                failures.append(f"{key}: {record[key]!r}")
    for phrase in expected.get("must_have", []):
        checks += 1
        if phrase not in record["body"]:
            failures.append(f"lost: {phrase[:50]}")
    for phrase in expected.get("must_not", []):
        checks += 1
        if phrase in record["body"]:
            failures.append(f"chrome left: {phrase}")
    if "paragraphs" in expected:
        checks += 1
        if len(record["body"].split("\n\n")) != expected["paragraphs"]:
            failures.append("paragraphs were split or merged")
    return checks, failures


@pytest.mark.parametrize("source,expected", cases(), ids=lambda c: getattr(c, "name", ""))
def test_layout_capture_gives_expected_record(source, expected):
    assert check(source, expected)[1] == []


def test_layout_score_floor():
    total = failed = 0
    for source, expected in cases():
        checks, failures = check(source, expected)
        total += checks
        failed += len(failures)
    assert total >= 80
    assert (total - failed) / total >= SCORE_FLOOR


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16", "utf-8-sig", "latin-1"])
def test_text_in_other_encodings_reads_the_same(tmp_path, encoding):
    original = (CAPTURES / "ppp-2017-night-market.txt").read_text(encoding="utf-8")
    original = original.replace("Chea Srey Mom", "Chéa Srey Mom")
    path = tmp_path / "night-market.txt"
    data = original.encode(encoding, errors="replace")
    if encoding == "utf-16":
        assert data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    path.write_bytes(data)
    record = extract_file(path)
    assert record.title == "Night market vendors fear eviction as developer moves in"
    assert "said Chéa Srey Mom" in record.body


def test_sidecar_wins_over_extraction(tmp_path):
    (tmp_path / "story.txt").write_text(
        (CAPTURES / "ppp-2017-night-market.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "story.meta.json").write_text(
        json.dumps(
            {
                "url": "https://www.phnompenhpost.com/business/night-market",
                "section": "Property",
                "reporters": ["Hor Kimsay", "Sorn Sarath"],
                "date": "2017-11-17",
            }
        )
    )
    record = extract_file(tmp_path / "story.txt")
    assert record.url == "https://www.phnompenhpost.com/business/night-market"
    assert record.section == "Property"
    assert record.reporters == ["Hor Kimsay", "Sorn Sarath"]
    assert record.date == "2017-11-17"


def test_gzipped_html_is_read(tmp_path):
    import gzip

    html = (CAPTURES / "khmer-times-2022-wages.html").read_bytes()
    (tmp_path / "wages.html.gz").write_bytes(gzip.compress(html))
    record = extract_file(tmp_path / "wages.html.gz")
    assert record.title == "Garment workers' minimum wage talks stall"


def test_date_is_never_invented(tmp_path):
    path = tmp_path / "story.txt"
    path.write_text(
        "Officials met on February 20 to discuss the drug campaign.\n\n"
        "The meeting reviewed the 2023 work and set plans for the coming year.\n"
    )
    record = extract_file(path)
    assert record.date is None
    assert record.date_inferred is False
