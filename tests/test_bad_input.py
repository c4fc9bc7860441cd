"""Bad files are reported by name with a reason and skipped; the rest of the ingest goes on."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive import settings as archive_settings
from archive.extract import extract_file
from archive.ingest import extract_one
from archive.record import ExtractionError
from indexer.ingest import ingest
from tests.helpers import make_pdf

GOOD = Path(__file__).resolve().parent / "fixtures" / "captures" / "ppp-2017-night-market.txt"


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "name,data,reason",
    [
        ("empty.txt", b"", "empty file"),
        ("blank.html", b"   \n\n ", "empty file"),
        ("binary.txt", bytes(range(256)) * 40, "binary content"),
        (
            "truncated.html.gz",
            gzip.compress(b"<html><body><p>hello there</p></body></html>")[:20],
            "gzip",
        ),
        ("notgzip.html.gz", b"this is not gzip at all", "broken gzip"),
        ("scan.pdf", b"%PDF-1.4\n% nothing here\n%%EOF", "PDF"),
        ("garbage.pdf", os.urandom(2048), "PDF"),
        ("image.jpg", b"\xff\xd8\xff\xe0 not indexed", "unsupported file type"),
        ("tiny.txt", b"Hi.", "no article text"),
    ],
)
def test_bad_file_raises_with_reason(tmp_path, name, data, reason):
    outcome = extract_one(write(tmp_path, name, data))
    assert outcome.article is None
    assert reason in outcome.error


def test_oversized_file_is_skipped(tmp_path, monkeypatch):
    monkeypatch.setattr(archive_settings, "MAX_FILE_BYTES", 1000)
    outcome = extract_one(write(tmp_path, "huge.txt", b"word " * 1000))
    assert "too large" in outcome.error


def test_zip_bomb_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(archive_settings, "MAX_INFLATED_BYTES", 100_000)
    bomb = gzip.compress(b"<p>" + b"a" * 5_000_000 + b"</p>")
    outcome = extract_one(write(tmp_path, "bomb.html.gz", bomb))
    assert "zip bomb" in outcome.error


def test_encrypted_pdf_is_reported(tmp_path):
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(["Secret report text"] * 5))))
    writer.encrypt("owner-and-user-password")
    buf = io.BytesIO()
    writer.write(buf)
    outcome = extract_one(write(tmp_path, "locked.pdf", buf.getvalue()))
    assert "encrypted PDF" in outcome.error


def test_pdf_text_is_extracted(tmp_path):
    lines = [
        "Rights group report on land disputes",
        "By Sok Dara",
        "Villagers in Kratie said the company had cleared their farms without notice.",
        "The provincial governor said the matter was before the court.",
    ]
    record = extract_file(write(tmp_path, "report.pdf", make_pdf(lines)))
    assert "Villagers in Kratie said the company had cleared their farms" in record.body


def test_deeply_nested_html_does_not_crash(tmp_path):
    html = b"<html><body>" + b"<div>" * 5000 + b"<p>deep text here</p>" + b"</div>" * 5000
    outcome = extract_one(write(tmp_path, "nested.html", html + b"</body></html>"))
    # lxml keeps 255 levels; the text below them is lost, which is reported, not a crash.
    assert outcome.error == "no article text found"


def test_ingest_reports_each_bad_file_and_keeps_the_rest(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    write(raw, "good.txt", GOOD.read_bytes())
    write(raw, "empty.txt", b"")
    write(raw, "binary.html", b"\x00\x01\x02" * 100)
    write(raw, "notes.docx", b"PK\x03\x04")
    (raw / "loop").symlink_to(raw, target_is_directory=True)
    report = ingest([raw], tmp_path / "index")
    failed = {Path(path).name: reason for path, reason in report.failed}
    assert report.added == 1
    assert failed["empty.txt"] == "empty file"
    reasons = " ".join(failed.values())
    assert "binary content" in reasons and "unsupported file type '.docx'" in reasons
    assert "symlink loop" in reasons


def test_file_that_turns_bad_keeps_its_last_good_record(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    story = write(raw, "story.txt", GOOD.read_bytes())
    ingest([raw], tmp_path / "index")
    story.write_bytes(b"")
    report = ingest([raw], tmp_path / "index")
    assert report.failed and report.records == 1


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.binary(min_size=1, max_size=3000),
    ext=st.sampled_from([".txt", ".html", ".md", ".pdf", ".html.gz"]),
)
def test_fuzz_random_bytes_never_crash(tmp_path, data, ext):
    outcome = extract_one(write(tmp_path, "fuzz" + ext, data))
    assert (outcome.article is None) != (outcome.error is None)
    assert outcome.error is None or "extraction failed" not in outcome.error


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cut=st.integers(min_value=0, max_value=5000), junk=st.binary(max_size=50))
def test_fuzz_mutated_capture_never_crashes(tmp_path, cut, junk):
    original = GOOD.read_bytes()
    data = original[:cut] + junk + original[cut + len(junk) :]
    outcome = extract_one(write(tmp_path, "mutant.txt", data))
    assert outcome.error is None or "extraction failed" not in outcome.error


def test_extraction_error_is_the_project_exception(tmp_path):
    with pytest.raises(ExtractionError):
        extract_file(write(tmp_path, "e.txt", b""))
