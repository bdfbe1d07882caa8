"""PipedWorkers, the forked workers of --jobs (tagging's batches, training's fits): results
in order, big messages both ways, errors raised in the parent, dead workers reported, no
worker left behind."""

from __future__ import annotations

import os
import select
import signal
import sys
import threading
import time

import pytest

from classifier import WorkerError
from classifier import workers as workers_module
from classifier.workers import PipedWorkers, _PipedWorker, _channel

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="forks workers")
SLOW_SECONDS = 20


def _echo(tag, payload):
    return tag, len(payload), payload[::-1]


class Unpicklable(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.lock = threading.Lock()  # pickling it fails


def _fail(kind):
    if kind == "value":
        raise ValueError("no such thing")
    if kind == "unpicklable":
        raise Unpicklable("holds a lock")
    if kind == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    return kind


def _gone(pid: int) -> bool:
    """Whether ``pid`` is neither running nor a zombie left unwaited (it was reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.parametrize("waiting", ["poll", "select"])
@pytest.mark.parametrize("channel", ["pipe", "sockets"])
def test_results_come_back_in_order_from_every_worker_with_messages_bigger_than_a_pipe(waiting, channel, monkeypatch):
    if waiting == "select":  # as where the OS has no poll
        monkeypatch.delattr(select, "poll")
    if channel == "sockets":  # as where a pipe cannot be grown (macOS)
        monkeypatch.setattr(workers_module, "fcntl", None)
    big = "x" * (3 << 20) + "end"  # 3 MB: more than a pipe holds, both ways
    with PipedWorkers(_echo, 2) as workers:
        tickets = [workers.send(n % 2, n, big if n in (1, 4) else f"short {n}") for n in range(6)]
        assert [workers.queued(k) for k in (0, 1)] == [3, 3]
        results = [workers.result(ticket) for ticket in tickets]
        assert [workers.queued(k) for k in (0, 1)] == [0, 0]
    assert [(tag, size) for tag, size, _ in results] == [
        (0, 7), (1, len(big)), (2, 7), (3, 7), (4, len(big)), (5, 7)]
    assert results[1][2] == big[::-1] and results[5][2] == "5 trohs"


def test_an_exception_in_a_worker_is_raised_here_and_the_worker_goes_on():
    with PipedWorkers(_fail, 1) as workers:
        failing, fine = workers.send(0, "value"), workers.send(0, "fine")
        with pytest.raises(ValueError, match="^no such thing$"):
            workers.result(failing)
        assert workers.result(fine) == "fine"


def test_an_exception_that_does_not_pickle_arrives_as_its_text():
    with PipedWorkers(_fail, 1) as workers:
        ticket = workers.send(0, "unpicklable")
        with pytest.raises(RuntimeError, match="^Unpicklable: holds a lock$"):
            workers.result(ticket)


def test_a_worker_that_dies_is_a_worker_error_not_a_hang():
    with PipedWorkers(_fail, 1) as workers:
        pid = workers._workers[0].pid
        ticket = workers.send(0, "die")
        with pytest.raises(WorkerError) as info:
            workers.result(ticket)
    assert str(info.value) == ("a worker process died before finishing its share (killed, or out of memory?); "
                               "run again, or with jobs=1 to work in one process")
    assert _gone(pid)


def test_a_worker_that_dies_halfway_through_a_reply_is_a_worker_error_not_a_hang():
    # What the parent reads of a worker the out-of-memory killer takes while it replies: the
    # first bytes of a reply, then the end of the pipe.
    reply_read, reply_write = os.pipe()
    os.write(reply_write, PipedWorkers._LENGTH.pack(1000) + b"half")
    os.close(reply_write)
    worker = _PipedWorker(pid=0, requests=-1, replies=reply_read, sent=1)
    worker.read(PipedWorkers._LENGTH)  # half a reply: nothing yet
    assert worker.results == {}
    with pytest.raises(WorkerError) as info:
        worker.read(PipedWorkers._LENGTH)
    assert str(info.value) == ("a worker process died before finishing its share (killed, or out of memory?); "
                               "run again, or with jobs=1 to work in one process")
    os.close(reply_read)


@pytest.mark.parametrize("channel", ["pipe", "sockets"])
def test_a_channel_holds_what_a_worker_has_not_read_yet(channel, monkeypatch):
    if channel == "sockets":
        monkeypatch.setattr(workers_module, "fcntl", None)
    read_end, write_end = _channel(PipedWorkers.PIPE_BYTES)
    os.set_blocking(write_end, False)
    written = 0
    try:
        while True:
            written += os.write(write_end, b"x" * 65536)
    except BlockingIOError:
        pass
    if channel == "pipe":
        assert written >= PipedWorkers.PIPE_BYTES
    else:  # socket buffers count their own overhead, and the system caps them (4 MiB here, 208 KiB
        # by default): more than a pipe's 64 KiB, and than a socket pair's default (about 230 KiB)
        assert written >= 4 * 65536
    os.close(write_end)
    received = 0
    while chunk := os.read(read_end, 1 << 20):
        received += len(chunk)
    assert received == written
    os.close(read_end)


def test_tickets_take_results_in_any_order():
    with PipedWorkers(_echo, 1) as workers:
        tickets = [workers.send(0, n, "x" * n) for n in range(3)]
        assert [workers.result(t)[0] for t in reversed(tickets)] == [2, 1, 0]
        assert workers.queued(0) == 0


def _sleep_then_mark(marker):
    time.sleep(SLOW_SECONDS)
    with open(marker, "w"):
        pass


def test_workers_exit_when_done_and_are_killed_when_left_early(tmp_path):
    with PipedWorkers(_echo, 2) as workers:
        pids = [worker.pid for worker in workers._workers]
        assert workers.result(workers.send(0, 0, "a")) == (0, 1, "a")
    assert all(_gone(pid) for pid in pids)  # exited at their pipes' end, and waited for

    finished = tmp_path / "finished"
    with pytest.raises(KeyError):
        with PipedWorkers(_sleep_then_mark, 2) as workers:
            pids = [worker.pid for worker in workers._workers]
            workers.send(1, str(finished))  # still at it when the error comes
            raise KeyError("an error while they work")
    assert all(_gone(pid) for pid in pids)
    assert not finished.exists()  # killed, not waited for (a wait would have let it finish)


def _wait_for(marker):
    """"released" once ``marker`` exists, or "late" when it never came."""
    deadline = time.monotonic() + SLOW_SECONDS
    while time.monotonic() < deadline:
        if os.path.exists(marker):
            return "released"
        time.sleep(0.01)
    return "late"


def test_ready_answers_at_once_and_result_waits(tmp_path):
    release = tmp_path / "release"
    with PipedWorkers(_wait_for, 1) as workers:
        ticket = workers.send(0, str(release))
        assert not workers.ready(ticket)  # answered while the worker still waits for this test
        release.touch()
        assert workers.result(ticket) == "released"  # a ready() that waited for it would see "late"
        assert not workers.ready(ticket)  # a result is taken once


def _mark_started(marker, payload):
    with open(marker, "w") as out:
        out.write(str(len(payload)))
    return len(payload)


def test_submit_hands_a_big_request_over_whole_before_this_process_goes_off_to_its_own_work(tmp_path):
    from classifier.workers import forked_workers, submit

    marker = tmp_path / "started"
    big = "y" * (4 << 20)  # more than the pipe takes at once
    with forked_workers(1) as workers:
        pending = submit(workers, _mark_started, str(marker), big)
        # This process does not look at the workers' pipes again until it wants the result
        # (train fits its main model meanwhile): the worker must have its whole request by now.
        deadline = time.monotonic() + 30
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert marker.exists()
        assert pending.result() == len(big)


def test_two_pools_open_at_once_each_see_their_workers_end():
    # A worker forked for the second pool held the first pool's pipe ends, so the first
    # pool's workers never saw their pipe close and closing it waited for ever.
    first = PipedWorkers(_echo, 1)
    second = PipedWorkers(_echo, 1)
    with first, second:
        tickets = [pool.send(0, "t", b"x") for pool in (first, second)]
        assert [pool.result(t) for pool, t in zip((first, second), tickets)] == [("t", 1, b"x")] * 2
        closed = threading.Thread(target=first.close)
        closed.start()
        closed.join(SLOW_SECONDS)
        assert not closed.is_alive()  # the first pool ended while the second still runs
    assert not workers_module._PARENT_PIPES
