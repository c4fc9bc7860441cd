"""The Whoosh index in its folder: opened, created, probed for damage."""

from __future__ import annotations

from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import _DEF_INDEX_NAME, TOC, EmptyIndexError

from indexer.lock import IndexError_
from indexer.whoosh_backend.schema import build_schema

WHOOSH_DIR = "whoosh"


def whoosh_dir(index_dir: Path) -> Path:
    """Where the Whoosh segment files live."""
    return Path(index_dir) / WHOOSH_DIR


def generation_on_disk(index_dir: Path) -> int:
    """The newest committed generation in the index folder, read from its file names only
    (-1 when there is none): nothing is opened, so a damaged index answers too."""
    path = whoosh_dir(index_dir)
    if not path.is_dir():
        return -1
    return TOC._latest_generation(FileStorage(str(path)), _DEF_INDEX_NAME)


def open_or_create(index_dir: Path):
    """The Whoosh index in index_dir, created empty when missing."""
    path = whoosh_dir(index_dir)
    path.mkdir(parents=True, exist_ok=True)
    if whoosh_index.exists_in(path):
        return open_index(index_dir)
    return whoosh_index.create_in(path, build_schema())


def open_index(index_dir: Path):
    """Open an existing index for reading, with a clear message when it is missing or broken."""
    path = whoosh_dir(index_dir)
    try:
        ix = whoosh_index.open_dir(path)
        probe(ix)
        return ix
    except EmptyIndexError as exc:
        raise IndexError_(
            f"no index in {index_dir}: run `archive ingest --index {index_dir}` first"
        ) from exc
    except Exception as exc:  # noqa: BLE001 - any unpickling/IO failure means a damaged index
        raise IndexError_(
            f"the index in {index_dir} is damaged ({type(exc).__name__}: {exc}); rebuild it "
            f"with `archive ingest --rebuild --index {index_dir}`"
        ) from exc


def probe(ix) -> None:
    """Open every segment and read from each of its files, so damage shows up here with a
    clear message rather than in the middle of a search."""
    with ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            leaf.doc_count()
            next(iter(leaf.lexicon("content")), None)
            if leaf.doc_count_all():
                leaf.stored_fields(0)
                if leaf.has_column("facetdata"):
                    leaf.column_reader("facetdata")[0]
