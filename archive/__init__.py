"""Turn raw captures (HTML, text dumps, Markdown, PDF) into clean Article records."""

from archive.record import Article, ExtractionError

__all__ = ["Article", "ExtractionError"]
