"""Several training runs at once: the calling thread plus helper processes on the other cores.

``train_many(cfgs, progress) -> [TrainResult]`` is ``[train(cfg) for cfg in cfgs]`` bit for bit,
on up to :func:`usable_cores` CPUs; ``train_many(cfgs, progress, keep=f)`` is
``[f(train(cfg)) for cfg in cfgs]``, with ``f`` applied where the run trained, so only what it
keeps crosses the pipe and stays in memory. Threads would not do (see :func:`train_many`); the
helpers are plain ``python -c`` subprocesses talking over a pipe (see :class:`_Helper`).
"""

from __future__ import annotations

import atexit
import math
import multiprocessing
import os
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_for
from pathlib import Path

import numpy as np

from gradviz.train import TrainConfig, TrainResult, train

HELPER_IDLE_SECONDS = 300.0
MAX_HELPERS = 3  # ~110 MB each: four workers at most, whatever the machine
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[1])


def usable_cores() -> int:
    """CPUs this process can keep busy, at least 1: its affinity mask, capped by the CPU quota
    of its container (a cloud host may show 16 CPUs and allow 2)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # no affinity masks on this platform
        cores = os.cpu_count() or 1
    quota = _cgroup_cpu_quota()
    return max(1, min(cores, math.ceil(quota)) if quota else cores)


def _cgroup_cpu_quota() -> float | None:
    """CPUs allowed by the cgroup (v2 ``cpu.max``, else v1 CFS quota), or None if unlimited."""
    for path, period_path in (
        ("/sys/fs/cgroup/cpu.max", None),
        ("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "/sys/fs/cgroup/cpu/cpu.cfs_period_us"),
    ):
        try:
            fields = Path(path).read_text().split()
            if period_path is not None:
                fields.append(Path(period_path).read_text().strip())
        except OSError:
            continue
        quota, period = fields[0], fields[1]
        if quota in ("max", "-1"):
            return None
        return int(quota) / int(period)
    return None


def run_cost(cfg: TrainConfig) -> float:
    """Rough relative cost of ``train(cfg)``: per step and layer, elementwise work grows as
    batch·width and the matrix products as batch·width² (the two are comparable at width 64);
    batch norm adds about 60 % (measured at 20 × 64). Used only to hand out the longest runs
    first and to weight progress; a run that diverges early costs less than this."""
    net = cfg.network
    batch = cfg.n if cfg.batch_size == 0 else min(cfg.batch_size, cfg.n)
    per_layer = batch * net.width * (net.width + 64) * (1.6 if net.batchnorm else 1.0)
    return float((cfg.steps + 1) * (net.depth + 1) * per_layer)


def train_many(
    cfgs: Iterable[TrainConfig],
    progress: Callable[[float], None] | None = None,
    workers: int | None = None,
    keep: Callable[[TrainResult], object] | None = None,
) -> list:
    """``[train(cfg) for cfg in cfgs]``, bit for bit, on up to ``workers`` CPUs at once
    (``[keep(train(cfg)) for cfg in cfgs]`` with ``keep``).

    The calling thread trains runs itself while up to ``workers - 1`` helper processes train
    others (:class:`_Helpers`), longest first (:func:`run_cost`); identical configs train once.
    Threads would not do: a step is thousands of numpy calls on 100×64 arrays, too short for
    two threads to overlap around the GIL (two threads on two cores: 0–15 % faster; the
    calling thread plus one helper process: 1.6× faster).

    cfgs : the runs.
    progress : optional ``callable(fraction)`` called about 100 times with non-decreasing
        fractions weighted by :func:`run_cost`, the last one 1.0. It is only ever called from
        the calling thread (Streamlit elements can only be updated from the script thread).
    workers : CPUs to use, by default :func:`usable_cores`; 1 trains every run in this thread.
    keep : optional module-level function (helpers receive it by name) applied to each
        :class:`~gradviz.train.TrainResult` as soon as its run ends, in the process that trained
        it: a run's parameters and per-layer records can weigh 20 MB, the part a page keeps a
        few hundred kB, and only that part is sent back and held until every run is done.
    """
    cfgs = list(cfgs)
    unique = list(dict.fromkeys(cfgs))  # training is deterministic: one run per config
    workers = min(len(unique), usable_cores() if workers is None else workers)
    batch = _Batch(unique, progress, keep)
    with _HELPERS.lease(workers - 1) as helpers:
        batch.run(helpers)
    by_config = dict(zip(unique, batch.results, strict=True))
    return [by_config[cfg] for cfg in cfgs]


def stop_helpers() -> None:
    """Stop :func:`train_many`'s idle helper processes now (they also stop after
    :data:`HELPER_IDLE_SECONDS` unused, and when this process exits)."""
    _HELPERS.stop()


class _Batch:
    """The runs of one :func:`train_many` call: queued, running in a helper, or done."""

    def __init__(
        self,
        cfgs: list[TrainConfig],
        progress: Callable[[float], None] | None,
        keep: Callable[[TrainResult], object] | None = None,
    ):
        self.cfgs, self.progress, self.keep = cfgs, progress, keep
        costs = np.array([run_cost(cfg) for cfg in cfgs])
        self.weights = costs / costs.sum() if costs.sum() > 0 else np.ones(len(cfgs))
        self.queue = deque(sorted(range(len(cfgs)), key=lambda i: -costs[i]))
        self.results: list = [None] * len(cfgs)
        self.fraction = np.zeros(len(cfgs))  # how far each run got
        self.helpers: list[_Helper] = []
        self.running: dict[_Helper, int] = {}  # helper -> the run it trains
        self.reported = 0.0

    def run(self, helpers: list[_Helper]) -> None:
        """Train every run: helpers take the longest queued runs, this thread the next one."""
        self.helpers = list(helpers)
        try:
            while self.queue or self.running:
                self.dispatch()
                if self.queue:
                    i = self.queue.popleft()
                    self.results[i] = _trained(self.cfgs[i], partial(self.advance, i), self.keep)
                    self.fraction[i] = 1.0
                else:
                    self.dispatch(timeout=0.1)
                    self.report()
        finally:
            for helper in self.running:  # only if interrupted, e.g. by a Streamlit rerun
                if not helper.stop_run():
                    helper.close()
        if self.progress is not None:
            self.progress(1.0)

    def advance(self, i: int, fraction: float) -> None:
        """Progress of run ``i`` in this thread: also the moment to serve the helpers."""
        self.fraction[i] = fraction
        self.dispatch()
        self.report()

    def dispatch(self, timeout: float = 0.0) -> None:
        """Read what the helpers sent (waiting up to ``timeout`` for it), then hand queued runs
        to idle helpers."""
        ready = wait_for([h.conn for h in self.running], timeout) if self.running else []
        for helper in [h for h in self.running if h.conn in ready]:
            try:
                self.receive(helper)
            except (EOFError, OSError):  # it died (e.g. out of memory): train its run here
                self.lose(helper)
        for helper in [h for h in self.helpers if h not in self.running]:
            if not self.queue:
                break
            self.running[helper] = self.queue.popleft()
            try:
                helper.conn.send(("train", (self.cfgs[self.running[helper]], self.keep)))
            except OSError:
                self.lose(helper)

    def lose(self, helper: _Helper) -> None:
        """A helper died: its run goes back to the front of the queue, for this thread."""
        self.queue.appendleft(self.running.pop(helper))
        self.helpers.remove(helper)
        helper.close()

    def receive(self, helper: _Helper) -> None:
        i = self.running[helper]
        while helper.conn.poll():
            kind, value = helper.conn.recv()
            if kind == "progress":
                self.fraction[i] = value
            elif kind == "done":
                self.results[i], self.fraction[i] = value, 1.0
                del self.running[helper]
                return
            else:  # "error": the run's own exception, as train() would have raised it here
                del self.running[helper]
                raise value

    def report(self) -> None:
        if self.progress is None:
            return
        total = float(self.fraction @ self.weights)
        if total >= self.reported + 0.01:
            self.reported = total
            self.progress(min(total, 1.0))


class _Helper:
    """A helper process (``python -c`` running :func:`_serve`) and our end of its pipe.

    Messages are ``(kind, value)`` tuples. We send ``("train", (cfg, keep))`` or ``("stop", None)``
    (``keep`` as in :func:`train_many`, or None); the
    helper answers a run with ``("progress", fraction)`` messages and then ``("done", result)``,
    ``("error", exception)`` or, when told to stop, ``("stopped", None)``. A plain subprocess,
    not ``multiprocessing``'s spawn: that would re-run the parent's ``__main__`` in the helper,
    and under Streamlit ``__main__`` is the page script being run.
    """

    def __init__(self) -> None:
        ours, theirs = multiprocessing.Pipe()
        code = (
            "import sys; sys.path.insert(0, sys.argv[1]); import gradviz.parallel as g; g._serve()"
        )
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", code, _PACKAGE_ROOT, str(theirs.fileno())],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},  # one run at a time
                start_new_session=True,  # a Ctrl-C in the terminal is for the server, not us
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self.conn = ours

    def alive(self) -> bool:
        return not self.conn.closed and self.process.poll() is None

    def stop_run(self, timeout: float = 10.0) -> bool:
        """Tell the helper to drop its run, and wait until it says so; False if it did not."""
        try:
            self.conn.send(("stop", None))
            deadline = time.monotonic() + timeout
            while self.conn.poll(max(0.0, deadline - time.monotonic())):
                if self.conn.recv()[0] == "stopped":
                    return True
        except (EOFError, OSError):
            pass
        return False

    def close(self) -> None:
        """Close our end of the pipe (the helper reads EOF and exits) and reap the process."""
        self.conn.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class _Stopped(Exception):
    """Raised inside a helper's run when the caller no longer wants it."""


