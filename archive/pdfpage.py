"""PDF reports: text through pypdf, page by page, with clear errors for broken or locked files."""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError

from archive.record import ExtractionError

# pypdf logs every recoverable oddity; a broken file is reported once, by us.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def pdf_text(data: bytes) -> tuple[str, dict]:
    """All pages' text joined by blank lines, plus the document's info (title, author, date)."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise ExtractionError("encrypted PDF (password required)")
            except (NotImplementedError, PyPdfError) as exc:
                raise ExtractionError(f"encrypted PDF: {exc}") from exc
        pages = [page.extract_text() or "" for page in reader.pages]
    except ExtractionError:
        raise
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ExtractionError(f"broken PDF: {exc}") from exc
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise ExtractionError("PDF has no text layer (scanned image?)")
    info = document_info(reader)
    return text, {
        "title": _info(info, "/Title"),
        "author": _info(info, "/Author"),
        "date": _pdf_date(_info(info, "/CreationDate")),
    }


def document_info(reader: PdfReader) -> dict:
    """The document-info dictionary, or {} when it is missing or not a dictionary: hostile
    metadata must not lose the document's text (#15)."""
    try:
        return reader.metadata or {}
    except Exception:  # noqa: BLE001 - pypdf raises many kinds for a bad /Info
        return {}


def _info(info, name: str) -> str | None:
    """One document-info string, or None (values that are not strings are ignored)."""
    try:
        value = info.get(name)
    except Exception:  # noqa: BLE001 - pypdf resolves lazily and may raise anything
        return None
    return value.strip() or None if isinstance(value, str) else None


def _pdf_date(value: str | None) -> str | None:
    """'D:20210209...' -> '2021-02-09'."""
    if not value or not value.startswith("D:") or len(value) < 10:
        return None
    digits = value[2:10]
    if not digits.isdigit():
        return None
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}"
