"""``streamlit run app.py`` on loopback, Debian's Chromium, and the server's memory.

Shared by the browser tests (``tests/test_browser.py``, ``tests/test_load.py``) and the load
benchmark (``bench/load.py``):

* :func:`streamlit_server`: a headless ``streamlit run app.py`` on a free ``127.0.0.1`` port,
  started the way Community Cloud starts it (the repository's ``.streamlit/config.toml``, no
  extra environment), stopped with its child processes when the block ends;
* :class:`MemoryWatch`: the peak resident memory of that server *and of every process it
  spawned* (the Remedies page's training helpers), from ``/proc/<pid>/status``;
* :data:`RENDERED_JS` and :func:`wait_until_rendered`: "the page is fully drawn";
* :class:`Visit` (a page opened from a link, and what it must then show), :func:`draw` (one
  visitor in a fresh browser context, read once fully drawn: :class:`Drawn`),
  :func:`draw_together` (many visitors at once) and :func:`draw_one_after_another`;
* who visits: :func:`eight_at_defaults` and :func:`distinct_links` (the 100-link soak);
* :func:`require_browser`: skip without Chromium or Playwright, fail with ``CI=true``.

Playwright drives ``/usr/bin/chromium``; it never downloads a browser. All traffic stays on
loopback.
"""

from __future__ import annotations

import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Eight visitors' tabs share one browser; a hidden or background tab must keep drawing.
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]
IN_CI = os.environ.get("CI", "").lower() == "true"
TIMEOUT_MS = 90_000
TOGETHER_TIMEOUT_MS = 300_000  # eight cold pages share two cores and one interpreter lock
MB = 1e6


def require_browser() -> None:
    """Skip unless Debian's Chromium and Playwright's Python package are both here; with
    ``CI=true`` a missing one fails instead (CI must run the browser tests)."""
    reason = None
    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "Playwright's Python package is not installed (pip install playwright)"
    if reason:
        if IN_CI:
            pytest.fail(f"CI=true but the browser tests cannot run: {reason}")
        pytest.skip(reason)


def page_paths() -> list[tuple[str, str]]:
    """``(name, url path)`` of the landing page and of every page file under ``pages/``, with
    Streamlit's URL rule: the file stem without its numeric prefix (``3_Deep_chain.py`` ->
    ``Deep_chain``)."""
    found = [("landing", "")]
    for path in sorted(
        (ROOT / "pages").glob("*.py"),
        key=lambda p: (int(m.group()) if (m := re.match(r"\d+", p.stem)) else 10**9, p.name),
    ):
        if not path.name.startswith("_"):
            found.append((path.stem, url_path(path.name)))
    return found


def url_path(page_file: str) -> str:
    """The URL path Streamlit serves ``pages/N_Name.py`` at (``Name``); ``""`` for ``app.py``."""
    stem = Path(page_file).stem
    return "" if page_file == "app.py" else re.sub(r"^\d+[_ -]*", "", stem)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the server -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    """A running ``streamlit run app.py``: its base URL and process id."""

    base: str
    pid: int
    log_path: str

    def log_tail(self, chars: int = 3000) -> str:
        return Path(self.log_path).read_text(errors="replace")[-chars:]


@contextmanager
def streamlit_server(
    root: Path = ROOT, env: dict | None = None, startup_seconds: float = 90
) -> Iterator[Server]:
    """A headless ``streamlit run app.py`` on a free loopback port, answering
    ``/_stcore/health``; on exit it and every process it spawned are stopped.

    Only command-line options that a local run needs are passed (port, address, no file
    watcher, no usage stats); everything else comes from ``.streamlit/config.toml``, as on
    Community Cloud. ``env`` adds environment variables (for experiments: Community Cloud
    starts the server itself, so a fix cannot rely on them).
    """
    port = free_port()
    log = tempfile.NamedTemporaryFile("w+", prefix="gradviz-server-", suffix=".log", delete=False)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless=true",
            f"--server.port={port}",
            "--server.address=127.0.0.1",
            "--server.fileWatcherType=none",
            "--browser.gatherUsageStats=false",
        ],
        cwd=root,
        env=None if env is None else os.environ | env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = Server(f"http://127.0.0.1:{port}", proc.pid, log.name)
    try:
        deadline = time.monotonic() + startup_seconds
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{server.log_tail()}")
            try:
                with urllib.request.urlopen(f"{server.base}/_stcore/health", timeout=2) as answer:
                    if answer.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"streamlit did not answer /_stcore/health in {startup_seconds} s"
                )
            time.sleep(0.3)
        yield server
    finally:
        children = descendants(proc.pid)
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        _stop(children)  # training helpers normally exit with the server; make sure
        log.close()
        os.unlink(log.name)


