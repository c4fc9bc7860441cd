"""Incremental ingests regroup duplicates exactly as grouping the whole archive at once would,
while reading only the records their changes can reach."""

from __future__ import annotations

import hashlib
import json
import random
import re
import sqlite3
import zlib
from pathlib import Path

import numpy as np

from indexer import dedupe
from indexer.ingest import ingest
from indexer.state import STATE_DB
from indexer.whoosh_backend.store import open_index

VOCABULARY = [f"w{i}" for i in range(400)]


def story(rng: random.Random, words: int = 120) -> list[str]:
    """A random story as a list of words."""
    return [rng.choice(VOCABULARY) for _ in range(words)]


def edited(words: list[str], rng: random.Random, changes: int, tag: str = "x") -> list[str]:
    """The story with `changes` words replaced by new ones, spread over its length."""
    out = list(words)
    for k in range(changes):
        out[(k * len(out)) // changes + rng.randrange(len(out) // changes)] = f"{tag}{k}"
    return out


def write(folder: Path, name: str, words: list[str], url: str | None = None) -> None:
    """A text capture (no headline, so bodies differ only by the edits), and a sidecar naming
    its URL when given."""
    body = "\n\n".join(" ".join(words[i : i + 40]) + "." for i in range(0, len(words), 40))
    (folder / f"{name}.txt").write_text(body + "\n", encoding="utf-8")
    if url:
        (folder / f"{name}.meta.json").write_text(json.dumps({"url": url}), encoding="utf-8")


def check(index_dir: Path) -> dict[str, list[str]]:
    """Stored groups equal dedupe.group over every stored record; the index holds one
    document per group listing exactly its captures. Returns the groups by capture name."""
    conn = sqlite3.connect(index_dir / STATE_DB)
    rows = conn.execute("select id, json, signature, group_id from records").fetchall()
    conn.close()
    records = [
        (rid, dedupe.normal_url(json.loads(js)["url"]), json.loads(sig)) for rid, js, sig, _ in rows
    ]
    expected = dedupe.group(records)
    assert {rid: gid for rid, _, _, gid in rows} == expected
    with open_index(index_dir).searcher() as searcher:
        documents = {
            fields["id"]: sorted(c["id"] for c in json.loads(fields["record"])["captures"])
            for fields in searcher.all_stored_fields()
        }
    members: dict[str, list[str]] = {}
    for rid, gid in expected.items():
        members.setdefault(gid, []).append(rid)
    assert documents == {gid: sorted(ids) for gid, ids in members.items()}
    names = {rid: Path(json.loads(js)["source_path"]).stem for rid, js, _, _ in rows}
    return {names[r]: sorted(names[m] for m in members[g]) for r, g in expected.items()}


def test_incremental_regrouping_equals_grouping_everything(tmp_path):
    rng = random.Random(4)
    folder = tmp_path / "raw"
    folder.mkdir()
    index_dir = tmp_path / "ix"
    for i in range(60):
        write(folder, f"base{i:02d}", story(rng))
    ingest([folder], index_dir)
    check(index_dir)
    # 32-hash MinHash estimates carry about +-0.07 of noise; this seed puts the chain's links
    # at 0.91 and 0.84 and its ends at 0.75, where the scenario needs them.
    chain_rng = random.Random(8)
    chain = story(chain_rng)
    middle = edited(chain, chain_rng, 2, "b")
    end = edited(middle, chain_rng, 2, "c")
    steps = [
        # A recrawl with one word changed, and a capture of the same URL with other text.
        lambda: write(folder, "dup-a", edited(read(folder, "base03"), rng, 1)),
        lambda: (
            write(folder, "url-a", story(rng), url="https://example.org/x"),
            write(folder, "url-b", story(rng), url="http://www.example.org/x/"),
        ),
        # A chain: the ends differ in four words, each from the middle in two, so only the
        # middle joins them; then the middle goes and the group must split.
        lambda: write(folder, "chain-a", chain),
        lambda: write(folder, "chain-c", end),
        lambda: write(folder, "chain-b", middle),
        lambda: (folder / "chain-b.txt").unlink(),
        # A record changes so much it leaves its group; another joins two groups.
        lambda: write(folder, "dup-a", story(rng)),
        lambda: write(folder, "base07", edited(read(folder, "base03"), rng, 1)),
        lambda: (folder / "base03.txt").unlink(),
    ]
    seen = []
    for step in steps:
        step()
        report = ingest([folder], index_dir, prune=True)
        assert not report.failed
        seen.append(check(index_dir))
    # The scenarios happened: duplicates joined, the chain joined through its middle and
    # split when it went, two groups merged.
    assert seen[0]["dup-a"] == ["base03", "dup-a"]
    assert seen[1]["url-a"] == ["url-a", "url-b"]
    assert seen[3]["chain-a"] == ["chain-a"]
    assert seen[4]["chain-a"] == ["chain-a", "chain-b", "chain-c"]
    assert seen[5]["chain-a"] == ["chain-a"] and seen[5]["chain-c"] == ["chain-c"]
    assert seen[6]["base03"] == ["base03"]
    assert seen[7]["base03"] == ["base03", "base07"]
    assert "base03" not in seen[8] and seen[8]["base07"] == ["base07"]


def read(folder: Path, name: str) -> list[str]:
    """The words of a capture's body as written by `write`."""
    return (folder / f"{name}.txt").read_text(encoding="utf-8").replace(".", "").split()


def test_state_written_before_duplicate_keys_is_upgraded_on_the_next_ingest(tmp_path):
    rng = random.Random(6)
    folder, index_dir = tmp_path / "raw", tmp_path / "ix"
    folder.mkdir()
    for i in range(30):
        write(folder, f"base{i:02d}", story(rng), url=f"https://example.org/{i}")
    ingest([folder], index_dir)
    conn = sqlite3.connect(index_dir / STATE_DB)
    conn.executescript(
        "drop index records_url; alter table records drop column url_key; drop table bands;"
        "pragma user_version = 0;"
    )
    conn.close()
    write(folder, "recrawl", edited(read(folder, "base05"), rng, 1))
    write(folder, "same-url", story(rng), url="https://www.example.org/9/")
    report = ingest([folder], index_dir)
    assert (report.added, report.unchanged) == (2, 30)
    groups = check(index_dir)
    assert groups["recrawl"] == ["base05", "recrawl"]
    assert groups["same-url"] == ["base09", "same-url"]


def bucket_group(records) -> dict[str, str]:
    """Grouping as it was written before #12 (a dict of band buckets, records compared as
    they come): the reference the SQLite version must agree with."""
    parent = {rid: rid for rid, _, _ in records}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(x, y):
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)

    by_url, buckets = {}, {}
    for rid, key, sig in records:
        if key:
            if key in by_url:
                union(by_url[key], rid)
            by_url.setdefault(key, rid)
        for band_key in dedupe.band_keys(sig):
            bucket = buckets.setdefault(band_key, [])
            for other_id, other_sig in bucket:
                if find(other_id) != find(rid) and dedupe.similarity(sig, other_sig) >= 0.8:
                    union(other_id, rid)
            bucket.append((rid, sig))
    return {rid: find(rid) for rid, _, _ in records}


