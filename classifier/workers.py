"""Worker processes and signals: how many workers to run, and that none of them outlives,
or talks over, its parent.

- ``--jobs`` is capped at the cores this process may use: more workers only add memory.
- A worker ignores Ctrl-C (the parent handles it and stops them), so an interrupt never
  prints a worker's traceback; a worker dies when its parent does (Linux: the kernel's
  parent-death signal; elsewhere a thread watching the parent).
- The CLI turns SIGTERM into ``SystemExit``, so clean-up (``atomic_write``'s temporary
  files, the workers) runs as it does on Ctrl-C.
- A worker that dies on its own (killed, out of memory) is a :class:`WorkerError`: one
  ``Error:`` line, not a traceback.
- :class:`PipedWorkers` are the workers: forked, fed over pipes by the parent's own thread
  (no helper threads). ``--jobs`` tags batches in them; :func:`forked_workers` and
  :func:`submit` run training's independent fits (the plain-text model, cross-validation
  folds) in them side by side, or in this process where it cannot fork.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pickle
import select
import signal
import socket
import struct
import sys
import threading
import time

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

from .blocks import as_int
from .errors import SettingError, WorkerError, setting, warn

ALL_CORES = -1
PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>
PARENT_CHECK_SECONDS = 1.0
# Held while a worker is forked: one arriving then would interrupt fork's own hooks (where
# Python prints and drops it) or a worker that has not yet set its handlers.
_HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def worker_died() -> WorkerError:
    """The error for a worker process that died mid-run."""
    return WorkerError("a worker process died before finishing its share (killed, or out of memory?); run again, "
                       f"or with {setting('jobs', 1)} to work in one process")


def available_cores() -> int:
    """The cores this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def resolve_jobs(jobs: int) -> int:
    """The number of processes for ``jobs``: -1 means one per core; more than the
    cores is capped at them with a warning; 0 and other negatives are refused. Where worker
    processes cannot be forked (Windows), one, with a warning."""
    cores = available_cores()
    jobs = as_int(jobs)  # (numpy's too)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or (jobs < 1 and jobs != ALL_CORES):
        raise SettingError("jobs", jobs, "give a number of processes from 1, or -1 for one per core")
    if jobs > cores:
        warn(f"{setting('jobs', jobs)}: only {cores} core(s) available; using {cores} process(es)")
    processes = cores if jobs == ALL_CORES else min(jobs, cores)
    if processes > 1 and not can_fork():
        warn(f"{setting('jobs', jobs)}: worker processes need fork, which this OS lacks; using 1 process")
        return 1
    return processes


@contextlib.contextmanager
def interrupts_held():
    """Hold SIGINT and SIGTERM while a worker process is forked; the parent receives any that
    arrived once this ends."""
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
    """Up to ``processes`` forked worker processes that run any function :func:`submit` gives
    them (:class:`PipedWorkers`), or None when ``processes`` is under 1 or this OS cannot
    fork: the caller then does the work itself. Forked workers see everything this process
    has loaded, features registered at run time included. Leaving early (an error, Ctrl-C)
    kills them instead of letting them finish."""
    if processes < 1 or not can_fork():
        yield None
        return
    with PipedWorkers(_call, processes) as workers:
        yield workers


def _call(function, *args):
    return function(*args)


def submit(workers: "PipedWorkers | None", function, *args) -> "Pending":
    """``function(*args)`` (a module-level function: it is sent by name) on the least busy
    of ``workers``, or, with none, here and now; either way its :class:`Pending` result.
    Returns once the work is in the worker's hands (a big request waits for the worker to
    read it), so that this process may go off to its own work at once."""
    if workers is None:
        try:
            return Pending(value=function(*args))
        except Exception as exc:
            return Pending(error=exc)
    ticket = workers.send(workers.least_busy(), function, *args)
    workers.flush()
    return Pending(workers, ticket)


class Pending:
    """What :func:`submit` gives: :meth:`result` waits for the result (a :class:`WorkerError`
    if the worker died), and raises what the work raised."""

    def __init__(self, workers: "PipedWorkers | None" = None, ticket=None, value=None,
                 error: Exception | None = None):
        self._workers, self._ticket, self._value, self._error = workers, ticket, value, error

    def result(self):
        if self._workers is not None:
            return self._workers.result(self._ticket)
        if self._error is not None:
            raise self._error
        return self._value


