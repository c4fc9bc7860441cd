"""Views, API, exports, saved searches and safety, through Flask's test client."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup

from tests.helpers import XSS_PAYLOADS, assert_no_injection
from webui.urls import path_with_added_args, path_with_removed_args, path_with_replaced_args

KHENG = "ppp-2016-12-14-officials-enabling-traffickers-says-kheng.txt"


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def csrf(client) -> str:
    page = soup(client.get("/search?q=rights"))
    return page.find("input", {"name": "csrf_token"})["value"]


@pytest.mark.parametrize(
    "path,args,added,expected",
    [
        ("/search", [], [("speaker", "Hun Sen")], "/search?speaker=Hun+Sen"),
        (
            "/search",
            [("q", "a"), ("year", "2016")],
            [("speaker", "X")],
            "/search?q=a&year=2016&speaker=X",
        ),
        ("/search", [("q", "a"), ("speaker", "X")], [("speaker", "X")], "/search?q=a&speaker=X"),
    ],
)
def test_path_with_added_args_keeps_order(path, args, added, expected):
    assert path_with_added_args(path, args, added) == expected


@pytest.mark.parametrize(
    "args,removed,expected",
    [
        ([("q", "a"), ("speaker", "X"), ("speaker", "Y")], [("speaker", "X")], "/s?q=a&speaker=Y"),
        ([("q", "a"), ("from", "2016"), ("to", "2017")], {"from", "to"}, "/s?q=a"),
        ([("speaker", "X")], [("speaker", "X")], "/s"),
    ],
)
def test_path_with_removed_args(args, removed, expected):
    assert path_with_removed_args("/s", args, removed) == expected


def test_path_with_replaced_args_in_place():
    args = [("q", "a"), ("page", "2"), ("sort", "newest")]
    assert path_with_replaced_args("/s", args, {"page": "3"}) == "/s?q=a&page=3&sort=newest"
    assert path_with_replaced_args("/s", args, {"page": None}) == "/s?q=a&sort=newest"
    assert path_with_replaced_args("/s", [("q", "a")], {"sort": "oldest"}) == "/s?q=a&sort=oldest"


def test_landing_page_says_what_the_archive_holds(client):
    page = soup(client.get("/"))
    assert "12 stories and reports" in page.get_text()
    assert page.find("a", string="Chin Malin")["href"] == "/search?speaker=Chin+Malin"


def test_results_page_shows_hits_facets_and_timeline(client):
    response = client.get("/search?q=human+rights")
    page = soup(response)
    assert response.status_code == 200
    assert page.find(id="total").get_text() == "5"
    speaker_links = [a.get_text(" ", strip=True) for a in page.select('a[data-facet="speaker"]')]
    assert any(text.startswith("☐ Am Sam Ath") and text.endswith("2") for text in speaker_links)
    assert page.select_one("svg.timeline") is not None
    assert page.select("ol.hits mark")


def test_timeline_spans_the_chosen_range(client):
    # One 2016 story: the year's twelve months are drawn, the hit in December.
    page = soup(client.get("/search?q=trafficking&from=2016-01-01&to=2016-12-31"))
    bars = [a["aria-label"] for a in page.select("svg.timeline a")]
    assert bars == [f"2016-{m:02d}: 0 results" for m in range(1, 12)] + ["2016-12: 1 result"]
    data = client.get("/api/search?q=trafficking&from=2016-01-01&to=2016-12-31").get_json()
    assert data["timeline"] == {
        "unit": "month",
        "buckets": [{"key": "2016-12", "count": 1}],
        "first": "2016-01",
        "last": "2016-12",
    }
    # An absurd bound does not ask for thousands of empty months.
    page = soup(client.get("/search?q=trafficking&from=0001-01-01"))
    assert len(page.select("svg.timeline a")) < 200


def test_facet_link_toggles_and_chip_removes(client):
    page = soup(client.get("/search?q=human+rights"))
    link = next(a for a in page.select('a[data-facet="speaker"]') if "Chin Malin" in a.text)
    filtered = soup(client.get(link["href"]))
    assert filtered.find(id="total").get_text() == "1"
    chip = filtered.select_one(".chips a")
    assert "Speaker: Chin Malin" in chip.get_text()
    assert soup(client.get(chip["href"])).find(id="total").get_text() == "5"


def test_the_url_is_the_whole_state(client):
    url = "/search?q=rights&speaker=Hun+Sen&speaker=Chin+Malin&sort=oldest&from=2000&to=2024"
    first, second = client.get(url), client.get(url)
    assert first.data == second.data
    page = soup(first)
    hidden = {(i["name"], i["value"]) for i in page.select("header form input[type=hidden]")}
    assert {("speaker", "Hun Sen"), ("speaker", "Chin Malin"), ("sort", "oldest")} <= hidden


def test_api_answers_the_same_request_as_json(client):
    data = client.get("/api/search?q=drugs").get_json()
    assert data["total"] == 1
    assert data["hits"][0]["source_path"].endswith("ppp-2024-hun-manet-drug-users-blacklist.txt")
    assert {"year", "speaker", "topic", "reporter", "org", "source"} <= set(data["facets"])


def test_openapi_describes_the_api(client):
    doc = client.get("/api/openapi.json").get_json()
    names = {p["name"] for p in doc["paths"]["/api/search"]["get"]["parameters"]}
    assert {"q", "speaker", "topic", "from", "to", "sort", "page"} <= names


JSON_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
}


def conforms(value, schema: dict, where: str = "$") -> list[str]:
    """Where value departs from an OpenAPI schema: wrong types, keys the schema does not
    name, or keys it names that the value lacks."""
    if value is None:
        return [] if schema.get("nullable") else [f"{where} is null"]
    if not isinstance(value, JSON_TYPES[schema["type"]]) or (
        schema["type"] == "integer" and isinstance(value, bool)
    ):
        return [f"{where} is {type(value).__name__}, not {schema['type']}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{where} = {value!r} is not one of {schema['enum']}"]
    problems = []
    if schema["type"] == "object" and "properties" in schema:
        if set(value) != set(schema["properties"]):
            problems.append(f"{where} keys differ: {set(value) ^ set(schema['properties'])}")
        for key, sub in schema["properties"].items():
            if key in value:
                problems += conforms(value[key], sub, f"{where}.{key}")
    if schema["type"] == "object" and "additionalProperties" in schema:
        for key, item in value.items():
            problems += conforms(item, schema["additionalProperties"], f"{where}.{key}")
    if schema["type"] == "array":
        for i, item in enumerate(value):
            problems += conforms(item, schema["items"], f"{where}[{i}]")
    return problems


@pytest.mark.parametrize(
    "query",
    [
        "",
        "q=trafficking",
        "q=said&speaker=Sar+Kheng&sort=newest",
        "q=nothingmatcheszzz&topic=Drugs&from=2016",
        "q=traficking",
    ],
)
def test_api_answers_match_the_generated_schema(client, query):
    doc = client.get("/api/openapi.json").get_json()
    op = doc["paths"]["/api/search"]["get"]["responses"]["200"]["content"]["application/json"]
    answer = client.get("/api/search?" + query).get_json()
    assert conforms(answer, op["schema"]) == []
    # The check can fail: a key the schema does not name is caught.
    assert conforms({**answer, "extra": 1}, op["schema"])


@pytest.mark.parametrize(
    "url,message",
    [
        ("/search?page=abc", "page must be a whole number"),
        ("/search?page=0", "page must be between"),
        ("/search?page=99999999999999999999", "page must be between"),
        ("/search?from=2016-13-01", "not a valid date"),
        ("/search?from=yesterday", "is not a date"),
        ("/search?from=2020&to=2010", "after"),
        ("/search?sort=random", "sort must be one of"),
        ("/search?colour=red", "unknown parameter"),
        ("/search?more=shoe-size", "unknown facet"),
        ("/api/search?page=-1", "page must be between"),
    ],
)
def test_bad_parameters_get_400_with_a_message(client, url, message):
    response = client.get(url)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_empty_result_explains_how_to_widen(client):
    page = soup(client.get("/search?q=rapporteur&speaker=Chin+Malin"))
    text = page.get_text(" ", strip=True)
    assert "No results for “rapporteur” with Speaker: Chin Malin" in text
    relaxed = page.select_one(".empty a")
    assert "Without speaker there are 2 results" in text
    assert soup(client.get(relaxed["href"])).find(id="total").get_text() == "2"


def test_did_you_mean_links_to_corrected_search(client):
    page = soup(client.get("/search?q=trafickers"))
    link = page.select_one(".suggestion a")
    assert link.get_text() == "traffickers"


def test_article_page_highlights_and_groups_quotes(client):
    hit = client.get("/api/search?q=trafficking+police").get_json()["hits"][0]
    page = soup(client.get(f"/article/{hit['id']}?q=trafficking"))
    assert page.find("h1").get_text() == "Gov’t officials enabling traffickers, says Kheng"
    assert page.select(".body mark")
    speakers = [h.get_text(" ", strip=True) for h in page.select(".quotes h3")]
    assert speakers[0].startswith("Sar Kheng")
    assert any(s.startswith("Yim Sovann CNRP spokesman") for s in speakers)
    assert page.find("a", string="Mech Dara")["href"] == "/search?reporter=Mech+Dara"


def test_article_page_leads_back_to_the_same_results(client):
    search = "q=trafficking&speaker=Sar+Kheng&from=2016&sort=newest"
    results = soup(client.get(f"/search?{search}"))
    link = results.select_one("ol.hits h2 a")["href"]
    assert link.endswith(f"?{search}")  # the whole search rides along
    page = soup(client.get(link + "&utm_source=mail"))  # other parameters are not carried
    back = page.select_one("p.back a")
    assert back["href"] == f"/search?{search}"
    assert back.get_text() == "← Back to the results for “trafficking”"
    assert page.select_one("header input#q")["value"] == "trafficking"
    hidden = {(i["name"], i["value"]) for i in page.select("header form input[type=hidden]")}
    assert hidden == {("speaker", "Sar Kheng"), ("from", "2016"), ("sort", "newest")}
    # Opened directly, an article has no way back to invent.
    assert soup(client.get(link.split("?")[0])).select_one("p.back") is None


def test_report_hit_opens_at_its_section(client):
    hits = client.get("/search?q=incarceration")
    link = soup(hits).select_one("ol.hits h2 a")["href"]
    assert re.search(r"#sec-\d+$", link)
    anchor = link.rsplit("#", 1)[1]
    assert anchor == "sec-19"  # "3. Rights of the Persons Deprived of Liberty"
    page = soup(client.get(link.split("#")[0]))
    assert page.find(id=anchor) is not None
    assert page.select_one(".toc a")["href"] == "#sec-0"


def test_speaker_page_lists_quotes_over_time(client):
    page = soup(client.get("/speaker/Am%20Sam%20Ath"))
    assert page.find("h1").get_text() == "Am Sam Ath"
    assert len(page.select(".speaker-entries > li")) == 2
    assert page.select_one(".roles").get_text() == (
        "Described as: technical coordinator with rights group Licadho; "
        "deputy director of rights group LICADHO"
    )


@pytest.mark.parametrize(
    "url",
    [
        "/article/../../etc/passwd",
        "/article/zzzz",
        "/article/" + "a" * 16,
        "/speaker/Nobody",
        "/s/..%2F..",
        "/s/UPPER",
    ],
)
def test_unknown_ids_are_404(client, url):
    assert client.get(url).status_code == 404


def test_export_csv_streams_every_hit(client):
    response = client.get("/export.csv?q=said")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    total = client.get("/api/search?q=said").get_json()["total"]
    assert len(rows) == total > 10
    assert response.mimetype == "text/csv"


def test_export_json_is_valid_and_complete(client):
    data = json.loads(client.get("/export.json?speaker=Hun+Sen").get_data(as_text=True))
    assert [d["speakers"] for d in data] == [["Hun Sen", "Yang Kim Eng", "Kin Phea"]]


def test_save_search_needs_csrf_token(client):
    response = client.post("/save", data={"name": "x", "query": "q=rights"})
    assert response.status_code == 400
    assert (
        client.post(
            "/save", data={"name": "x", "query": "q=rights", "csrf_token": "forged"}
        ).status_code
        == 400
    )


def test_saved_search_link_feed_and_new_counts(client):
    token = csrf(client)
    response = client.post(
        "/save",
        data={
            "name": "Drug policy <b>2024</b>",
            "query": "q=drugs&sort=newest&page=2",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    listing = client.get(response.headers["Location"])
    page = soup(listing)
    assert "<b>2024</b>" not in listing.get_data(as_text=True)
    assert page.select_one("a.saved-search").get_text() == "Drug policy <b>2024</b>"
    cells = [td.get_text() for td in page.select("tbody td")]
    assert cells[1:3] == ["1", "0"]
    link = page.select_one("#saved-link")["href"]
    assert re.fullmatch(r"/s/drug-policy-b-2024-b-[0-9a-f]{6}", link)
    reopened = client.get(link)
    assert reopened.headers["Location"] == "/search?q=drugs&sort=newest"
    feed = ET.fromstring(client.get(link + "/feed.atom").data)
    entries = feed.findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 1


def test_saved_search_survives_a_restart(app, tmp_path):
    from webui import create_app

    client = app.test_client()
    client.post("/save", data={"name": "Kheng", "query": "q=kheng", "csrf_token": csrf(client)})
    again = create_app(
        {
            "TESTING": True,
            "INDEX_DIR": app.config["INDEX_DIR"],
            "SAVED_DB": app.config["SAVED_DB"],
            "SECRET_KEY": "test",
        }
    )
    page = soup(again.test_client().get("/saved"))
    again.extensions["archive_index"].close()
    assert page.select_one("a.saved-search").get_text() == "Kheng"


@pytest.mark.parametrize("payload", XSS_PAYLOADS[:8])
def test_user_input_is_escaped_everywhere(client, payload):
    for url in (
        f"/search?q={payload}",
        f"/search?q=rights&speaker={payload}",
        f"/search?q=rights&from=2016&topic={payload}",
    ):
        assert_no_injection(client.get(url).get_data(as_text=True))


def test_nothing_is_a_500(client):
    for url in [
        "/search?q=%00",
        "/search?q=" + "x" * 20000,
        "/api/search?q=((((",
        "/search?q=date:9999-99..",
        "/search?q=year:abc",
        "/export.csv?page=abc",
        "/speaker/" + "x" * 500,
    ]:
        assert client.get(url).status_code in (200, 400, 404)


def test_speaker_page_shows_name_variants(client):
    page = soup(client.get("/speaker/Chin%20Malin"))
    assert "Also written as: Malin" in page.get_text(" ", strip=True)


def test_server_sees_a_new_ingest_without_restart(tmp_path, corpus):
    from indexer.ingest import ingest
    from webui import create_app

    raw = tmp_path / "raw"
    raw.mkdir()
    seed = corpus / "raw" / "ppp-2023-justice-ministry-dismissive-of-persecution-claims.txt"
    (raw / "a.txt").write_bytes(seed.read_bytes())
    ingest([raw], tmp_path / "ix")
    app = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "ix"), "SECRET_KEY": "t"})
    client = app.test_client()
    assert client.get("/api/search?q=blacklist").get_json()["total"] == 0
    other = corpus / "raw" / "ppp-2024-hun-manet-drug-users-blacklist.txt"
    (raw / "b.txt").write_bytes(other.read_bytes())
    ingest([raw], tmp_path / "ix")
    assert client.get("/api/search?q=blacklist").get_json()["total"] == 1
    app.extensions["archive_index"].close()


def test_speaker_page_shows_only_what_they_said_about_a_word(client):
    results = soup(client.get("/search?q=trafficking&speaker=Sar+Kheng"))
    link = results.select_one("p.speaker-quotes a")
    assert link.get_text() == "Only what Sar Kheng said about “trafficking”"
    page = soup(client.get(link["href"]))
    quotes = [li.get_text(" ", strip=True) for li in page.select(".speaker-entries li li")]
    # Two of his three quotes hold the word (stemmed: "trafficking" in both); the third,
    # "change into good people", does not.
    assert len(quotes) == 2 and all("trafficking" in q for q in quotes)
    assert page.select_one("#quote-count").get_text() == "2"
    assert {m.get_text() for m in page.select(".speaker-entries mark")} == {"trafficking"}
    # A word of the article that is not in his words finds nothing of his.
    none = soup(client.get("/speaker/Sar%20Kheng?q=lucrative"))
    assert none.select_one("#quote-count").get_text() == "0"
    assert not none.select(".speaker-entries li")


def test_speaker_page_pages_through_many_documents_newest_first(tmp_path):
    from indexer.ingest import ingest
    from webui import create_app

    raw = tmp_path / "raw"
    raw.mkdir()
    for day in range(1, 31):
        text = (
            f"Story number {day} about the river.\n\n"
            f"“The river rose again on day {day} of the month,” said Chea Dara, a fisherman "
            f"from Kandal province. Officials said nothing about the water on day {day}.\n"
        )
        (raw / f"s{day:02d}.txt").write_text(text, encoding="utf-8")
        meta = {"date": f"2020-01-{day:02d}", "title": f"River story {day}"}
        (raw / f"s{day:02d}.meta.json").write_text(json.dumps(meta), encoding="utf-8")
    assert not ingest([raw], tmp_path / "ix").failed
    app = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "ix"), "SECRET_KEY": "t"})
    client = app.test_client()
    first = soup(client.get("/speaker/Chea%20Dara"))
    titles = [h.get_text() for h in first.select(".speaker-entries h2")]
    assert titles[:3] == ["River story 30", "River story 29", "River story 28"]
    assert len(titles) == 25 and "Quoted in 30 documents" in first.get_text(" ", strip=True)
    second = soup(client.get(first.select_one("nav.pager a[rel=next]")["href"]))
    assert [h.get_text() for h in second.select(".speaker-entries h2")] == [
        f"River story {d}" for d in range(5, 0, -1)
    ]
    assert client.get("/speaker/Chea%20Dara?page=0").status_code == 400
    app.extensions["archive_index"].close()