def test_grouping_in_sqlite_equals_grouping_by_buckets():
    checked = 0
    for seed in range(30):
        rng = random.Random(seed)
        bases = [story(rng) for _ in range(rng.randint(1, 25))]
        records = []
        for n in range(rng.randint(0, 80)):
            base = rng.choice(bases)
            # 0-12 edits: from near copies (one group) to stories that only share some bands.
            words = edited(base, rng, rng.randint(1, 12)) if rng.random() < 0.8 else base
            key = rng.choice([None, None, "a.com/1", "a.com/2", f"b.com/{n}"])
            rid = f"{rng.randrange(10**6):06d}-{n}"
            records.append((rid, key, dedupe.signature(" ".join(words))))
        expected = bucket_group(records)
        assert dedupe.group(records) == expected, seed
        checked += len(set(expected.values())) < len(expected)  # some records grouped
    assert checked >= 20


def test_thousands_of_identical_captures_group_at_once():
    """Captures with one text (a site's "page not found", crawled 5,000 times) are one story,
    found without comparing every pair of them (25 million pairs took minutes)."""
    rng = random.Random(3)
    others = [" ".join(story(rng)) for _ in range(5)]
    records = [(f"nf-{n:05d}", None, dedupe.signature("Page not found")) for n in range(5000)]
    records += [(f"story-{n}", None, dedupe.signature(text)) for n, text in enumerate(others)]
    groups = dedupe.group(records)
    assert {groups[f"nf-{n:05d}"] for n in range(5000)} == {"nf-00000"}
    assert len(set(groups.values())) == 6


def test_duplicate_keys_stay_what_earlier_ingests_stored():
    """The state keeps each record's signature and band keys, and the next ingest compares
    new captures with them: the keys of these texts must not change from one version of
    dedupe.keys to the next (the digest was taken from the code that wrote earlier states;
    an empty text, fewer words than a shingle, a sentence, one word repeated)."""
    texts = [
        "",
        "Hun Sen",
        "Kem Sokha was arrested at his home in Phnom Penh, his lawyer said on Sunday.",
        "word " * 50,
    ]
    found = json.dumps([dedupe.keys(t) for t in texts]).encode()
    digest = "0626f6de9eba839f3797289aeaecb11e8f56faf797229410de1d5afddfeece0e"
    assert hashlib.sha256(found).hexdigest() == digest


def plain_signature(text: str) -> list[int]:
    """The MinHash signature computed the plain way: each word's CRC as it comes."""
    words = re.findall(r"\w+", text.lower()) or [""]
    words += [""] * (dedupe.SHINGLE - len(words))
    ids = np.array([zlib.crc32(w.encode()) for w in words], dtype=np.uint64)
    count = len(words) - dedupe.SHINGLE + 1
    shingles = np.zeros(count, dtype=np.uint64)
    for k in range(dedupe.SHINGLE):
        shingles = (shingles * dedupe._SHINGLE_MIX) ^ ids[k : k + count]
    return ((shingles[None, :] ^ dedupe._SEEDS) * dedupe._MIX).min(axis=1).tolist()


def test_signatures_with_kept_word_codes_equal_the_plain_ones(monkeypatch):
    """Signatures are stored and compared with the next ingest's: the word codes kept
    across texts (and cleared when full) give the signature the plain computation does,
    for short texts, accented and Khmer words and empty ones."""
    rng = random.Random(7)
    texts = ["", "Page not found", "Café naïve ខ្ញុំ កម្ពុជា 1,000"]
    texts += [" ".join(story(rng, rng.randrange(1, 300))) for _ in range(40)]
    monkeypatch.setattr(dedupe, "WORD_CODES_KEPT", 50)  # cleared again and again
    for text in texts * 2:
        assert dedupe.signature(text) == plain_signature(text)
    assert len(dedupe.WORD_CODES) <= 50
