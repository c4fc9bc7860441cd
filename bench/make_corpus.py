"""Write a deterministic synthetic archive of N captures that look like real ones.

Usage: python bench/make_corpus.py N OUTDIR [--seed S]

Phnom Penh Post-like text and HTML pages with their chrome and MOST VIEWED sidebars, bodies of
300-1,500 words with a Zipf-like word distribution, dates 1992-2025, a pool of a few thousand
Khmer and foreign names quoted in the patterns real articles use, topics and reporters."""

from __future__ import annotations

import argparse
import html
import itertools
import random
import sys
import zlib
from pathlib import Path

KHMER_FAMILY = (
    "Chea Chhim Chin Hun Heng Hor Keo Khieu Kem Kin Kong Lim Ly Mam Meas Mech Men "
    "Mok Nhem Neth Ouk Pen Pich Prak Phan Ros Sam Sar San Seng Sok Som Sorn Soy "
    "Tep Thach Touch Uch Vann Yim Yin Yong"
).split()
KHMER_GIVEN = (
    "Dara Malin Kheng Sovann Thea Phea Manet Sokha Sopheap Vanna Rith Samnang Sophal "
    "Bopha Chanthou Kimsay Narim Sokchea Piseth Rachna Vibol Sothea Kosal Dalin "
    "Sreymom Sokhom Pisey Vuthy Rathana Sophea Chenda Virak Bunthoeun Sinoun"
).split()
FOREIGN_FIRST = "John Maria David Anna Peter Laura Michael Sarah James Emma Paul Julia".split()
FOREIGN_LAST = "Smith Baird Sims Muller Tanaka Wang Nguyen Dupont Garcia Brown Evans Ito".split()
ROLES = (
    "Ministry spokesman",
    "Interior Minister",
    "deputy director of rights group Licadho",
    "president of the Cambodian Labour Confederation",
    "provincial governor",
    "opposition spokesman",
    "a researcher at the Royal Academy of Cambodia",
    "executive director of the Cambodian Center for Human Rights",
    "police chief",
    "Commerce Ministry spokesman",
    "a villager",
    "a garment worker",
)
TOPIC_WORDS = {
    "drugs": "drug drugs narcotics methamphetamine anti-drug rehabilitation users dealers",
    "rights": "human rights rights defenders activists civil society NGOs freedom",
    "trafficking": "trafficking traffickers human-trafficking victims forced labour scam",
    "courts": "court judge prosecutor trial verdict sentenced lawyer appeal charged",
    "labour": "wage wages workers union strike factory garment minimum pension",
    "land": "land eviction evicted concession villagers dispute titles relocation",
    "health": "Covid-19 pandemic vaccine hospital outbreak quarantine health",
    "elections": "election elections ballot voters commune council party opposition CPP",
    "environment": "forest logging deforestation wildlife protected environment climate",
    "economy": "economy trade exports investment investors market tariffs business growth",
}
COMMON = (
    "the of and to in a that for on said is was with by as at from it has have be are "
    "were will which would its their this not but also an government Cambodia Phnom Penh "
    "ministry officials people province year told public new last more than after "
    "about two three according over national country week local first million told "
    "since under most other during between into such while however added including "
    "plans report support meeting statement measures policy authorities community"
).split()
SECTIONS = ("National", "Business", "Politics", "Opinion", "International", "Post Plus")
SIDEBAR = (
    "Hong Kong firm done buying Coke Cambodia",
    "Bokator now on World Heritage List",
    "Union leader arrested at airport after Australia trip",
    "Sub-Decree approves $30M for mine clearance",
    "Two senior GDP officials defect to CPP",
)