def _trained(cfg: TrainConfig, progress, keep: Callable[[TrainResult], object] | None):
    """``train(cfg, progress)``, or what ``keep`` keeps of it (the full result is dropped here,
    before the next run starts)."""
    result = train(cfg, progress)
    return result if keep is None else keep(result)


def _serve() -> None:
    """A helper process: train every config it is sent, until its pipe closes. The pipe's file
    descriptor is the last command-line argument (see :class:`_Helper`)."""
    conn = Connection(int(sys.argv[-1]))

    def report(fraction: float) -> None:
        if conn.poll():  # during a run, the only message that can come is "stop"
            conn.recv()
            raise _Stopped
        conn.send(("progress", fraction))

    try:
        while True:
            kind, value = conn.recv()
            if kind == "stop":  # it came after the run had finished
                conn.send(("stopped", None))
                continue
            try:
                cfg, keep = value
                conn.send(("done", _trained(cfg, report, keep)))
            except _Stopped:
                conn.send(("stopped", None))
            except Exception as error:  # re-raised by the caller, as train() would have
                conn.send(("error", error))
    except (EOFError, OSError):  # the caller closed the pipe or exited
        return


class _Helpers:
    """:func:`train_many`'s helper processes, shared by every caller (every Streamlit session).

    A caller leases helpers for itself alone, so no session waits for another's runs: when
    they are all out, it trains more runs in its own thread. A helper is a fresh interpreter
    (~110 MB with numpy and pandas, a concern on a 1 GB host), so there are at most
    ``usable_cores() - 1`` of them, the calling thread being the other worker, and never more
    than :data:`MAX_HELPERS`; they start on first use and stop after
    :data:`HELPER_IDLE_SECONDS` unused. POSIX only.
    """

    def __init__(self, idle_seconds: float):
        self.idle_seconds = idle_seconds
        self._lock = threading.Lock()
        self._idle: list[_Helper] = []
        self._leased = 0
        self._timer: threading.Timer | None = None

    @contextmanager
    def lease(self, wanted: int) -> Iterator[list[_Helper]]:
        """Up to ``wanted`` helpers, returned to the pool afterwards if still alive."""
        if wanted <= 0 or os.name != "posix":
            yield []
            return
        with self._lock:
            self._cancel_timer()
            dead = [h for h in self._idle if not h.alive()]
            self._idle = [h for h in self._idle if h.alive()]
            helpers, self._idle = self._idle[:wanted], self._idle[wanted:]
            most = min(MAX_HELPERS, max(1, usable_cores() - 1))
            room = most - self._leased - len(helpers) - len(self._idle)
            for _ in range(min(wanted - len(helpers), room)):
                try:
                    helpers.append(_Helper())
                except OSError:  # no new process here: the calling thread trains instead
                    break
            self._leased += len(helpers)
        for helper in dead:
            helper.close()
        try:
            yield helpers
        finally:
            with self._lock:
                self._leased -= len(helpers)
                self._idle += [h for h in helpers if h.alive()]
                if not self._leased and self._idle:
                    self._timer = threading.Timer(self.idle_seconds, self._stop_if_idle)
                    self._timer.daemon = True
                    self._timer.start()

    def stop(self) -> None:
        with self._lock:
            self._cancel_timer()
            idle, self._idle = self._idle, []
        for helper in idle:
            helper.close()

    def _stop_if_idle(self) -> None:
        with self._lock:
            if self._leased or self._timer is not threading.current_thread():
                return  # leased again since the timer started
            self._timer = None
            idle, self._idle = self._idle, []
        for helper in idle:
            helper.close()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


_HELPERS = _Helpers(HELPER_IDLE_SECONDS)
atexit.register(_HELPERS.stop)
