"""Several runs at once: train_many's results, progress and helper processes."""

import os
import signal
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from gradviz import parallel
from gradviz import train as tr
from gradviz.mlp import MLPConfig

MANY = [
    tr.TrainConfig(mlp=MLPConfig(4, 16, activation="sigmoid"), steps=60),
    tr.TrainConfig(mlp=MLPConfig(2, 8, activation="relu", batchnorm=True), steps=40, lr=0.3),
    tr.TrainConfig(mlp=MLPConfig(3, 8, activation="tanh"), steps=30, batch_size=16, loss="mse"),
    tr.TrainConfig(mlp=MLPConfig(6, 32, activation="relu", init="standard_normal"), lr=10.0),
]


def helper_pids() -> set[int]:
    """The child processes of this process (train_many's helpers), from /proc."""
    me, found = str(os.getpid()), set()
    for entry in os.listdir("/proc"):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text() if entry.isdigit() else ""
        except OSError:  # it ended meanwhile
            continue
        if stat and stat.rsplit(")", 1)[1].split()[1] == me:
            found.add(int(entry))
    return found


@pytest.fixture(scope="module", autouse=True)
def no_helper_left_behind():
    yield
    parallel.stop_helpers()
    assert not helper_pids()


def same_run(a: tr.TrainResult, b: tr.TrainResult) -> bool:
    """Bit for bit: every record, every final parameter (NaN where NaN)."""
    return (
        a.history.equals(b.history)
        and a.layers.equals(b.layers)
        and a.events.equals(b.events)
        and (a.diverged_step, a.steps_run) == (b.diverged_step, b.steps_run)
        and np.array_equal([a.final_loss, a.final_accuracy], [b.final_loss, b.final_accuracy], True)
        and a.final_params.keys() == b.final_params.keys()
        and all(np.array_equal(a.final_params[k], b.final_params[k], True) for k in a.final_params)
    )


def all_same(results, cfgs) -> bool:
    return all(same_run(r, tr.train(c)) for r, c in zip(results, cfgs, strict=True))


@pytest.mark.parametrize("workers", [1, 2])
def test_train_many_gives_the_runs_of_train_in_order_with_progress(workers):
    cfgs = [*MANY, MANY[0]]  # a repeated config is trained once and returned twice
    expected = [tr.train(cfg) for cfg in cfgs]
    seen, threads = [], set()

    def progress(fraction):
        seen.append(fraction)
        threads.add(threading.get_ident())

    results = parallel.train_many(cfgs, progress, workers=workers)
    assert expected[3].diverged  # a diverging run travels back like any other
    assert all(same_run(r, e) for r, e in zip(results, expected, strict=True))
    assert results[0] is results[-1]
    assert seen[-1] == 1.0 and seen == sorted(seen) and 5 < len(seen) <= 102
    assert threads == {threading.get_ident()}  # Streamlit elements only update from this thread


def test_train_many_trains_in_a_helper_process_that_it_keeps():
    parallel.stop_helpers()
    parallel.train_many(MANY[:2], workers=2)  # the longest run always goes to a helper
    helpers = helper_pids()
    assert len(helpers) == 1  # two workers: this thread and one helper
    assert all_same(parallel.train_many(MANY[1:3], workers=2), MANY[1:3])
    assert helper_pids() == helpers
    parallel.stop_helpers()
    assert not helper_pids()


def test_a_container_cpu_quota_caps_the_workers(monkeypatch):
    monkeypatch.setattr(parallel, "_cgroup_cpu_quota", lambda: 0.5)  # half a CPU allowed
    assert parallel.usable_cores() == 1
    parallel.stop_helpers()
    assert all_same(parallel.train_many(MANY[:2]), MANY[:2])
    assert not helper_pids()  # one worker: this thread alone


def test_helpers_stop_when_idle(monkeypatch):
    monkeypatch.setattr(parallel._HELPERS, "idle_seconds", 0.2)
    parallel.train_many(MANY[:2], workers=2)
    assert helper_pids()
    deadline = time.monotonic() + 30
    while helper_pids() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not helper_pids()


def test_a_second_caller_trains_alone_while_the_helpers_are_busy():
    long_runs = [replace(cfg, steps=300) for cfg in MANY[:3]]
    started, results = threading.Event(), {}

    def first():
        results["first"] = parallel.train_many(long_runs, lambda f: started.set(), workers=2)

    thread = threading.Thread(target=first)
    thread.start()
    started.wait(30)
    results["second"] = parallel.train_many(MANY[1:3], workers=2)
    thread.join(60)
    assert len(helper_pids()) <= max(1, parallel.usable_cores() - 1)
    assert all_same(results["first"], long_runs) and all_same(results["second"], MANY[1:3])


class Interrupted(Exception):
    """What Streamlit raises inside a progress callback when the user changes a control."""


def test_an_interrupted_call_stops_its_helper_run_and_keeps_the_helper():
    parallel.train_many(MANY[:2], workers=2)
    helpers = helper_pids()
    long_runs = [replace(cfg, steps=2000) for cfg in MANY[:3]]

    def interrupt(fraction):
        if fraction > 0.02:
            raise Interrupted

    start = time.monotonic()
    with pytest.raises(Interrupted):
        parallel.train_many(long_runs, interrupt, workers=2)
    assert time.monotonic() - start < 8  # the helper dropped its run when told
    assert helper_pids() == helpers  # ... so it was not killed, and serves the next call
    assert all_same(parallel.train_many(MANY[:2], workers=2), MANY[:2])
    assert helper_pids() == helpers


def test_when_a_helper_dies_its_run_is_trained_here_and_the_next_call_starts_afresh():
    parallel.train_many(MANY[:2], workers=2)
    before = helper_pids()
    long_runs = [replace(cfg, steps=300) for cfg in MANY[:3]]

    def kill_the_helpers(fraction):
        for pid in helper_pids():
            os.kill(pid, signal.SIGKILL)  # as the kernel's out-of-memory killer would

    assert all_same(parallel.train_many(long_runs, kill_the_helpers, workers=2), long_runs)
    assert all_same(parallel.train_many(MANY[:2], workers=2), MANY[:2])
    assert len(helper_pids()) == 1 and not helper_pids() & before


def test_an_error_in_a_helper_run_is_raised_here_and_the_helper_carries_on():
    parallel.train_many(MANY[:2], workers=2)
    helpers = helper_pids()
    bad = replace(MANY[0], steps=500)
    object.__setattr__(bad, "dataset", "mnist")  # past validation, as a bug would be
    with pytest.raises(ValueError, match="mnist"):
        parallel.train_many([bad, MANY[1]], workers=2)  # the longest, bad, goes to the helper
    assert helper_pids() == helpers
    assert all_same(parallel.train_many(MANY[:2], workers=2), MANY[:2])


def where_and_what(result: tr.TrainResult) -> tuple[int, int, float]:
    """A ``keep`` for train_many: the process that trained the run, and two of its numbers."""
    return os.getpid(), result.steps_run, result.final_loss


@pytest.mark.parametrize("workers", [1, 2])
def test_keep_is_applied_where_each_run_trained(workers):
    kept = parallel.train_many(MANY, workers=workers, keep=where_and_what)
    expected = [where_and_what(tr.train(cfg))[1:] for cfg in MANY]
    assert np.array_equal([k[1:] for k in kept], expected, equal_nan=True)  # one run diverges
    pids = {k[0] for k in kept}
    if workers == 1:
        assert pids == {os.getpid()}
    else:  # the longest run went to the helper, and the helper is still there
        assert pids - {os.getpid()} and pids - {os.getpid()} <= helper_pids()