class Corpus:
    """One deterministic generator: same N and seed, same files byte for byte."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        rng = self.rng
        self.khmer = sorted({f"{f} {g}" for f in KHMER_FAMILY for g in KHMER_GIVEN})
        rng.shuffle(self.khmer)
        self.khmer = self.khmer[:1400]
        self.foreign = [f"{f} {s}" for f in FOREIGN_FIRST for s in FOREIGN_LAST]
        self.people = self.khmer + self.foreign
        self.reporters = self.khmer[1300:1360]
        self.vocabulary = COMMON + [w for ws in TOPIC_WORDS.values() for w in ws.split()]
        self.vocabulary += [self.fake_word() for _ in range(6000)]
        # Zipf-like weights: the word of rank r is drawn with weight 1/r.
        self.weights = [1 / (r + 1) for r in range(len(self.vocabulary))]
        # random.choices would sum these 6,000 weights on every call; summed once, the
        # draws are the same (choices accumulates them exactly so) at a fraction of the cost.
        self.cum_weights = list(itertools.accumulate(self.weights))

    def fake_word(self) -> str:
        """A pronounceable word, so the index's vocabulary is large like a real one."""
        rng = self.rng
        syllables = [
            "ka",
            "ro",
            "mi",
            "san",
            "tel",
            "vo",
            "pre",
            "ling",
            "dor",
            "su",
            "ven",
            "ta",
            "ri",
            "mon",
            "cha",
            "lo",
            "ber",
            "ni",
            "pha",
            "ol",
        ]
        return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))

    def sentence(self, topic_words: list[str]) -> str:
        rng = self.rng
        words = rng.choices(self.vocabulary, cum_weights=self.cum_weights, k=rng.randint(12, 28))
        for _ in range(rng.randint(0, 2)):
            words[rng.randrange(len(words))] = rng.choice(topic_words)
        text = " ".join(words)
        return text[0].upper() + text[1:] + "."

    def quote(self, name: str, role: str, topic_words: list[str], first: bool) -> str:
        rng = self.rng
        said = self.sentence(topic_words).rstrip(".")
        short = name.split()[-1]
        if first:
            return rng.choice(
                [
                    f"{role[0].upper() + role[1:]} {name} said {said.lower()}.",
                    f"{name}, {role}, said that {said.lower()}.",
                    f"“{said},” said {name}, {role}.",
                ]
            )
        return rng.choice(
            [
                f"“{said},” {short} said.",
                f"“{said},” he said. “{self.sentence(topic_words)}”",
                f"According to {short}, {said.lower()}.",
                f"{short} added that {said.lower()}.",
            ]
        )

    def article(self, i: int) -> dict:
        rng = self.rng
        topics = rng.sample(sorted(TOPIC_WORDS), rng.randint(1, 3))
        topic_words = [w for t in topics for w in TOPIC_WORDS[t].split()]
        speakers = rng.sample(self.people, rng.randint(1, 4))
        target_words = rng.randint(300, 1500)
        paragraphs, words, turn = [], 0, 0
        while words < target_words:
            if turn < len(speakers) * 2 and rng.random() < 0.35:
                name = speakers[turn % len(speakers)]
                role = ROLES[zlib.crc32(name.encode()) % len(ROLES)]
                para = self.quote(name, role, topic_words, first=turn < len(speakers))
                turn += 1
            else:
                para = " ".join(self.sentence(topic_words) for _ in range(rng.randint(2, 4)))
            paragraphs.append(para)
            words += len(para.split())
        year = rng.randint(1992, 2025)
        date = (
            year,
            rng.randint(1, 12),
            rng.randint(1, 28),
            rng.randint(0, 23),
            rng.randint(0, 59),
        )
        title = " ".join(rng.choices(self.vocabulary[:400], k=rng.randint(5, 10))).capitalize()
        return {
            "title": title,
            "paragraphs": paragraphs,
            "date": date,
            "reporters": rng.sample(self.reporters, rng.randint(1, 2)),
            "section": rng.choice(SECTIONS),
            "undated": rng.random() < 0.03,
        }

    def as_text(self, art: dict) -> str:
        months = (
            "January February March April May June July August September October November December"
        ).split()
        y, m, d, hh, mm = art["date"]
        head = [
            f"{art['title']} | Phnom Penh Post",
            "",
            "Search form",
            "Login - Register | FOLLOW US ON",
            "",
            art["title"],
            "",
            art["section"],
            "",
        ]
        if not art["undated"]:
            head += ["Publication date", f"{d} {months[m - 1]} {y} | {hh:02d}:{mm:02d} ICT", ""]
        head += [f"Reporter : {' and '.join(art['reporters'])}", "", "More Topic", ""]
        tail = ["", "MOST VIEWED", ""] + [
            f"  • {s}\n\n    {self.sentence(['news'])}\n" for s in SIDEBAR
        ]
        return "\n".join(head) + "\n\n".join(art["paragraphs"]) + "\n" + "\n".join(tail)

    def as_html(self, art: dict) -> str:
        y, m, d, hh, mm = art["date"]
        date_meta = (
            ""
            if art["undated"]
            else f'<meta property="article:published_time" '
            f'content="{y}-{m:02d}-{d:02d}T{hh:02d}:{mm:02d}:00+07:00">'
        )
        body = "\n".join(f"<p>{html.escape(p)}</p>" for p in art["paragraphs"])
        sidebar = "".join(f"<li><a href='/x'>{html.escape(s)}</a></li>" for s in SIDEBAR)
        return (
            f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(art['title'])} | Phnom Penh Post</title>"
            f"<meta property='og:title' content='{html.escape(art['title'], True)}'>"
            f"{date_meta}<meta name='author' content='{' and '.join(art['reporters'])}'>"
            f"<meta property='article:section' content='{art['section']}'></head><body>"
            f"<header><nav><a href='/'>Home</a><a href='/national'>National</a></nav>"
            f"<form>Search</form></header><main><article><h1>{html.escape(art['title'])}"
            f"</h1><div class='article-text'>{body}</div></article>"
            f"<aside class='most-viewed'><h3>MOST VIEWED</h3><ul>{sidebar}</ul></aside>"
            f"</main><footer>Post Media Co Ltd</footer></body></html>"
        )


def write_corpus(n: int, out: Path, seed: int = 7) -> None:
    """Write n captures into out/NNN/ folders of 1,000 files each."""
    corpus = Corpus(seed)
    for i in range(n):
        art = corpus.article(i)
        folder = out / f"{i // 1000:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        if i % 3 == 2:
            (folder / f"story-{i:06d}.html").write_text(corpus.as_html(art), encoding="utf-8")
        else:
            (folder / f"story-{i:06d}.txt").write_text(corpus.as_text(art), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    write_corpus(args.n, args.outdir, args.seed)
    print(f"wrote {args.n} captures to {args.outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
