"""Small builders for test inputs that are awkward to keep as files."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def make_pdf(lines: list[str]) -> bytes:
    """A minimal valid one-page PDF whose text layer holds the given lines."""
    text_ops = ["BT", "/F1 11 Tf", "50 800 Td", "14 TL"]
    for line in lines:
        safe = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        text_ops.append(f"({safe}) Tj T*")
    text_ops.append("ET")
    stream = "\n".join(text_ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


# Script-injection payloads of many kinds (tags, attributes, URLs, encodings, template and
# SVG tricks). Used against queries, facet values, saved-search names and ingested documents.
XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<body onload=alert(1)>",
    "<iframe src=javascript:alert(1)>",
    "<iframe srcdoc='<script>alert(1)</script>'>",
    "<a href=javascript:alert(1)>x</a>",
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '"><script>alert(1)</script>',
    "'><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "</style><script>alert(1)</script>",
    "<input autofocus onfocus=alert(1)>",
    "<select onfocus=alert(1) autofocus>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    "<math><mtext><script>alert(1)</script>",
    "<form action=javascript:alert(1)><button>x",
    "<isindex action=javascript:alert(1) type=image>",
    "<link rel=import href=//evil.example>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "<base href=//evil.example/>",
    '<div style="background:url(javascript:alert(1))">',
    "<style>@import 'javascript:alert(1)';</style>",
    "<table background=javascript:alert(1)>",
    "<img src=`x`onerror=alert(1)>",
    "<img/src/onerror=alert(1)>",
    "<svg/onload=alert(1)//",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "javascript:alert(document.cookie)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "{{constructor.constructor('alert(1)')()}}",
    "${alert(1)}",
    "<!--<script>alert(1)//-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<xss id=x tabindex=1 onfocusin=alert(1)></xss>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '" onmouseover="alert(1)',
    "' onmouseover='alert(1)",
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<keygen autofocus onfocus=alert(1)>",
]


def assert_no_injection(html: str) -> None:
    """No script, frame, object or event handler made it into the page from a payload."""
    from bs4 import BeautifulSoup

    page = BeautifulSoup(html, "html.parser")
    bad_tags = [
        "script",
        "iframe",
        "img",
        "object",
        "embed",
        "base",
        "video",
        "audio",
        "marquee",
        "math",
        "keygen",
        "xss",
        "isindex",
        "details",
        "noscript",
        "body",
    ]
    found = [t.name for t in page.find_all(bad_tags) if t.name != "body" or t.attrs]
    assert not found, found
    assert len(page.find_all("svg")) == len(page.select("svg.timeline")), "foreign svg"
    for tag in page.find_all(True):
        assert not any(attr.lower().startswith("on") for attr in tag.attrs), tag
        for attr in ("href", "src", "action", "data", "background", "formaction"):
            value = str(tag.get(attr, "")).strip().lower()
            assert not value.startswith(("javascript:", "data:text/html")), tag
        if tag.name == "meta":
            assert "url=" not in str(tag.get("content", "")).lower(), tag


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url: str, data: bytes | None = None, headers: dict | None = None, timeout=30):
    """(status, body text) of one request; HTTP errors are answers, not exceptions."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


@contextmanager
def running_server(index_dir, threads: int = 8, wait_seconds: float = 60, extra_args=()):
    """`archive serve` (waitress) on a free loopback port: yields (base URL, process)."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "archive_cli",
            "serve",
            "--index",
            str(index_dir),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--threads",
            str(threads),
            *extra_args,
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=dict(os.environ, PYTHONWARNINGS="ignore"),
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                with urllib.request.urlopen(base + "/", timeout=wait_seconds) as response:
                    response.read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "archive serve did not start: " + proc.stderr.read().decode()[-2000:]
                    ) from None
                time.sleep(0.1)
        yield base, proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        proc.stderr.close()
