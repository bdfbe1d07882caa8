"""Worker processes and signals: how many workers to run, and that none of them outlives,
or talks over, its parent.

- ``--jobs`` is capped at the cores this process may use: more workers only add memory.
- A worker ignores Ctrl-C (the parent handles it and stops them), so an interrupt never
  prints a worker's traceback; a worker dies when its parent does (Linux: the kernel's
  parent-death signal; elsewhere a thread watching the parent).
- The CLI turns SIGTERM into ``SystemExit``, so clean-up (``atomic_write``'s temporary
  files, the worker pool) runs as it does on Ctrl-C.
- A worker that dies on its own (killed, out of memory) is a :class:`WorkerError`: one
  ``Error:`` line, not the pool's traceback.
- :func:`forked_workers` and :func:`submit` run training's independent fits (the plain-text
  model, cross-validation folds) side by side, or in this process where it cannot fork.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sys
import threading
import time
import warnings

from .errors import SettingError, WorkerError

ALL_CORES = -1
WORKER_DIED = ("a worker process died before finishing its share (killed, or out of memory?); "
               "run again, or with --jobs 1 to work in one process")
PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>
PARENT_CHECK_SECONDS = 1.0
# Held while a worker is forked: one arriving then would interrupt fork's own hooks (where
# Python prints and drops it) or a worker that has not yet set its handlers.
_HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def available_cores() -> int:
    """The cores this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def resolve_jobs(jobs: int) -> int:
    """The number of processes for ``jobs``: -1 means one per core; more than the
    cores is capped at them with a warning; 0 and other negatives are refused."""
    cores = available_cores()
    if jobs == ALL_CORES:
        return cores
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise SettingError("jobs", jobs, "give a number of processes from 1, or -1 for one per core")
    if jobs > cores:
        warnings.warn(f"--jobs {jobs}: only {cores} core(s) available; using {cores} process(es)", stacklevel=2)
        return cores
    return jobs


@contextlib.contextmanager
def interrupts_held():
    """Hold SIGINT and SIGTERM while worker processes may be forked (the pool forks them
    inside ``submit``); the parent receives any that arrived once this ends."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def can_fork() -> bool:
    """Whether worker processes can be forked here (Linux, macOS; not Windows)."""
    import multiprocessing  # here, not above: a run without workers never needs it

    return "fork" in multiprocessing.get_all_start_methods()


@contextlib.contextmanager
def forked_workers(processes: int):
    """A pool of up to ``processes`` forked worker processes (set up by
    :func:`worker_started`), or None when ``processes`` is under 1 or this OS cannot fork:
    the caller then does the work itself. Forked workers see everything this process has
    loaded, features registered at run time included. Leaving early (an error, Ctrl-C)
    drops the queued work instead of finishing it."""
    if processes < 1 or not can_fork():
        yield None
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("fork"),
                               initializer=worker_started, initargs=(os.getpid(),))
    with worker_deaths_reported(pool):
        yield pool
    pool.shutdown()


@contextlib.contextmanager
def worker_deaths_reported(pool):
    """On leaving early, drop ``pool``'s queued work; a worker that died (killed, out of
    memory) is reported as a :class:`WorkerError`, not as the pool's traceback."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        yield
    except BrokenProcessPool:
        # Wait for the pool's manager thread to finish putting the broken pool down (it has
        # already killed the other workers): left running, it races the interpreter's exit,
        # which then prints an "Exception ignored" traceback (a closed wake-up pipe).
        pool.shutdown(wait=True, cancel_futures=True)
        raise WorkerError(WORKER_DIED) from None
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise


# How often a wait for a worker's result checks that the workers are still alive.
WORKER_CHECK_SECONDS = 1.0


def result_of(future, pool, workers: int):
    """``future.result()`` of work in ``pool`` (``workers`` processes; None: done here), or a
    :class:`WorkerError` once a worker is found dead. A worker killed while it sends a result
    leaves half a message in the pool's result pipe, and the pool's manager thread waits for
    the rest for ever (CPython's ProcessPoolExecutor, 3.11 at least), so the future never
    fails on its own: found dead, the pipe's last writer, ours, is closed to end that wait."""
    import multiprocessing
    from concurrent.futures import TimeoutError as ResultTimeout

    while True:
        try:
            return future.result(timeout=WORKER_CHECK_SECONDS)
        except ResultTimeout:
            if len(multiprocessing.active_children()) >= workers:
                continue
            result_queue = getattr(pool, "_result_queue", None)  # (private: no public way to unblock it)
            writer = getattr(result_queue, "_writer", None)
            if writer is not None:
                writer.close()
                pool.shutdown(wait=True, cancel_futures=True)  # as worker_deaths_reported does
            raise WorkerError(WORKER_DIED) from None


def submit(pool, function, *args):
    """``function(*args)`` in ``pool`` (signals held while a worker may be forked), or, with
    no pool, here and now; either way a future of its result."""
    if pool is not None:
        with interrupts_held():
            return pool.submit(function, *args)
    from concurrent.futures import Future

    future: Future = Future()
    try:
        future.set_result(function(*args))
    except Exception as exc:
        future.set_exception(exc)
    return future


def worker_started(parent_pid: int) -> None:
    """Run first in every worker process (the pool's initializer)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's SystemExit handler
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD_SIGNALS)  # held by interrupts_held
    if not _kernel_kills_on_parent_death():
        threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    if os.getppid() != parent_pid:  # the parent died before this worker was set up
        os._exit(1)


def _kernel_kills_on_parent_death() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def quiet_pool_exit_race() -> None:
    """Leave out the one "Exception ignored" traceback a worker pool can print as the
    interpreter exits. When a run stops early (Ctrl-C, an error, a dead worker), the pool's
    manager thread may still be closing its wake-up pipe as the exit writes to it (CPython's
    ProcessPoolExecutor checks the pipe is open, then writes: a race), and the write fails
    with EBADF. The run has ended by then; the error it stopped with is already printed."""
    default = sys.unraisablehook
    pool_module = os.path.join("concurrent", "futures", "process.py")

    def hook(unraisable):
        import traceback

        exc = unraisable.exc_value
        if isinstance(exc, OSError) and exc.errno == errno.EBADF and any(
                frame.f_code.co_filename.endswith(pool_module) for frame, _ in traceback.walk_tb(exc.__traceback__)):
            return
        default(unraisable)

    sys.unraisablehook = hook


def exit_on_sigterm() -> None:
    """Make SIGTERM raise ``SystemExit(143)`` in the main thread, so ``finally`` blocks and
    context managers clean up before the process ends."""

    def handler(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