def _stop(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, 15)
        except ProcessLookupError:
            pass


# --- memory -----------------------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    """Every living process below ``pid`` (children, grandchildren, ...), from ``/proc``."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # Field 4 is the parent id; the command name (field 2) may contain spaces, so split
        # after its closing parenthesis.
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def memory_of(pid: int) -> tuple[float, float] | None:
    """``(VmRSS, VmHWM)`` of process ``pid`` in bytes: resident memory now and its peak since
    the process started; ``None`` if it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, flags=re.M))
    if len(fields) < 2:  # a zombie has no memory lines
        return None
    return float(fields["VmRSS"]) * 1024, float(fields["VmHWM"]) * 1024


class MemoryWatch:
    """Peak resident memory of a server process and of everything it spawns, sampled in a
    background thread every ``interval`` seconds while the ``with`` block runs.

    * :attr:`server_peak`: the server's own ``VmHWM`` (the kernel's exact peak);
    * :attr:`children_peak`: the largest sum, over the samples, of the ``VmHWM`` of the child
      processes alive at that sample (each child counted at its own peak so far; helpers that
      came and went at different times are not added up; one that lived only between two
      samples is missed);
    * :attr:`peak`: server plus children, an upper bound of what they held at any one time
      (their peaks need not coincide). The budgets are checked against this, since a
      Community Cloud container's limit counts every process in it;
    * :meth:`rss_now`: the server's and its children's resident memory right now.
    """

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid, self.interval = pid, interval
        self.server_peak = 0.0
        self.children_peak = 0.0
        self._children_seen: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-watch", daemon=True)

    def __enter__(self) -> MemoryWatch:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        server = memory_of(self.pid)
        if server is not None:
            self.server_peak = max(self.server_peak, server[1])
        children = {pid: memory_of(pid) for pid in descendants(self.pid)}
        alive = {pid: memory for pid, memory in children.items() if memory is not None}
        self._children_seen |= alive.keys()
        self.children_peak = max(self.children_peak, sum(hwm for _, hwm in alive.values()))

    @property
    def children_seen(self) -> int:
        """How many child processes were seen, over the whole watch."""
        return len(self._children_seen)

    @property
    def peak(self) -> float:
        return self.server_peak + self.children_peak

    def rss_now(self) -> tuple[float, float]:
        """``(server, children)`` resident bytes now."""
        server = memory_of(self.pid)
        children = [memory_of(pid) for pid in descendants(self.pid)]
        return (server[0] if server else 0.0), sum(m[0] for m in children if m)


# --- the browser ------------------------------------------------------------------------------

APP = '[data-testid="stApp"]'

RENDERED_JS = """(requireChart) => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) return false;
    if (window.__gradvizWatching && !window.__gradvizSawRun) return false;
    if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (document.querySelector('[data-testid="stSpinner"]')) return false;
    if (document.querySelector('[data-testid="stException"]')) return true;
    const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
        .filter((c) => c.offsetParent !== null);
    const drawn = charts.every((c) => c.querySelector('canvas, svg.marks'));
    return (charts.length > 0 || !requireChart) && drawn;
}"""
"""True once the script run has finished and every visible Vega chart has drawn.

``stApp`` carries Streamlit's ``data-test-script-state`` ("initial", "running", "notRunning").
The chart element is itself the ``.vega-embed`` container; Vega draws into a ``<canvas>`` or an
``<svg class="marks">`` inside it. Every page of the app opens on a view with at least one chart,
so there (``requireChart``) a view with none is not finished, unless the run ended in an
exception (the caller then reports it instead of timing out). After :func:`watch_next_run` this
also waits for that run to have started."""

WATCH_NEXT_RUN_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    window.__gradvizWatching = true;
    window.__gradvizSawRun = false;
    // Any change of the state from the idle one the watch starts in is a run that began: a
    // short run can go to "running" and back before the observer's callback reads the
    // attribute, so the records, not the attribute's value at callback time, tell.
    new MutationObserver((records) => {
        if (records.length) window.__gradvizSawRun = true;
    }).observe(app, { attributes: true, attributeFilter: ['data-test-script-state'] });
}"""


