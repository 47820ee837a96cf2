"""Where batch jobs run: a spawn process pool on this machine or a Dask cluster, and the channel
that carries frame progress from the workers back to the main process (a multiprocessing manager
queue locally, a ``distributed.Queue`` on Dask). Dask is imported only when a scheduler is given.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os

from formcheck.errors import ConfigError


class DaskExecutor(cf.Executor):
    """``Client(address).get_executor()`` that also closes its client on shutdown."""

    def __init__(self, address: str) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise ConfigError("--scheduler needs Dask: pip install 'formcheck[cluster]'") from None
        try:
            self.client = Client(address, timeout="20s")
        except (OSError, TimeoutError) as e:
            raise ConfigError(f"cannot connect to the Dask scheduler at {address} ({e})") from None
        self._ex = self.client.get_executor(pure=False)

    def submit(self, fn, /, *args, **kwargs):
        return self._ex.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        try:
            self._ex.shutdown(wait=wait)
        finally:
            self.client.close()

    @property
    def n_workers(self) -> int:
        return sum(w.get("nthreads", 1) for w in self.client.scheduler_info().get("workers", {}).values()) or 1


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def make_executor(workers: int | None = None, scheduler: str | None = None) -> cf.Executor:
    """A Dask cluster executor when ``scheduler`` (``tcp://host:port``) is given, else a
    ``ProcessPoolExecutor`` with ``workers`` spawned processes (default: the usable cores)."""
    if scheduler:
        return DaskExecutor(scheduler)
    return cf.ProcessPoolExecutor(workers or default_workers(), mp_context=multiprocessing.get_context("spawn"))


class DaskSink:
    """Picklable handle on a ``distributed.Queue``, opened lazily inside the task (a Queue object in
    the task's arguments would be connected while the worker deserialises them, which deadlocks)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._q = None

    def __getstate__(self) -> dict:
        return {"name": self.name}

    def __setstate__(self, state: dict) -> None:
        self.name, self._q = state["name"], None

    def put(self, item) -> None:
        if self._q is None:
            from distributed import Queue

            self._q = Queue(self.name)
        self._q.put(item)


class ProgressChannel:
    """Frame progress from workers: ``sink`` goes into jobs, ``drain()`` reads in the main process."""

    def __init__(self, executor: cf.Executor) -> None:
        self._manager = None
        self._dask = False
        if isinstance(executor, DaskExecutor):
            import uuid

            from distributed import Queue

            name = f"formcheck-progress-{uuid.uuid4().hex}"
            self._queue = Queue(name, client=executor.client)
            self.sink = DaskSink(name)
            self._dask = True
        elif isinstance(executor, cf.ProcessPoolExecutor):
            self._manager = multiprocessing.get_context("spawn").Manager()
            self.sink = self._manager.Queue()
        else:  # threads (tests) or an unknown executor
            import queue

            self.sink = queue.Queue()

    def drain(self) -> list:
        items = []
        try:
            if self._dask:
                return list(self._queue.get(batch=True))
            while True:
                items.append(self.sink.get_nowait())
        except Exception:  # noqa: BLE001 - queue.Empty, or a closed manager at shutdown
            return items

    def close(self) -> None:
        if self._manager is not None:
            self._manager.shutdown()
