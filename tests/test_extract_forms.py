"""Page forms issue 11 lists, as small captures written for the purpose (regression tests,
not evidence of quality: tests/test_realpages.py measures that on pages others labelled)."""

from __future__ import annotations

from pathlib import Path

from archive.extract import extract_file

FORMS = Path(__file__).resolve().parent / "fixtures" / "forms"


def test_khmer_times_byline_with_share_bar_and_sponsor_row():
    record = extract_file(FORMS / "khmer-times-byline-sponsors.txt")
    assert record.title == "Police arrest 12 over land clash in Kampong Speu"
    assert record.reporters == ["Khuon Narim", "Sok Chan"]
    assert "Comments" not in record.body and "Axiata" not in record.body
    assert "Related Stories" not in record.body and "Another story" not in record.body
    assert record.speakers == ["Sam Samnang"]


def test_cambodia_daily_photographer_line_caption_and_read_more():
    record = extract_file(FORMS / "cambodia-daily-credit-caption.txt")
    assert record.title == "Villagers Protest Outside Ministry Over Land Grab"
    assert record.captions == [
        "Villagers hold banners outside the Ministry of Land Management in Phnom Penh on "
        "Monday. (Siv Channa/The Cambodia Daily)"
    ]
    assert record.body.startswith("About 200 villagers")
    assert "Read the full story" not in record.body and "Latest News" not in record.body


def test_live_blog_stamps_date_the_page_and_signoffs_are_reporters():
    record = extract_file(FORMS / "ppp-live-blog-signoffs.txt")
    assert record.date == "2017-11-16T21:40:00+07:00"
    assert record.reporters == ["Hor Kimsay"]
    assert "9:40pm" not in record.body and "Hor Kimsay" not in record.body
    assert record.page_type == "article"


def test_displayed_headline_wins_over_a_differently_worded_title_tag():
    record = extract_file(FORMS / "ppp-node-title-differs.txt")
    assert record.title == "Hun Sen says opposition must respect court verdict"
    assert record.section == "National"
    assert "must respect court verdict" not in record.body


def test_headline_printed_after_the_story_above_its_byline():
    record = extract_file(FORMS / "inverted-story-headline-after-text.txt")
    assert record.title == "Police Detain Three Land Activists After Protest in Siem Reap"
    assert record.reporters == ["Sok Rotha"]
    assert record.speakers == ["Chhin Sokha"]


def test_image_file_name_with_a_name_in_it_is_chrome():
    record = extract_file(FORMS / "image-slug-with-name.txt")
    assert record.title == "Union leader freed on bail"
    assert "Rong chhun" not in record.body
    assert record.body.startswith("Union leader Rong Chhun was released")