def wait_until_rendered(page, require_chart: bool = True) -> None:
    """Block until :data:`RENDERED_JS` holds on a Playwright (sync) ``page``."""
    page.wait_for_selector(APP)
    page.wait_for_function(RENDERED_JS, arg=require_chart, timeout=TIMEOUT_MS)
    page.wait_for_timeout(400)  # Vega's own transitions, before a screenshot
    page.evaluate("() => { window.__gradvizWatching = false; }")


def watch_next_run(page) -> None:
    """Record when the next script run starts, so :func:`wait_until_rendered` cannot mistake
    the state before a click for the state after it."""
    page.evaluate(WATCH_NEXT_RUN_JS)


def visible_chart_count(page) -> int:
    return page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
            .filter((c) => c.offsetParent !== null &&
                           c.querySelector('canvas, svg.marks')).length"""
    )


def assert_no_exception(page, where: str) -> None:
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, f"{where}: {errors.first.inner_text()[:2000]}"


def chromium_launch_options() -> dict:
    """Keyword arguments for Playwright's ``chromium.launch``: Debian's browser, headless."""
    return {"executable_path": str(CHROMIUM), "headless": True, "args": CHROMIUM_ARGS}


# --- visitors ---------------------------------------------------------------------------------

SLIDERS_BY_LABEL_JS = """() => Object.fromEntries(
    [...document.querySelectorAll('[data-testid="stSlider"]')]
        .filter((s) => s.offsetParent !== null)
        .map((s) => [
            s.querySelector('[data-testid="stWidgetLabel"]')?.innerText.trim() ?? '',
            [...s.querySelectorAll('input[type="range"]')]
                .map((e) => e.getAttribute('aria-valuetext') ?? e.value).join(' – '),
        ]))"""
"""``{label: shown value}`` of the visible sliders (a select slider shows its option's text)."""

EXCEPTION = '[data-testid="stException"]'
SELECTED_TAB = '[data-testid="stTabs"] [role="tab"][aria-selected="true"]'
SETTLE_MS = 15_000
"""How long a drawn page may take to lay out its last sliders (:func:`_settle`)."""
LINK_NOTICE = "could not be used"  # ui.LinkState's warning for a link value it rejected


@dataclass(frozen=True)
class Visit:
    """One visitor: a page (``"app.py"`` or ``"pages/N_Name.py"``) opened from a link with the
    query parameters ``query``, and what the drawn page must then show: ``sliders``
    (``label -> value``, as :data:`SLIDERS_BY_LABEL_JS` reads them) and ``texts`` (strings
    that must appear on it)."""

    page: str
    query: tuple[tuple[str, str], ...] = ()
    sliders: tuple[tuple[str, str], ...] = ()
    texts: tuple[str, ...] = ()

    def url(self, base: str) -> str:
        from urllib.parse import urlencode

        return f"{base}/{url_path(self.page)}" + (f"?{urlencode(self.query)}" if self.query else "")

    @property
    def tab(self) -> str | None:
        return dict(self.query).get("tab")

    def __str__(self) -> str:
        return f"{url_path(self.page) or 'landing'}?{'&'.join(f'{k}={v}' for k, v in self.query)}"


@dataclass(frozen=True)
class Drawn:
    """What one :class:`Visit` found once its page was fully drawn, ``seconds`` after the
    visits started."""

    visit: Visit
    seconds: float
    sliders: dict
    tab: str | None
    exceptions: tuple[str, ...]
    link_notices: tuple[str, ...]
    text: str

    def problems(self) -> list[str]:
        """Everything that differs from what the visit expects (empty when all is well)."""
        found = [f"exception: {e[:1500]}" for e in self.exceptions]
        found += [f"link notice: {n[:500]}" for n in self.link_notices]
        if self.visit.tab is not None and self.tab != self.visit.tab:
            found.append(f"tab {self.tab!r} open, the link asked for {self.visit.tab!r}")
        for label, value in self.visit.sliders:
            if self.sliders.get(label) != value:
                found.append(f"slider {label!r} shows {self.sliders.get(label)!r}, not {value!r}")
        found += [f"{text!r} not on the page" for text in self.visit.texts if text not in self.text]
        return found


async def draw(browser, base: str, visit: Visit, started: float, timeout_ms: int = TIMEOUT_MS):
    """Open ``visit`` in a fresh browser context (a new visitor: own cookies, own Streamlit
    session), wait until it is fully drawn, read what it shows, and close it."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = await context.new_page()
        page.set_default_timeout(timeout_ms)
        await page.goto(visit.url(base))
        await page.wait_for_function(RENDERED_JS, arg=True, timeout=timeout_ms)
        seconds = time.monotonic() - started
        await _settle(page, [label for label, _ in visit.sliders])
        tab = page.locator(SELECTED_TAB)
        warnings = await page.locator('[data-testid="stAlert"]').all_inner_texts()
        return Drawn(
            visit=visit,
            seconds=seconds,
            sliders=await page.evaluate(SLIDERS_BY_LABEL_JS),
            tab=(await tab.first.inner_text()).strip() if await tab.count() else None,
            exceptions=tuple(await page.locator(EXCEPTION).all_inner_texts()),
            link_notices=tuple(w for w in warnings if LINK_NOTICE in w),
            text=await page.locator(APP).inner_text(),
        )
    finally:
        await context.close()


async def _settle(page, labels: list[str], timeout_ms: int = SETTLE_MS) -> None:
    """Give a drawn page up to ``timeout_ms`` to show every slider in ``labels``.

    On a loaded machine the browser can report a finished run a moment before the last
    elements of it are laid out (seen once in CI: the landing page's text drawn, its two
    sliders not yet). What is still missing after the wait is reported by
    :meth:`Drawn.problems`, as before."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    if not labels:
        return
    try:
        await page.wait_for_function(
            f"""(labels) => {{
                const shown = ({SLIDERS_BY_LABEL_JS})();
                return labels.every((label) => label in shown);
            }}""",
            arg=labels,
            timeout=timeout_ms,
        )
    except PlaywrightTimeout:
        pass  # the read that follows reports what is missing


async def draw_together(
    base: str, visits: list[Visit], timeout_ms: int = TOGETHER_TIMEOUT_MS
) -> list[Drawn]:
    """Every visit at once, each in its own browser context of one Chromium; their
    :attr:`Drawn.seconds` count from the moment all were started."""
    import asyncio

    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**chromium_launch_options())
        try:
            started = time.monotonic()
            return list(
                await asyncio.gather(*(draw(browser, base, v, started, timeout_ms) for v in visits))
            )
        finally:
            await browser.close()


