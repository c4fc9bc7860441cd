"""Read a raw file safely: size limits, gzip with a bomb guard, encoding detection."""

from __future__ import annotations

import codecs
import os
import zlib
from pathlib import Path

from charset_normalizer import from_bytes

from archive import settings
from archive.record import ExtractionError

BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def read_bytes(path: Path) -> bytes:
    """The file's bytes, refusing what is not a regular, readable, sane-sized file."""
    try:
        st = path.stat()  # follows symlinks; a loop raises OSError (ELOOP)
    except OSError as exc:
        raise ExtractionError(f"cannot read: {exc.strerror or exc}") from exc
    if not path.is_file():
        raise ExtractionError("not a regular file")
    if st.st_size == 0:
        raise ExtractionError("empty file")
    if st.st_size > settings.MAX_FILE_BYTES:
        raise ExtractionError(
            f"too large: {st.st_size / 1e6:.1f} MB (limit {settings.MAX_FILE_BYTES / 1e6:.0f} MB)"
        )
    try:
        with open(path, "rb") as fh:
            # The size stat() gave, and the rest only if the file grew since: read(n) sets
            # aside n bytes first, and 20 MB for a 4 KB capture took 45 microseconds, not 9.
            data = fh.read(st.st_size + 1)
            if len(data) > st.st_size:
                data += fh.read(settings.MAX_FILE_BYTES + 1 - len(data))
    except OSError as exc:
        raise ExtractionError(f"cannot read: {exc.strerror or exc}") from exc
    if path.name.lower().endswith(".gz"):
        data = gunzip(data)
    if not data.strip():
        raise ExtractionError("empty file")
    return data


def gunzip(data: bytes) -> bytes:
    """Inflate gzip data, stopping at MAX_INFLATED_BYTES so a zip bomb cannot fill memory."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, settings.MAX_INFLATED_BYTES + 1)
    except zlib.error as exc:
        raise ExtractionError(f"broken gzip: {exc}") from exc
    if len(out) > settings.MAX_INFLATED_BYTES or inflater.unconsumed_tail:
        raise ExtractionError(
            f"gzip inflates past {settings.MAX_INFLATED_BYTES / 1e6:.0f} MB (possible zip bomb)"
        )
    if not inflater.eof:
        raise ExtractionError("truncated gzip")
    return out


# Control bytes that text does not hold (tab, newlines, form feed and escape are allowed).
CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


def looks_binary(data: bytes) -> bool:
    """True for bytes that are not text in any encoding we accept (NULs, control bytes)."""
    sample = data[:8192]
    if any(sample.startswith(bom) for bom, _ in BOMS):
        return False
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, CONTROL_BYTES))  # counted in C
    return controls / max(len(sample), 1) > settings.BINARY_CONTROL_RATIO


def cp1252_for_invalid(exc: UnicodeDecodeError) -> tuple[str, int]:
    """Codec error handler: the undecodable bytes read as cp1252."""
    return exc.object[exc.start : exc.end].decode("cp1252", errors="replace"), exc.end


CP1252_FALLBACK = "archive-cp1252-fallback"
codecs.register_error(CP1252_FALLBACK, cp1252_for_invalid)


def mostly_utf8(data: bytes) -> bool:
    """True when the bytes hold more well-formed UTF-8 characters beyond ASCII than bytes
    that are not UTF-8."""
    text = data[:200_000].decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = len(text) - len(text.encode("ascii", "ignore")) - bad  # characters beyond ASCII
    return good > bad


def decode(data: bytes, declared: str | None = None) -> str:
    """Text from bytes: BOM first, then strict UTF-8, a declared charset, then detection."""
    for bom, name in BOMS:
        if data.startswith(bom):
            return data.decode(name, errors="replace")
    if looks_binary(data):
        raise ExtractionError("binary content, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if mostly_utf8(data):
        # UTF-8 with a few stray single-byte characters: keep the UTF-8 (Khmer included) and
        # read only the stray bytes as cp1252, instead of turning everything into mojibake.
        return data.decode("utf-8", errors=CP1252_FALLBACK)
    if declared:
        try:
            return data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
    best = from_bytes(data[:200_000]).best()
    if best is not None and best.encoding:
        return data.decode(best.encoding, errors="replace")
    # Every byte is valid cp1252-or-latin-1; better readable mojibake than nothing.
    return data.decode("cp1252", errors="replace")


def file_extension(path: Path) -> str:
    """Lower-case extension, looking through a trailing .gz ("a.html.gz" -> ".html")."""
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return os.path.splitext(name)[1]