class PipedWorkers:
    """``count`` forked processes that each run ``function(*args)`` for every request sent to
    them and send the results back; the parent sends and receives in its own thread, between
    its own work. :meth:`send` gives a ticket, :meth:`result` the result it stands for.

    Why not a ``ProcessPoolExecutor``: its two helper threads (one moves work to the workers,
    one pickles it down the pipe) take the GIL from the parent's thread, which reads, writes
    and tags its own share: 0.09 s of a ``--jobs 2`` run's 1.0 s. And a worker killed while it
    sends a result leaves the pool waiting for the rest of the message for ever. Here a
    request is written with non-blocking writes, what does not fit is kept and written later,
    results are read when they are there, and a worker's closed pipe is its death. The pipe to
    a worker holds ``PIPE_BYTES`` (:func:`_channel`), so a few batches' texts fit in it at
    once.

    Needs ``fork`` (:func:`can_fork`): the workers share everything this process has loaded.
    A worker that dies is a :class:`WorkerError` at the next look at its pipe; an exception
    in ``function`` is raised here. Leaving the ``with`` block ends the workers: closing their
    pipes after the work is done, killing them when leaving early (an error, Ctrl-C).
    """

    PIPE_BYTES = 1 << 20
    _LENGTH = struct.Struct("<Q")

    def __init__(self, function, count: int):
        self._workers: list[_PipedWorker] = []
        parent_pid = os.getpid()
        try:
            for _ in range(count):
                self._workers.append(_PipedWorker.start(function, parent_pid))
        except BaseException:
            self.close(kill=True)
            raise

    def __enter__(self) -> "PipedWorkers":
        return self

    def __exit__(self, kind, value, traceback) -> None:
        self.close(kill=kind is not None)

    def queued(self, k: int) -> int:
        """Requests sent to worker ``k`` whose results have not been taken."""
        worker = self._workers[k]
        return worker.sent - worker.taken

    def least_busy(self) -> int:
        """The worker with the fewest requests not yet taken (the first of them)."""
        return min(range(len(self._workers)), key=self.queued)

    def send(self, k: int, *args) -> tuple[int, int]:
        """Ask worker ``k`` for ``function(*args)``, written as far as its pipe takes now; the
        ticket for its result."""
        worker = self._workers[k]
        data = pickle.dumps(args, protocol=pickle.HIGHEST_PROTOCOL)
        worker.outgoing += self._LENGTH.pack(len(data))
        worker.outgoing += data
        worker.sent += 1
        self._exchange(block=False)
        return k, worker.sent - 1

    def flush(self) -> None:
        """Wait until every request sent is written whole into its worker's pipe: before this
        process goes off to work of its own for a while, as ``send`` writes only what the
        pipe takes at once."""
        while any(worker.outgoing for worker in self._workers):
            self._exchange(block=True)

    def ready(self, ticket: tuple[int, int]) -> bool:
        """Whether the result of ``ticket`` has arrived (reads what is waiting, never waits)."""
        self._exchange(block=False)
        k, n = ticket
        return n in self._workers[k].results

    def result(self, ticket: tuple[int, int]):
        """The result of ``ticket`` (raised, if its function raised), waiting for it if need be."""
        k, n = ticket
        worker = self._workers[k]
        while n not in worker.results:
            self._exchange(block=True)
        worker.taken += 1
        status, value = worker.results.pop(n)
        if status == "error":
            raise value
        return value

    def _exchange(self, block: bool) -> None:
        """Write what waits to be sent and read what has arrived; with ``block``, first wait
        until one of the two can be done."""
        writing = [w for w in self._workers if w.outgoing]
        reading = [w for w in self._workers if w.received < w.sent]
        if not (writing or reading):
            return
        writable, readable = _ready([w.requests for w in writing], [w.replies for w in reading], block)
        for worker in writing:
            if worker.requests in writable:
                worker.write()
        for worker in reading:
            if worker.replies in readable:
                worker.read(self._LENGTH)

    def close(self, kill: bool = False) -> None:
        """End the workers: their pipes closed, so each exits after its last request, or
        (``kill``) killed at once; either way waited for."""
        for worker in self._workers:
            worker.stop(kill)
        self._workers = []


