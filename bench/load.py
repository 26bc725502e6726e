"""The server under load: ``streamlit run app.py`` with real Chromium visitors on loopback.

``python -m bench load`` prints

* the idle server's memory;
* 8 visitors at once, on different pages and tabs at their defaults, on a fresh server: the
  time until every page is drawn and the server's peak memory (budget 800 MB);
* 100 distinct links one after another (moderate to large settings on every page and tab),
  on a fresh server: its memory after them (budget 600 MB), its peak, and the slow links.

Memory is the server's resident memory plus that of every process it spawned (the Remedies
page's training helpers), read from ``/proc`` (``tests/browser_kit.MemoryWatch``). The links
come from ``tests/browser_kit.distinct_links`` with a fixed seed, so every run sends the same
100. A page that shows an exception or rejects its link prints a FAIL row. Times are from the
link being opened to the page being fully drawn in Chromium, so they include the browser's
own work. Takes about ten minutes; needs Debian's Chromium and Playwright's Python package.
"""

from __future__ import annotations

import asyncio
import time

from bench import Report
from gradviz.budget import LINKS_PROCESS_BYTES, TRAINING_SECONDS, VISITORS_PROCESS_BYTES

LINKS = 100


def run(report: Report) -> None:
    from tests.browser_kit import (
        MemoryWatch,
        distinct_links,
        draw_one_after_another,
        draw_together,
        eight_at_defaults,
        streamlit_server,
    )

    with streamlit_server() as server, MemoryWatch(server.pid) as memory:
        time.sleep(2.0)
        report.bytes("server idle, resident", sum(memory.rss_now()))
        drawn = asyncio.run(draw_together(server.base, eight_at_defaults()))
        time.sleep(2 * memory.interval)  # one more sample of the helpers
    _problems(report, drawn)
    slowest = max(drawn, key=lambda d: d.seconds)
    report.time("8 visitors at defaults at once: all drawn", slowest.seconds)
    report.value("  the last one drawn", str(slowest.visit))
    report.bytes(
        "8 visitors at defaults: peak, server + helpers", memory.peak, VISITORS_PROCESS_BYTES
    )
    _split(report, memory)

    links = distinct_links(LINKS)
    after: list[float] = []
    peaks: list[tuple[float, object]] = []  # the server's peak after each link, and the link
    with streamlit_server() as server, MemoryWatch(server.pid) as memory:
        start = memory.server_peak

        def record(index, drawn):
            memory.sample()
            peaks.append((memory.server_peak, drawn.visit))
            after.append(sum(memory.rss_now()))
            if (index + 1) % 20 == 0:
                report.bytes(f"  after {index + 1} links, server + helpers", after[-1])

        drawn = asyncio.run(draw_one_after_another(server.base, links, record))
    _problems(report, drawn)
    report.bytes(f"{LINKS} distinct links: after, server + helpers", after[-1], LINKS_PROCESS_BYTES)
    report.bytes(f"{LINKS} distinct links: peak, server + helpers", memory.peak)
    _split(report, memory)
    before = [start] + [peak for peak, _ in peaks[:-1]]
    rise, visit = max(
        ((peak - earlier, link) for earlier, (peak, link) in zip(before, peaks, strict=True)),
        key=lambda pair: pair[0],
    )
    report.bytes("  largest rise of the server's peak in one link", rise)
    report.value("  that link", str(visit))
    slow = sorted((d for d in drawn if d.seconds > TRAINING_SECONDS), key=lambda d: -d.seconds)
    report.value(
        f"{LINKS} distinct links: drawn in over {TRAINING_SECONDS:g} s",
        f"{len(slow)} of {len(drawn)}",
    )
    for found in slow[:5]:
        report.value(f"  {found.seconds:.1f} s", str(found.visit))
    report.time(
        f"{LINKS} distinct links: median", sorted(d.seconds for d in drawn)[len(drawn) // 2]
    )


def _split(report: Report, memory) -> None:
    report.value(
        "  of which server / helpers",
        f"{memory.server_peak / 1e6:.0f} / {memory.children_peak / 1e6:.0f} MB"
        f" ({memory.children_seen} helper(s))",
    )


def _problems(report: Report, drawn) -> None:
    for found in drawn:
        for problem in found.problems():
            report.failed(f"  {found.visit}", problem.splitlines()[0][:90])
