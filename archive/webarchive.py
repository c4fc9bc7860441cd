"""Web archives (WARC, WARC.gz, WACZ) read as a stream of HTML captures.

warcio reads the records one at a time from the open file, so a 5 GB crawl is never held in
memory; only one payload (at most settings.MAX_FILE_BYTES) is. A damaged record is reported
by file and offset, and reading resumes at the next record boundary found after it."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator

from archive import settings

WARC_TYPES = (".warc",)  # also .warc.gz: file_extension() looks through .gz
WACZ_TYPES = (".wacz",)
WEB_ARCHIVE_TYPES = WARC_TYPES + WACZ_TYPES
HTML_MIME = ("text/html", "application/xhtml+xml")
# Where a record may start again after damage: a gzip member, or a WARC header line.
GZIP_MAGIC = b"\x1f\x8b\x08"
WARC_MAGIC = b"WARC/1."
SCAN_CHUNK = 1 << 20


@dataclass
class Capture:
    """One HTML page captured in a web archive."""

    url: str
    fetched: str  # WARC-Date, ISO 8601
    record_id: str
    offset: int
    html: bytes


@dataclass
class Passed:
    """A record that is not a page to index (counted by reason in the ingest summary)."""

    reason: str


@dataclass
class Damaged:
    """A record that could not be read; `where` names the file and offset."""

    where: str
    reason: str


Item = Capture | Passed | Damaged


def read_web_archive(path: Path, shown: str) -> Iterator[Item]:
    """Every record of a WARC or of each WARC inside a WACZ, in file order."""
    if path.name.lower().endswith(WACZ_TYPES):
        yield from read_wacz(path, shown)
        return
    with open(path, "rb") as fh:
        yield from read_warc(fh, shown, gzipped=path.name.lower().endswith(".gz"))


def read_wacz(path: Path, shown: str) -> Iterator[Item]:
    """The WARCs of a WACZ package (a zip with archive/*.warc[.gz]), one after the other."""
    try:
        package = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        yield Damaged(shown, f"not a readable WACZ (zip) file: {exc}")
        return
    with package:
        names = sorted(
            n
            for n in package.namelist()
            if n.startswith("archive/") and n.lower().endswith((".warc", ".warc.gz"))
        )
        if not names:
            yield Damaged(shown, "WACZ holds no archive/*.warc or *.warc.gz file")
        for name in names:
            try:
                with package.open(name) as fh:
                    yield from read_warc(fh, f"{shown}!{name}", gzipped=name.endswith(".gz"))
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                yield Damaged(f"{shown}!{name}", f"cannot read from the package: {exc}")


def read_warc(fh: BinaryIO, shown: str, gzipped: bool) -> Iterator[Item]:
    """Records from an open WARC; after damage, reading resumes at the next record start."""
    start = 0
    while True:
        fh.seek(start)
        records = ArchiveIterator(fh, no_record_parse=False)
        offset = start  # where the record being read starts: the end of the last good one
        try:
            for record in records:
                item = classify(record)  # before the offset: asking for it skips the payload
                here = start + records.get_record_offset()
                offset = here + records.get_record_length()
                if getattr(record.raw_stream, "limit", 0) > 0:
                    yield Damaged(
                        f"{shown} at offset {here}",
                        "truncated record (the file ends before the length its header declares)",
                    )
                    return
                if isinstance(item, Capture):
                    item.offset = here
                yield item
            if unread_tail(fh, offset):
                yield Damaged(
                    f"{shown} at offset {offset}",
                    "truncated or unreadable data at the end of the file",
                )
            return
        except Exception as exc:  # noqa: BLE001 - warcio, zlib and gzip raise many kinds
            offset = past_blank_lines(fh, offset)
            yield Damaged(f"{shown} at offset {offset}", describe(exc))
        start = next_record_start(fh, offset + 1, GZIP_MAGIC if gzipped else WARC_MAGIC)
        if start is None:
            return


def past_blank_lines(fh: BinaryIO, offset: int) -> int:
    """The offset of the first byte after the blank lines that separate uncompressed records
    (they are not part of a record's length)."""
    fh.seek(offset)
    head = fh.read(64)
    return offset + len(head) - len(head.lstrip(b"\r\n"))


def unread_tail(fh: BinaryIO, offset: int) -> bool:
    """True when bytes other than blank lines follow the last record read (a gzip member cut
    short ends warcio's reading without an error)."""
    fh.seek(offset)
    return bool(fh.read(SCAN_CHUNK).strip())


def describe(exc: Exception) -> str:
    """A damaged record's reason in a line."""
    text = " ".join(str(exc).split())[:200]
    return f"damaged record ({type(exc).__name__}: {text})" if text else "damaged record"


def next_record_start(fh: BinaryIO, position: int, magic: bytes) -> int | None:
    """Offset of the next place a record can begin at or after position, read in chunks."""
    fh.seek(position)
    carried = b""
    base = position
    while True:
        chunk = fh.read(SCAN_CHUNK)
        if not chunk:
            return None
        data = carried + chunk
        at = data.find(magic)
        while at >= 0:
            if magic != WARC_MAGIC or at == 0 and base == 0 or data[at - 1 : at] == b"\n":
                return base + at
            at = data.find(magic, at + 1)
        keep = len(magic)
        carried = data[-keep:]
        base += len(data) - keep


def classify(record) -> Item:
    """A page to index, or the reason the record is passed over."""
    kind = record.rec_type
    if kind not in ("response", "resource", "revisit"):
        return Passed(f"{kind} record")
    headers = record.http_headers
    status = headers.get_statuscode() if headers else None
    if status and status.isdigit():
        if 300 <= int(status) < 400:
            return Passed("redirect")
        if int(status) >= 400:
            return Passed("error status (4xx/5xx)")
    mime = (headers.get_header("Content-Type") if headers else None) or (
        record.rec_headers.get_header("Content-Type") or ""
    )
    if mime.split(";")[0].strip().lower() not in HTML_MIME:
        return Passed("revisit without payload" if kind == "revisit" else "not HTML")
    html = record.content_stream().read(settings.MAX_FILE_BYTES + 1)
    if not html.strip():
        return Passed("revisit without payload" if kind == "revisit" else "empty payload")
    if len(html) > settings.MAX_FILE_BYTES:
        return Passed("too large")
    return Capture(
        url=record.rec_headers.get_header("WARC-Target-URI") or "",
        fetched=record.rec_headers.get_header("WARC-Date") or "",
        record_id=record.rec_headers.get_header("WARC-Record-ID") or "",
        offset=0,
        html=html,
    )