@dataclasses.dataclass(eq=False)
class _PipedWorker:
    """One of :class:`PipedWorkers`' processes, seen from the parent."""

    pid: int
    requests: int  # the parent's end of the pipe to the worker (non-blocking)
    replies: int  # the parent's end of the pipe from the worker
    outgoing: bytearray = dataclasses.field(default_factory=bytearray)
    incoming: bytearray = dataclasses.field(default_factory=bytearray)
    results: dict = dataclasses.field(default_factory=dict)  # request number: its reply, until taken
    sent: int = 0
    received: int = 0
    taken: int = 0

    @classmethod
    def start(cls, function, parent_pid: int) -> "_PipedWorker":
        # Under one lock with every pool's pipes (two taggers streaming at once, in one thread
        # or several): a worker forked holding another pool's pipe ends would keep that
        # pool's workers from seeing their pipe close, and its close would wait for ever.
        with _PIPES_LOCK:
            request_read, request_write = _channel(PipedWorkers.PIPE_BYTES)
            reply_read, reply_write = os.pipe()
            with interrupts_held():
                pid = os.fork()
                if pid == 0:  # the worker: it never returns from here
                    code = 1
                    try:
                        for fd in {request_write, reply_read, *_PARENT_PIPES}:  # (this pool's other workers' too)
                            os.close(fd)
                        _PARENT_PIPES.clear()  # (a pool this worker opens has only its own)
                        worker_started(parent_pid)
                        _serve(function, request_read, reply_write)
                        code = 0
                    finally:
                        os._exit(code)  # no clean-up of the parent's: its atexit, its buffers
            os.close(request_read)
            os.close(reply_write)
            _PARENT_PIPES.update((request_write, reply_read))
        os.set_blocking(request_write, False)
        return cls(pid, request_write, reply_read)

    def write(self) -> None:
        try:
            written = os.write(self.requests, self.outgoing)
        except BlockingIOError:
            return
        except (BrokenPipeError, ConnectionResetError):
            raise worker_died() from None
        del self.outgoing[:written]

    def read(self, length: struct.Struct) -> None:
        data = os.read(self.replies, PipedWorkers.PIPE_BYTES)
        if not data:  # the worker is gone (killed, out of memory), maybe halfway through a reply
            raise worker_died()
        self.incoming += data
        while len(self.incoming) >= length.size:
            (size,) = length.unpack_from(self.incoming)
            end = length.size + size
            if len(self.incoming) < end:
                break
            self.results[self.received] = pickle.loads(self.incoming[length.size:end])
            self.received += 1
            del self.incoming[:end]

    def stop(self, kill: bool) -> None:
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        with _PIPES_LOCK:  # (closed and forgotten at once: a number closed may be reused)
            for fd in (self.requests, self.replies):
                _PARENT_PIPES.discard(fd)
                with contextlib.suppress(OSError):
                    os.close(fd)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


# The parent's ends of every live worker's pipes, in any pool of this process.
_PARENT_PIPES: set[int] = set()
# Re-entrant: the garbage collector may end an abandoned pool (its stop() takes the lock)
# while this thread holds it to start another.
_PIPES_LOCK = threading.RLock()


def _new_pipes_lock() -> None:
    global _PIPES_LOCK
    _PIPES_LOCK = threading.RLock()  # a child forked while another thread held it starts with it free


os.register_at_fork(after_in_child=_new_pipes_lock)


def _ready(writing: list[int], reading: list[int], block: bool) -> tuple[set[int], set[int]]:
    """Which of ``writing`` take a write and which of ``reading`` have data (or have closed)
    now; with ``block``, once one of them does."""
    if not hasattr(select, "poll"):  # (not every OS has it)
        readable, writable, _ = select.select(reading, writing, [], None if block else 0)
        return set(writable), set(readable)
    # poll, where there is one: select refuses descriptors from 1024 up (a busy server's)
    poller = select.poll()
    for fd in writing:
        poller.register(fd, select.POLLOUT)
    for fd in reading:
        poller.register(fd, select.POLLIN)
    events = dict(poller.poll(None if block else 0))
    return {fd for fd in writing if events.get(fd)}, {fd for fd in reading if events.get(fd)}


def _channel(size: int) -> tuple[int, int]:
    """A one-way channel (read end, write end) that holds ``size`` bytes unread: a pipe grown
    to that size (Linux), or else a pair of sockets with buffers of that size (macOS, where a
    pipe holds 64 KiB at most: the parent, busy tagging its own batch, would hand a worker a
    batch's texts 64 KiB at a time and leave it waiting in between)."""
    setting = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None  # Linux only
    if setting is not None:
        read_end, write_end = os.pipe()
        try:
            fcntl.fcntl(write_end, setting, size)
            return read_end, write_end
        except OSError:  # over the user's limit
            os.close(read_end)
            os.close(write_end)
    reader, writer = socket.socketpair()
    with contextlib.suppress(OSError):  # (capped at the system's limit where it is lower)
        writer.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)
        reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
    reader.shutdown(socket.SHUT_WR)  # one way, as a pipe
    writer.shutdown(socket.SHUT_RD)
    return reader.detach(), writer.detach()


def _serve(function, requests: int, replies: int) -> None:
    """A worker's loop: read a request, run it, write back ``("ok", result)`` or
    ``("error", exception)``; return when the parent closes the pipe."""
    length = PipedWorkers._LENGTH
    with os.fdopen(requests, "rb") as source, os.fdopen(replies, "wb") as sink:
        while True:
            head = source.read(length.size)
            if len(head) < length.size:
                return
            (size,) = length.unpack(head)
            args = pickle.loads(source.read(size))
            try:
                reply = ("ok", function(*args))
            except Exception as exc:
                reply = ("error", exc)
            try:
                data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # an exception that does not pickle: its text does
                data = pickle.dumps(("error", RuntimeError(f"{type(reply[1]).__name__}: {reply[1]}")))
            sink.write(length.pack(len(data)))
            sink.write(data)
            sink.flush()


def worker_started(parent_pid: int) -> None:
    """Run first in every worker process, just after it is forked."""
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


def exit_on_sigterm() -> None:
    """Make SIGTERM raise ``SystemExit(143)`` in the main thread, so ``finally`` blocks and
    context managers clean up before the process ends."""

    def handler(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