async def draw_one_after_another(base: str, visits: list[Visit], after=None) -> list[Drawn]:
    """Each visit in turn, each a new visitor whose tab is closed before the next one comes;
    ``after(index, drawn)`` runs after each (to read the server's memory, say)."""
    from playwright.async_api import async_playwright

    found = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**chromium_launch_options())
        try:
            for index, visit in enumerate(visits):
                found.append(await draw(browser, base, visit, time.monotonic()))
                if after is not None:
                    after(index, found[-1])
        finally:
            await browser.close()
    return found


# --- who visits -------------------------------------------------------------------------------


def _grid(rng: random.Random, low: float, high: float, step: float) -> str:
    """A value of a slider from ``low`` to ``high`` by ``step``, written as the URL would."""
    value = low + step * rng.randint(0, round((high - low) / step))
    return f"{round(value, 6):g}"


def _activations(rng: random.Random, tab: str) -> dict:
    from gradviz.activations import NAMES, label

    labels = [label(n) for n in NAMES]
    query = {"act": rng.sample(labels, rng.randint(1, 6)), "tab": tab}
    query |= {
        "Curves": lambda: {"xrange": _grid(rng, 1.0, 50.0, 0.5)},
        "Depth": lambda: {"max_depth": str(rng.randint(50, 500)), "free": _grid(rng, 0.1, 5, 0.01)},
        "Saturation": lambda: {"mu": _grid(rng, -3, 3, 0.1), "s": _grid(rng, 0.1, 10, 0.1)},
        "Random products": lambda: {
            "n": str(rng.randint(10, 500)),
            "trials": rng.choice(["10000", "100000"]),
            "thr": str(rng.randint(-300, -1)),
            "seed": str(rng.randint(0, 10_000)),
        },
        "Zero-centred": lambda: {
            "pos": rng.choice(["sigmoid", "ReLU"]),
            "w1": _grid(rng, -2, 2, 0.1),
            "w2": _grid(rng, -2, 2, 0.1),
            "lr": _grid(rng, 0.05, 1, 0.05),
            "steps": _grid(rng, 20, 500, 10),
        },
    }[tab]()
    return query


