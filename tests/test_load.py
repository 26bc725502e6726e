"""Load test: eight real Chromium visitors on ``streamlit run app.py`` at once.

Each visitor is a fresh browser context (its own Streamlit session) on a different page or tab,
opened from its own link. Every page must be fully drawn (charts rendered, no script running),
show no exception and no link notice, open the tab its link names and show its link's values,
not another visitor's. The server's peak memory (its own ``VmHWM`` plus that of every process it
spawned, such as the Remedies page's training helpers) must stay under
:data:`~gradviz.budget.VISITORS_PROCESS_BYTES` with eight visitors at their defaults.

Each test starts its own server, so its peak is that of the visits alone. The time until every
page is drawn and the peak are printed and written to ``tests/artifacts/load.json``; speed is
judged by ``python -m bench load``, not here. The 100-link soak lives there too (it takes
about ten minutes); :func:`test_links_one_after_another_stay_under_budget` is its short form.
"""

from __future__ import annotations

import asyncio
import json
import os
import time

import pytest

from gradviz.budget import LINKS_PROCESS_BYTES, VISITORS_PROCESS_BYTES
from gradviz.numerics import format_sci
from gradviz.products import factor_power
from tests.browser_kit import (
    MB,
    PAGE_TABS,
    ROOT,
    Drawn,
    MemoryWatch,
    Visit,
    descendants,
    distinct_links,
    draw_one_after_another,
    draw_together,
    eight_at_defaults,
    require_browser,
    streamlit_server,
)

ARTIFACT = ROOT / "tests" / "artifacts" / "load.json"

FACTOR = "Per-layer factor a = f′(z)·w"


def eight_links() -> list[Visit]:
    """Eight visitors on six pages with links away from the defaults; two pairs share a page
    (with different values), so a session that showed another's values would be caught."""
    return [
        Visit(
            "app.py",
            (("factor", "2"), ("depth", "10")),
            sliders=((FACTOR, "2.00"), ("Depth L (layers)", "10")),
            texts=("a^L = 2^10", format_sci(factor_power(2.0, 10).final, 4)),
        ),
        Visit(
            "app.py",
            (("factor", "0.5"), ("depth", "20")),
            sliders=((FACTOR, "0.50"), ("Depth L (layers)", "20")),
            texts=("a^L = 0.5^20", format_sci(factor_power(0.5, 20).final, 4)),
        ),
        Visit(
            "pages/1_Activations.py",
            (("tab", "Depth"), ("max_depth", "120"), ("free", "1.5")),
            sliders=(("Depth L", "120"), ("Free factor a", "1.50")),
        ),
        Visit(
            "pages/2_Initialization.py",
            (("tab", "Histograms"), ("depth", "20"), ("width", "128"), ("batch", "128")),
            sliders=(("Depth L", "20"), ("Width n", "128"), ("Batch N", "128")),
        ),
        Visit(
            "pages/3_Deep_chain.py",
            (("tab", "Linear chain"), ("n", "16"), ("steps", "200")),
            sliders=(("Size n", "16"), ("Powers t up to", "200")),
        ),
        Visit(
            "pages/4_RNN_LSTM.py",
            (("tab", "Gradient through time"), ("seq_len", "200"), ("hidden", "16")),
            sliders=(("Sequence length T", "200"), ("Hidden size H", "16")),
        ),
        Visit(
            "pages/4_RNN_LSTM.py",
            (("tab", "Clipping and the cliff"), ("theta", "5"), ("w0", "8")),
            sliders=(("Clipping threshold θ", "5.00"), ("Start w₀", "8.00")),
        ),
        Visit(
            "pages/5_Remedies.py",
            (("tab", "Gated cells"), ("g_len", "120"), ("g_radius", "1.1")),
            sliders=(("Sequence length T", "120"), ("Spectral radius of W_h", "1.10")),
        ),
    ]


