"""Tunables for extraction and ingest, grouped and commented, in one place."""

# --- Input limits -----------------------------------------------------------
# Real captures are well under 2 MB; a 20 MB file is a dump or an attack, not a page.
MAX_FILE_BYTES = 20 * 1024 * 1024
# A gzip that inflates past this is treated as a zip bomb (same bound as raw files).
MAX_INFLATED_BYTES = MAX_FILE_BYTES
# Budget of one file in an extraction worker: real pages take 40 ms and the largest report
# under a second, so 30 s and 1.5 GB are only reached by hostile or broken input (#15: an HTML
# page of a million sibling <span>s took 94 s and 2.4 GB); such a file is reported, not fatal.
EXTRACT_SECONDS = 30
EXTRACT_MEMORY_MB = 1536
# A sidecar holds a few short fields; anything bigger is not one.
MAX_SIDECAR_BYTES = 64 * 1024
# Longest value a sidecar field may carry (a headline or URL is far shorter).
MAX_SIDECAR_VALUE = 2000
# Below this many characters of text a capture has nothing worth indexing.
MIN_BODY_CHARS = 40

# --- Decoding -----------------------------------------------------------------
# Share of C0 control bytes above which a file is called binary rather than text.
BINARY_CONTROL_RATIO = 0.02

# --- Extraction cascade ---------------------------------------------------------
# trafilatura runs first, tuned for precision. Only when that text is shorter than
# ESCALATE_MIN_CHARS (a cut article, or a short page) does the recall pass run, and its text
# is taken only when the precision text is under ESCALATE_RATIO of it. Measured on the
# 181-page benchmark (issue 11): running the recall pass on every page and escalating by the
# ratio alone gives the same F1 (0.968) at one more trafilatura pass per page.
ESCALATE_RATIO = 0.5
ESCALATE_MIN_CHARS = 400

# HTML pages without date markup: look for a printed date in this many lines of the
# article's visible text (headline, dateline, byline), never deeper in the body.
HEADER_LINES = 12

# --- Layout heuristics for text captures ---------------------------------------------
# Old Post archive pages (1996-2000) wrap near 85 characters; a line this long or
# longer that ends mid-sentence is a wrapped line, not a paragraph end.
WRAP_MIN_LINE = 60
# A headline is short: longer first paragraphs are body text (seeds 000 and 002).
MAX_TITLE_WORDS = 25
# Title-bearing chrome (a title tag, a logo line) is looked for in this many lines at the top.
HEADER_SCAN_LINES = 24
# A displayed headline worded unlike the title tag still shares at least this share of its
# words (a shortened or re-punctuated headline); less is a caption or a standfirst.
MIN_HEADLINE_OVERLAP = 0.5
# A headline standing alone as the first line has at most this many words (the longest
# headlines of the outlets we read run to about 16); longer lines are a lead or a teaser.
MAX_HEADLINE_WORDS = 20
# A headline set in title case (the form VOA and RFA use) has at least this share of its words
# of four letters or more capitalised; sentences have few (names), so 0.8 leaves room for one
# lower-case word such as "with" in an eight-word headline.
TITLE_CASE_SHARE = 0.8
# ...and the story's text follows it: a paragraph of at least this many words.
MIN_LEAD_WORDS = 12
# Alt text repeating a caption: lines whose comparison keys share a prefix this long, at
# most this many non-blank lines apart (alt text, caption and credit sit together).
MIN_DUPLICATE_KEY = 20
DUPLICATE_WINDOW = 3
# Above a caption that ends with its credit, a line this short is the photographer's name
# or the image's file name, not text.
MAX_CREDIT_WORDS = 6
# A caption right after the metadata block is one sentence; longer text is body.
MAX_CAPTION_WORDS = 40
# Listing pages: at least this many teaser-date lines, and this share of paragraphs.
LISTING_MIN_DATES = 4
LISTING_DATE_SHARE = 0.2
# Listings without dates: teasers cut off mid-sentence are long lines (a hard-wrapped
# 1990s line is under 100 characters) without a sentence end; this many make a listing.
TEASER_MIN_CHARS = 100
LISTING_MIN_CUT_TEASERS = 3
# ...or this many headline lines, each followed by its teaser paragraph, unless more than
# this share of lines are 60-95 characters long and end mid-sentence (hard-wrapped pages).
WRAP_MAX_LINE = 95
WRAPPED_PAGE_SHARE = 0.3
LISTING_MIN_HEADLINES = 3
# ...or this many "Publication date" lines: a story prints one, a section front one a teaser.
LISTING_MIN_DATELINES = 2
# An image's file name left in the text: at most this many tokens, most of them numbers.
MAX_SLUG_TOKENS = 8
# ...or a number and a few words, the last in lower case ("2 Kem sokha"); longer lines of
# that shape are text (a list item, a table row), so at most 4 tokens.
MAX_NAMED_SLUG_TOKENS = 4
# Reports: long documents with numbered/roman headings or a table of contents.
REPORT_MIN_CHARS = 12000
REPORT_MIN_HEADINGS = 4

# --- Ingest ----------------------------------------------------------------------------
# Files handed to each worker at a time: large enough to amortise pickling.
INGEST_CHUNKSIZE = 8
# Chunks in flight per worker: enough that no worker waits while the main process takes the
# results before them, few enough that neither waiting captures nor finished results pile up
# (pool.map submitted every chunk at once, so memory grew with the number of files, #12).
INGEST_WINDOW = 4
# On runs of at least this many files, print progress every this many files.
PROGRESS_EVERY = 500