def _initialization(rng: random.Random, tab: str) -> dict:
    from gradviz.activations import label
    from gradviz.initializers import REGISTRY

    names = ("xavier_normal", "he_normal", "standard_normal", "lecun_normal", "orthogonal")
    inits = [REGISTRY[n].label for n in (*names, "too_small")]
    query = {
        "tab": tab,
        "init": rng.choice(inits),
        "act": label(rng.choice(["tanh", "relu", "sigmoid", "elu", "gelu"])),
        "depth": str(rng.randint(5, 60)),
        "width": str(rng.choice([32, 64, 128, 256])),
        "batch": str(rng.choice([64, 128, 256, 512])),
        "sigma_b": _grid(rng, 0, 1, 0.05),
        "seed": str(rng.randint(0, 9999)),
    }
    if tab == "Training":
        query |= {
            "depth": str(rng.randint(3, 20)),
            "width": str(rng.choice([16, 32, 64])),
            "steps": _grid(rng, 50, 300, 10),
            "data": rng.choice(["circle", "moons", "spiral", "xor", "blobs"]),
            "lr": rng.choice(["0.03", "0.1", "0.3"]),
        }
    return query


def _deep_chain(rng: random.Random, tab: str) -> dict:
    if tab == "Neuron chain":
        query = {
            "length": str(rng.randint(2, 200)),
            "act": rng.choice(["sigmoid", "tanh", "relu", "elu"]),
            "seed": str(rng.randint(0, 10_000)),
            "sigma_b": _grid(rng, 0, 5, 0.01),
        }
    elif tab == "Linear chain":
        query = {
            "kind": rng.choice(
                ["random Gaussian", "orthogonal (scaled)", "non-normal (Jordan-like block)"]
            ),
            "n": str(rng.randint(8, 64)),
            "radius": _grid(rng, 0.5, 1.5, 0.01),
            "steps": str(rng.randint(50, 500)),
            "mseed": str(rng.randint(0, 10_000)),
        }
    else:
        query = {
            "jact": rng.choice(["tanh", "relu", "linear"]),
            "ratio": _grid(rng, 0.5, 1.5, 0.05),
            "depth": str(rng.randint(10, 100)),
            "width": str(rng.choice([32, 64, 128, 256])),
            "jseed": str(rng.randint(0, 10_000)),
        }
    return {"tab": tab} | query


def _rnn(rng: random.Random, tab: str) -> dict:
    query = {"tab": tab, "seed": str(rng.randint(0, 999))}
    if tab == "Gradient through time":
        query |= {
            "seq_len": _grid(rng, 50, 500, 10),
            "hidden": str(rng.randint(8, 64)),
            "rnn_act": rng.choice(["tanh", "sigmoid", "relu"]),
            "radius": _grid(rng, 0.5, 2.0, 0.05),
            "forget_bias": _grid(rng, -2, 5, 0.5),
        }
    elif tab == "Clipping and the cliff":
        query |= {
            "theta": _grid(rng, 0.1, 20, 0.1),
            "lr": rng.choice(["0.003", "0.01", "0.03"]),
            "w0": _grid(rng, 0, 12, 0.25),
            "b0": _grid(rng, -8, 2, 0.25),
        }
    else:
        query |= {
            "add_len": _grid(rng, 5, 40, 5),
            "iters": _grid(rng, 100, 400, 50),
            "clip_mode": rng.choice(["none", "norm", "value"]),
            "clip_theta": _grid(rng, 0.5, 5, 0.1),
        }
    return query


