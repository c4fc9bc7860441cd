"""Saved searches under faults and floods (#15 items 5 and 8), through the app."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

import webui.saved as saved_module
from webui import create_app


def csrf(client) -> str:
    """The form token of this client's session."""
    page = client.get("/search?q=rights").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def unusable_app(index_dir, tmp_path):
    """The app with its saved-search database in a folder that cannot be created (a file
    stands where the folder should be): what a read-only or vanished folder looks like even
    to root."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    return create_app(
        {
            "TESTING": True,
            "INDEX_DIR": str(index_dir),
            "SAVED_DB": str(blocker / "saved.sqlite"),
            "SECRET_KEY": "test",
        }
    )


def test_saved_searches_degrade_when_their_folder_is_unusable(index_dir, tmp_path):
    app = unusable_app(index_dir, tmp_path)
    client = app.test_client()
    try:
        for response in (
            client.get("/saved"),
            client.get("/s/drugs-abc123"),
            client.post(
                "/save", data={"name": "x", "query": "q=drugs", "csrf_token": csrf(client)}
            ),
        ):
            assert response.status_code == 503
            assert "Saved searches are not available right now" in response.get_data(as_text=True)
        assert client.get("/search?q=drugs").status_code == 200
    finally:
        app.extensions["archive_index"].close()


def test_a_saved_link_opens_even_when_the_visit_cannot_be_stored(app, monkeypatch):
    client = app.test_client()
    client.post("/save", data={"name": "Drugs", "query": "q=drugs", "csrf_token": csrf(client)})
    link = BeautifulSoup(client.get("/saved").data, "html.parser").select_one("a.saved-search")
    original = saved_module.write

    def read_only(sql, params):
        if sql.startswith("update saved set visited"):
            raise saved_module.SavedUnavailable("attempt to write a readonly database")
        return original(sql, params)

    monkeypatch.setattr(saved_module, "write", read_only)
    response = client.get(link["href"])
    assert response.status_code == 302 and response.headers["Location"] == "/search?q=drugs"


def test_the_saved_list_costs_the_same_however_many_searches_are_saved(app, monkeypatch):
    client = app.test_client()
    token = csrf(client)
    for i in range(40):
        client.post(
            "/save", data={"name": f"s{i}", "query": f"q=rights&page={i}", "csrf_token": token}
        )
    calls = []
    backend = app.extensions["archive_index"]
    original = backend.iter_hits

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(backend, "iter_hits", counting)
    page = BeautifulSoup(client.get("/saved").data, "html.parser")
    assert len(page.select("a.saved-search")) == 40
    assert calls == []  # every count was stored when the search was saved
    # A new index generation makes the counts stale: one view recounts only a few.
    conn = saved_module.sqlite3.connect(app.config["SAVED_DB"])
    conn.execute("update saved set generation = -1")
    conn.commit()
    conn.close()
    page = BeautifulSoup(client.get("/saved").data, "html.parser")
    assert len(calls) == saved_module.RECOUNT_PER_VIEW
    assert len(page.select("a.saved-search")) == 40
    assert "counted before the archive last changed" in page.get_text()


def test_saving_is_rate_limited_per_session(app):
    client = app.test_client()
    token = csrf(client)
    statuses = [
        client.post(
            "/save", data={"name": f"n{i}", "query": "q=rights", "csrf_token": token}
        ).status_code
        for i in range(saved_module.SAVES_PER_MINUTE + 3)
    ]
    assert statuses[: saved_module.SAVES_PER_MINUTE] == [302] * saved_module.SAVES_PER_MINUTE
    assert statuses[-1] == 429