def _record(name: str, figures: dict) -> None:
    """Print the figures and keep them in ``tests/artifacts/load.json``."""
    print(f"\n{name}: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    found = json.loads(ARTIFACT.read_text()) if ARTIFACT.exists() else {}
    ARTIFACT.write_text(json.dumps(found | {name: figures}, indent=2))


def _visit_together(visits: list[Visit]):
    """``(drawn, memory)``: every visit at once on a fresh server."""
    require_browser()
    with streamlit_server() as server, MemoryWatch(server.pid) as memory:
        drawn = asyncio.run(draw_together(server.base, visits))
        time.sleep(2 * memory.interval)  # one more sample of the helpers
    return drawn, memory


def _figures(drawn, memory) -> dict:
    return {
        "all drawn after": f"{max(d.seconds for d in drawn):.1f} s",
        "each drawn after": {str(d.visit): round(d.seconds, 1) for d in drawn},
        "server peak": f"{memory.server_peak / MB:.0f} MB",
        "helpers peak": f"{memory.children_peak / MB:.0f} MB ({memory.children_seen})",
        "together": f"{memory.peak / MB:.0f} MB",
    }


@pytest.mark.browser
def test_eight_visitors_at_their_defaults_at_once():
    visits = eight_at_defaults()
    assert len({(v.page, v.tab) for v in visits}) == 8, "eight different pages and tabs"
    drawn, memory = _visit_together(visits)
    _record("8 visitors at defaults", _figures(drawn, memory))
    problems = [f"{d.visit}: {p}" for d in drawn for p in d.problems()]
    assert not problems, "\n".join(problems)
    assert memory.peak < VISITORS_PROCESS_BYTES, _figures(drawn, memory)


@pytest.mark.browser
def test_eight_visitors_with_their_own_links_see_their_own_values():
    visits = eight_links()
    drawn, memory = _visit_together(visits)
    _record("8 visitors with links", _figures(drawn, memory))
    problems = [f"{d.visit}: {p}" for d in drawn for p in d.problems()]
    assert not problems, "\n".join(problems)
    assert memory.peak < VISITORS_PROCESS_BYTES, _figures(drawn, memory)


@pytest.mark.browser
def test_links_one_after_another_stay_under_budget():
    """Twelve of the soak's links (two per page), one visitor after another: every one draws
    cleanly, and the server holds less than the 100-link budget afterwards."""
    require_browser()
    links = distinct_links(12)
    assert len({v.page for v in links}) == 6
    with streamlit_server() as server, MemoryWatch(server.pid) as memory:
        drawn = asyncio.run(draw_one_after_another(server.base, links))
        after = sum(memory.rss_now())
    _record(
        "12 links one after another",
        {
            "slowest": f"{max(d.seconds for d in drawn):.1f} s",
            "after": f"{after / MB:.0f} MB",
            "peak": f"{memory.peak / MB:.0f} MB",
        },
    )
    problems = [f"{d.visit}: {p}" for d in drawn for p in d.problems()]
    assert not problems, "\n".join(problems)
    assert after < LINKS_PROCESS_BYTES


# --- the kit itself, without a browser ----------------------------------------------------------


def test_the_soak_links_are_distinct_reproducible_and_reach_every_tab():
    links = distinct_links(100)
    assert len(set(links)) == 100
    assert links == distinct_links(100)
    assert links != distinct_links(100, seed=12)
    reached: dict[str, set] = {}
    for link in links:
        reached.setdefault(link.page, set()).add(link.tab)
    assert reached == {page: set(tabs) for page, tabs in PAGE_TABS.items()}


def test_eight_links_differ_and_two_pairs_share_a_page():
    visits = eight_links()
    assert len(set(visits)) == 8 and all(v.sliders for v in visits)
    pages = [v.page for v in visits]
    assert sorted(pages.count(p) for p in set(pages)) == [1, 1, 1, 1, 2, 2]


def test_a_drawn_page_is_checked_against_its_link():
    visit = eight_links()[0]
    shown = dict(visit.sliders)
    good = Drawn(visit, 1.0, shown, None, (), (), "a^L = 2^10 ... 1024")
    assert good.problems() == []
    other = eight_links()[1]  # the other landing visitor's values
    wrong = Drawn(visit, 1.0, dict(other.sliders), None, ("ValueError: x",), ("notice",), "")
    found = wrong.problems()
    assert any(p.startswith("exception") for p in found)
    assert any(p.startswith("link notice") for p in found)
    assert sum(p.startswith("slider") for p in found) == 2
    assert sum(p.endswith("not on the page") for p in found) == 2
    tabbed = eight_links()[2]
    assert Drawn(tabbed, 1.0, dict(tabbed.sliders), "Curves", (), (), "").problems() == [
        "tab 'Curves' open, the link asked for 'Depth'"
    ]


def test_memory_watch_counts_the_processes_the_server_spawns():
    """A parent that starts a child holding 80 MB: the watch finds the child and its peak."""
    import subprocess
    import sys

    child = "import time; block = bytearray(80_000_000); time.sleep(30)"
    parent = (
        "import subprocess, sys, time; "
        f"p = subprocess.Popen([sys.executable, '-c', {child!r}]); time.sleep(30)"
    )
    proc = subprocess.Popen([sys.executable, "-c", parent])
    try:
        with MemoryWatch(proc.pid, interval=0.05) as memory:
            deadline = time.monotonic() + 20
            while memory.children_peak < 80e6 and time.monotonic() < deadline:
                time.sleep(0.05)
        assert memory.children_seen == 1
        assert memory.children_peak >= 80e6
        assert memory.server_peak < 80e6  # the parent itself holds no such block
        assert memory.peak == memory.server_peak + memory.children_peak
    finally:
        for pid in descendants(proc.pid):
            os.kill(pid, 15)
        proc.terminate()
        proc.wait(timeout=10)