def _remedies(rng: random.Random, tab: str) -> dict:
    if tab == "Remedies & symptoms":
        remedies = ["activation", "init", "batchnorm", "residual", "clip", "penalty"]
        remedies += ["fewer layers", "smaller lr"]  # the URL shows the labels, not the keys
        query = {
            "depth": str(rng.randint(5, 30)),
            "width": str(rng.choice([16, 32, 64])),
            "act": rng.choice(["sigmoid", "tanh"]),
            "sigma_w": _grid(rng, 0.5, 10, 0.5),
            "steps": _grid(rng, 100, 300, 50),
            "seed": str(rng.randint(0, 99)),
            "remedies": rng.sample(remedies, rng.randint(1, 4)),
        }
    elif tab == "Dying ReLU":
        query = {
            "dr_lr": rng.choice(["0.01", "0.1", "1.0", "3.0"]),
            "dr_opt": rng.choice(["adam", "sgd"]),
            "dr_depth": str(rng.randint(2, 20)),
        }
    elif tab == "Choosing an activation":
        query = {"adv_depth": str(rng.randint(2, 20))}
    else:
        query = {
            "g_len": str(rng.randint(20, 200)),
            "g_radius": _grid(rng, 0.5, 1.5, 0.05),
            "g_fb": _grid(rng, 0, 5, 0.5),
            "g_ub": _grid(rng, 0, 5, 0.5),
        }
    return {"tab": tab} | query


def _landing(rng: random.Random, tab: None) -> dict:
    return {"factor": _grid(rng, 0.05, 3.0, 0.05), "depth": str(rng.randint(1, 1000))}


PAGE_TABS = {
    "app.py": (None,),
    "pages/1_Activations.py": ("Curves", "Depth", "Saturation", "Random products", "Zero-centred"),
    "pages/2_Initialization.py": ("Layers", "Histograms", "Phase diagram", "Training"),
    "pages/3_Deep_chain.py": ("Neuron chain", "Linear chain", "Jacobian spectra"),
    "pages/4_RNN_LSTM.py": ("Gradient through time", "Clipping and the cliff", "Long-range memory"),
    "pages/5_Remedies.py": (
        "Remedies & symptoms",
        "Dying ReLU",
        "Choosing an activation",
        "Gated cells",
    ),
}
"""Every page and the tabs the load test visits: all that draw a chart (Activations'
Properties tab is a table)."""
_LINK_MAKERS = {
    "app.py": _landing,
    "pages/1_Activations.py": _activations,
    "pages/2_Initialization.py": _initialization,
    "pages/3_Deep_chain.py": _deep_chain,
    "pages/4_RNN_LSTM.py": _rnn,
    "pages/5_Remedies.py": _remedies,
}


def distinct_links(count: int = 100, seed: int = 11) -> list[Visit]:
    """``count`` different links, one page after another (landing, then pages 1 to 5, then
    again) and on each page one tab after another (:data:`PAGE_TABS`), with settings drawn from
    moderate to large and every value on its slider's grid; the same links for the same
    ``seed``."""
    rng = random.Random(seed)
    pages = list(PAGE_TABS)
    links, seen, turn = [], set(), 0
    while len(links) < count:
        page = pages[turn % len(pages)]
        tabs = PAGE_TABS[page]
        tab = tabs[(turn // len(pages)) % len(tabs)]
        query = _LINK_MAKERS[page](rng, tab)
        turn += 1
        pairs = tuple(
            (key, item)
            for key, value in query.items()
            for item in (value if isinstance(value, list) else [value])
        )
        if (page, pairs) not in seen:
            seen.add((page, pairs))
            links.append(Visit(page, pairs))
    return links


def eight_at_defaults() -> list[Visit]:
    """Eight visitors on different pages and tabs, each at the tab's defaults (the link names
    only the tab): every page of the app, and the tabs that train or probe the most."""
    return [
        Visit("app.py"),
        Visit("pages/1_Activations.py", (("tab", "Random products"),)),
        Visit("pages/2_Initialization.py", (("tab", "Layers"),)),
        Visit("pages/2_Initialization.py", (("tab", "Training"),)),
        Visit("pages/3_Deep_chain.py", (("tab", "Jacobian spectra"),)),
        Visit("pages/4_RNN_LSTM.py", (("tab", "Gradient through time"),)),
        Visit("pages/4_RNN_LSTM.py", (("tab", "Long-range memory"),)),
        Visit("pages/5_Remedies.py", (("tab", "Remedies & symptoms"),)),
    ]
