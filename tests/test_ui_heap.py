"""``ui.heap``: memory a computation freed goes back to the system (glibc only)."""

import platform
import subprocess
import sys

import pytest

from tests.browser_kit import ROOT

pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only"
)

# A worker thread (as a Streamlit script run is) fills its malloc arena with 150 MB of 100 kB
# arrays and frees all but the last, which keeps malloc from trimming the heap by itself. Then
# the memory is released in the way argv[2] names, and the resident memory before and after is
# printed. ui/heap.py is loaded alone, without the streamlit app around it.
FREED_BUT_KEPT = """
import gc, importlib.util, sys, threading
import numpy as np

spec = importlib.util.spec_from_file_location("heap", sys.argv[1])
heap = importlib.util.module_from_spec(spec)
spec.loader.exec_module(heap)

def rss():
    return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) * 1024

kept = []
def compute():
    arrays = [np.ones(12_500) for _ in range(1_500)]
    kept.append(arrays[-1])

how = sys.argv[2]
if how == "after every run":
    heap.release_after_every_run()
    heap.release_after_every_run()
    assert gc.callbacks.count(heap._after_full_collection) == 1
thread = threading.Thread(target=compute)
thread.start()
thread.join()
before = rss()
if how == "trim":
    assert heap.release_free_memory()
else:
    gc.collect(2)  # as Streamlit does at the end of every script run
print(before, rss())
"""


def freed_memory(how: str) -> tuple[int, int]:
    out = subprocess.run(
        [sys.executable, "-c", FREED_BUT_KEPT, str(ROOT / "ui" / "heap.py"), how],
        capture_output=True,
        text=True,
        check=True,
    )
    before, after = out.stdout.split()
    return int(before), int(after)


@pytest.mark.parametrize("how", ["trim", "after every run"])
def test_memory_a_thread_freed_goes_back_to_the_system(how):
    before, after = freed_memory(how)
    assert before - after > 100e6, (before, after)


def test_without_it_malloc_keeps_what_the_thread_freed():
    """The control, so that the test above can fail."""
    before, after = freed_memory("nothing")
    assert before > 150e6 and before - after < 20e6, (before, after)


# After a 30 MB array has been freed, glibc serves arrays up to 30 MB from the arenas; a
# thread then computes with twenty 8 MB arrays, keeps a small result allocated after them and
# frees the rest. argv[2] says whether heap.map_large_arrays() ran first.
LARGE_ARRAYS = """
import importlib.util, sys, threading
import numpy as np

spec = importlib.util.spec_from_file_location("heap", sys.argv[1])
heap = importlib.util.module_from_spec(spec)
spec.loader.exec_module(heap)

def rss():
    return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) * 1024

if sys.argv[2] == "mapped":
    assert heap.map_large_arrays()
big = np.ones(30 << 17)  # 30 MB
del big

kept = []
def compute():
    arrays = [np.ones(1 << 20) for _ in range(20)]
    kept.append(np.ones(100))
    del arrays

start = rss()
thread = threading.Thread(target=compute)
thread.start()
thread.join()
print(start, rss())
"""


def large_arrays_kept(how: str) -> int:
    """Bytes the process still holds after the thread freed its 160 MB of large arrays
    (about 117 MB by default)."""
    out = subprocess.run(
        [sys.executable, "-c", LARGE_ARRAYS, str(ROOT / "ui" / "heap.py"), how],
        capture_output=True,
        text=True,
        check=True,
    )
    start, after = map(int, out.stdout.split())
    return after - start


def test_large_arrays_go_back_to_the_system_as_soon_as_they_are_freed():
    assert large_arrays_kept("mapped") < 20e6


def test_without_mapping_malloc_keeps_the_large_arrays():
    """The control, so that the test above can fail."""
    assert large_arrays_kept("default") > 80e6
