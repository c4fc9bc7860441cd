"""Shared fixtures: a real on-disk index built from the seed corpus and the layout fixtures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indexer.ingest import ingest
from webui import create_app

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "raw"
CAPTURES = ROOT / "tests" / "fixtures" / "captures"


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory) -> Path:
    """Where tests leave what a person may want to look at (screenshots, load figures): under
    pytest's temporary folder, never the repository (pytest keeps the last three runs)."""
    return tmp_path_factory.mktemp("artifacts", numbered=False)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> Path:
    """raw/ seeds plus the layout fixtures, copied so tests may add or change files."""
    folder = tmp_path_factory.mktemp("corpus")
    shutil.copytree(RAW, folder / "raw")
    shutil.copytree(CAPTURES, folder / "captures", ignore=shutil.ignore_patterns("*.expect.json"))
    return folder


@pytest.fixture(scope="session")
def index_dir(corpus, tmp_path_factory) -> Path:
    """An index built once for the read-only tests."""
    folder = tmp_path_factory.mktemp("index")
    report = ingest([corpus / "raw", corpus / "captures"], folder)
    assert not report.failed, report.failed
    return folder


@pytest.fixture()
def app(index_dir, tmp_path):
    """The Flask app on the shared index, with its own saved-search database."""
    app = create_app(
        {
            "TESTING": True,
            "INDEX_DIR": str(index_dir),
            "SAVED_DB": str(tmp_path / "saved.sqlite"),
            "SECRET_KEY": "test",
        }
    )
    yield app
    app.extensions["archive_index"].close()


@pytest.fixture()
def client(app):
    """Flask test client."""
    return app.test_client()
