"""Running independent chunks of work: in process, on local processes, or on Dask; resumable from disk.

Sweeps (chunks of parameter points) and ensembles (seeded blocks of trajectories) are lists of
independent tasks whose results only depend on the task, so where they run cannot change them.
With a ``checkpoint`` directory every finished chunk is written atomically as it completes, under a
key that identifies the run; a rerun with the same key loads the finished chunks and computes only
the rest, so an interrupted run loses no finished work.  Dask is imported only when asked for.

Checkpoints hold data, never code: each chunk is a ``.npz`` file read with ``allow_pickle=False``,
carrying the run key, its own index and a SHA-256 checksum of its arrays.  A chunk that fails any check
(another run's, swapped, truncated, garbage, a pickle in disguise, not owned by this user) is never
used: it is recomputed and a :class:`~cascom_sim.errors.CascomWarning` says so.  A checkpoint
directory owned by another user is refused.  The checksum guards integrity, not authenticity: the
protection against a hostile file is that nothing in it is executed and that only the user's own
files are read.  A Dask scheduler, by contrast, runs whatever its clients and workers send: give
``scheduler`` only the address of a cluster you trust.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
import os
import pickle
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import CascomWarning, ParameterError
from ..progress import NoProgress
from .storage import atomic_write

#: version of the chunk file layout (part of every chunk's metadata)
CHUNK_FORMAT = "cascom-chunk-1"


@dataclass(frozen=True)
class Execution:
    """Where chunks run.

    Attributes
    ----------
    workers : int
        Local worker processes (1: in this process).  With ``dask=True`` the size of a local Dask cluster.
    scheduler : str or None
        Address of a running Dask scheduler (e.g. ``tcp://10.0.0.5:8786``); implies Dask.  A scheduler
        runs the code it is sent: only give the address of a cluster you trust.
    dask : bool
        Use a local Dask cluster of ``workers`` processes.
    checkpoint : path or None
        Directory for finished chunks (resume).
    replace_checkpoint : bool
        A checkpoint of another run in ``checkpoint`` is discarded (with a warning) instead of refused; the
        command line sets it for its automatic ``OUT.chunks`` directory, so a failed run never blocks the next.
    threads : int
        With ``workers=1`` and no Dask: chunks run on this many threads of this process (for work that
        releases the GIL: compiled kernels, NumPy's random generators and BLAS).
    checkpoint_every : float
        Seconds between writes of finished chunks to ``checkpoint`` (they are written in batches: a
        killed run loses at most this much work; 0 writes each chunk as it finishes).  Chunks still
        unwritten when the run stops on an exception or Ctrl-C are written before it propagates.
    keep_checkpoint : bool
        Write every finished chunk before returning (the directory then holds the whole run).  False
        when the checkpoint only protects this run against interruption and is removed after success,
        as the command line's automatic ``OUT.chunks``: a run shorter than ``checkpoint_every`` then
        writes no chunk at all.
    """

    workers: int = 1
    scheduler: str | None = None
    dask: bool = False
    checkpoint: str | Path | None = None
    replace_checkpoint: bool = False
    threads: int = 1
    checkpoint_every: float = 10.0
    keep_checkpoint: bool = True

    def __post_init__(self) -> None:
        v = self.checkpoint_every
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v < float("inf"):
            raise ParameterError("checkpoint_every", v, "a finite number of seconds ≥ 0")
        for name in ("workers", "threads"):
            v = getattr(self, name)
            if not (isinstance(v, int) and not isinstance(v, bool) and v >= 1):
                raise ParameterError(name, v, "an integer ≥ 1")


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity), at least 1."""
    import os

    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


#: points per call of a compiled kernel: A, D and the outputs of a block stay in a core's cache, and blocks
#: are small enough for threads claiming them one at a time to balance
KERNEL_BLOCK = 2048

_CONTINUATION = contextvars.ContextVar("cascom_sim_kernel_continuation", default=True)


@contextlib.contextmanager
def points_on_their_own():
    """Within this context (of the calling thread) the compiled kernels take no point's rightmost eigenvalue
    as Newton's start for the next one: every point is evaluated exactly as if it were alone, so the results
    do not depend on how a stack is split (the optimizer's populations, shared over processes).  Outside it,
    a stack's unstable points start from their predecessor's within each block of :data:`KERNEL_BLOCK`
    points, and the growth rates agree with these to rounding (~1e-15 relative)."""
    token = _CONTINUATION.set(False)
    try:
        yield
    finally:
        _CONTINUATION.reset(token)


def continuation_allowed() -> bool:
    """False inside :func:`points_on_their_own`."""
    return _CONTINUATION.get()


_POOL = None
_POOL_LOCK = threading.Lock()


def thread_pool():
    """One process-wide thread pool for compiled kernels (they release the GIL), one thread per core."""
    global _POOL
    with _POOL_LOCK:  # two threads asking first at once would otherwise make two pools
        if _POOL is None:
            from concurrent.futures import ThreadPoolExecutor

            _POOL = ThreadPoolExecutor(max_workers=available_cores(), thread_name_prefix="cascom-kernel")
    return _POOL


def claim_blocks(work: Callable[[int, int], None], n: int, block: int, threads: int) -> None:
    """Call ``work(lo, hi)`` on every block of ``block`` items of ``range(n)``, on ``threads`` threads that
    claim the blocks one at a time.

    Dynamic scheduling: stable points cost ~3× unstable ones, so equal shares per thread would leave a
    core idle.  Each block is computed on its own, so results do not depend on ``threads``.  If ``work``
    raises, the other threads stop at their next block and the first error is raised once all have stopped.
    """
    import itertools

    starts = range(0, n, block)
    claim = itertools.count()  # next() on it is atomic under the GIL
    failed = threading.Event()

    def run():
        try:
            while not failed.is_set() and (k := next(claim)) < len(starts):
                work(starts[k], min(starts[k] + block, n))
        except BaseException:
            failed.set()  # the other threads stop at their next block
            raise

    threads = max(1, min(int(threads), len(starts)))
    if threads == 1:
        run()
        return
    futures = [thread_pool().submit(run) for _ in range(threads)]
    errors = [f.exception() for f in futures]  # waits for every thread: none is left writing after we return
    for e in errors:
        if e is not None:
            raise e


def run_key(*parts) -> str:
    """A short digest identifying a run (its inputs), for checkpoint directories.

    ``pickle.dumps`` only serializes the inputs to hash them; nothing is ever unpickled.
    """
    h = hashlib.sha256()
    for p in parts:
        h.update(pickle.dumps(p, protocol=4))
    return h.hexdigest()[:16]


def _flatten(result) -> dict[str, np.ndarray]:
    """A chunk result (an array or a dict of arrays) as named arrays for ``.npz``."""
    if isinstance(result, dict):
        return {"d_" + k: np.asarray(v) for k, v in result.items()}
    return {"a": np.asarray(result)}


def _unflatten(arrays: dict[str, np.ndarray]):
    if set(arrays) == {"a"}:
        return arrays["a"]
    return {k[2:]: v for k, v in arrays.items()}


def _checksum(key: str, index: int, arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256(f"{CHUNK_FORMAT}|{key}|{index}".encode())
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"|{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _owned_by_user(path: Path) -> tuple[bool, str]:
    """(True, '') if ``path`` (and, for a symbolic link, its target) belongs to this user."""
    if not hasattr(os, "getuid"):  # no owners to compare (Windows)
        return True, ""
    uid = os.getuid()
    for st in (os.lstat(path), os.stat(path)):
        if st.st_uid != uid:
            return False, f"owned by uid {st.st_uid}, not by you (uid {uid})"
    return True, ""


#: finished chunks held unwritten at most (bounds the memory of batched checkpoint writes)
MAX_UNSAVED = 64


class _Checkpoint:
    """A directory of chunk files of one run (see the module docstring for what is checked)."""

    def __init__(self, directory: str | Path, key: str, n_tasks: int, replace: bool = False):
        self.dir = Path(directory)
        self.key = key
        self.rejected: list[tuple[int, str]] = []
        if self.dir.exists() or self.dir.is_symlink():
            if not self.dir.is_dir():
                raise ParameterError("checkpoint", str(directory), "a directory (this path is a file)")
            ok, why = _owned_by_user(self.dir)
            if not ok:
                raise ParameterError("checkpoint", str(directory),
                                     f"a directory of your own (this one is {why}; files in it could be anyone's)")
        else:
            try:
                self.dir.mkdir(parents=True, mode=0o700)
            except OSError as exc:
                raise ParameterError("checkpoint", str(directory), f"a directory that can be created ({exc.strerror})") \
                    from None
        if not os.access(self.dir, os.W_OK | os.X_OK):
            raise ParameterError("checkpoint", str(directory), "a writable directory")
        self._remove_temporaries()
        manifest = self.dir / "manifest.json"
        old_key = None
        if manifest.exists():
            try:
                old_key = json.loads(manifest.read_text()).get("key")
            except (ValueError, OSError, AttributeError):
                old_key = "unreadable"
        if old_key is not None and old_key != key:
            if not replace:
                raise ParameterError("checkpoint", str(directory),
                                     f"a directory of this run (it holds run {old_key}, this is {key}); "
                                     "use another directory or remove it")
            warnings.warn(f"checkpoint {directory} held another run ({old_key}); its chunks were discarded",
                          CascomWarning, stacklevel=3)
            self.clear()
            old_key = None
        if old_key is None:
            atomic_write(manifest, lambda tmp: Path(tmp).write_text(
                json.dumps({"key": key, "tasks": n_tasks, "format": CHUNK_FORMAT})))

    def _remove_temporaries(self) -> None:
        """Temporary files of writes that were killed mid-way (never renamed, so never valid)."""
        for p in self.dir.glob(".*.tmp"):
            if _owned_by_user(p)[0]:
                p.unlink(missing_ok=True)

    def clear(self) -> None:
        for pattern in ("chunk_*.npz", "chunk_*.pkl", "manifest.json"):
            for p in self.dir.glob(pattern):
                p.unlink(missing_ok=True)

    def path(self, i: int) -> Path:
        return self.dir / f"chunk_{i:06d}.npz"

    def _read(self, i: int):
        p = self.path(i)
        if not p.is_file() or p.is_symlink():
            raise ValueError("not a regular file")
        ok, why = _owned_by_user(p)
        if not ok:
            raise ValueError(why)
        with np.load(p, allow_pickle=False) as z:
            if not hasattr(z, "files"):
                raise ValueError("not an .npz archive")
            meta = json.loads(str(z["__meta__"][()]))
            arrays = {k: z[k] for k in z.files if k != "__meta__"}
        if meta.get("format") != CHUNK_FORMAT:
            raise ValueError(f"format {meta.get('format')!r}")
        if meta.get("key") != self.key:
            raise ValueError(f"chunk of another run ({meta.get('key')})")
        if meta.get("index") != i:
            raise ValueError(f"chunk {meta.get('index')} stored under the name of chunk {i}")
        if meta.get("sha256") != _checksum(self.key, i, arrays):
            raise ValueError("checksum mismatch")
        return _unflatten(arrays)

    def load(self, i: int):
        """The stored result of task ``i``, or None if absent or invalid (then it is recorded and removed)."""
        if not (self.path(i).exists() or self.path(i).is_symlink()):
            return None
        try:
            return self._read(i)
        except Exception as exc:  # any failure at all means: do not use it, recompute
            self.rejected.append((i, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__))
            try:
                self.path(i).unlink()
            except OSError:
                pass
            return None

    def save(self, i: int, result) -> None:
        arrays = _flatten(result)
        meta = {"format": CHUNK_FORMAT, "key": self.key, "index": i, "sha256": _checksum(self.key, i, arrays)}

        def write(tmp):
            with open(tmp, "wb") as f:
                np.savez(f, __meta__=np.array(json.dumps(meta)), **arrays)

        try:
            atomic_write(self.path(i), write)
        except OSError as exc:  # e.g. a directory in the chunk's place: the run goes on, this chunk is not kept
            warnings.warn(f"checkpoint {self.dir}: chunk {i} could not be stored ({exc.strerror or exc}); "
                          "a rerun will compute it again", CascomWarning, stacklevel=2)


def _dask_client(execution: Execution):
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ParameterError("scheduler" if execution.scheduler else "dask", "requested",
                             "an installed Dask: pip install 'cascom_sim[dask]'") from None
    if execution.scheduler:
        return Client(execution.scheduler), None
    cluster = LocalCluster(n_workers=execution.workers, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    return Client(cluster), cluster


@contextlib.contextmanager
def worker_pool(execution: Execution):
    """A ``pool_map(func, tasks) -> list`` on ``execution``'s worker processes or Dask cluster, kept alive for
    the whole ``with`` block: for many short rounds of work (an optimizer's generations), where starting
    processes or a cluster per round would cost more than the round.  Results come back in task order."""
    if execution.scheduler or execution.dask:
        client, cluster = _dask_client(execution)
        try:
            yield lambda func, tasks: client.gather(client.map(func, list(tasks), pure=False))
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    elif execution.workers > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=execution.workers) as pool:
            yield lambda func, tasks: list(pool.map(func, tasks))
    else:
        yield lambda func, tasks: [func(t) for t in tasks]


def run_chunks(func: Callable, tasks: Sequence, execution: Execution | None = None, key: str = "",
               progress=None, description: str = "chunks", reduce: Callable | None = None, initial=None):
    """``[func(t) for t in tasks]``, run as ``execution`` says, resuming from its checkpoint.

    Parameters
    ----------
    reduce : callable(acc, result) -> acc, optional
        Merge results as they arrive instead of keeping them: ``reduce`` is applied strictly in task
        order (a result that finishes early waits, at most a small window of them), so the merged value
        does not depend on where or in which order chunks ran.  Memory stays bounded by the window.
    initial
        The accumulator ``reduce`` starts from.

    Returns
    -------
    list or accumulator
        Results in task order, or the merged accumulator with ``reduce``.  What was loaded, computed
        and rejected is attached as ``run_chunks.last_stats`` for tests and reports.
    """
    execution = Execution() if execution is None else execution
    progress = NoProgress() if progress is None else progress
    n = len(tasks)
    results: list | None = [None] * n if reduce is None else None
    ckpt = (_Checkpoint(execution.checkpoint, key, n, execution.replace_checkpoint)
            if execution.checkpoint else None)
    on_disk: set[int] = set()  # validated chunks; with `reduce` they are reloaded when their turn comes
    for i in range(n):
        r = ckpt.load(i) if ckpt else None
        if r is not None:
            on_disk.add(i)
            if results is not None:
                results[i] = r
    todo = [i for i in range(n) if i not in on_disk]
    rejected = list(ckpt.rejected) if ckpt else []
    if rejected:
        detail = "; ".join(f"chunk {i}: {why}" for i, why in rejected[:3]) + ("; …" if len(rejected) > 3 else "")
        warnings.warn(f"checkpoint {execution.checkpoint}: {len(rejected)} chunk(s) failed validation and are "
                      f"recomputed ({detail})", CascomWarning, stacklevel=2)
    progress.start(n, description)
    progress.advance(n - len(todo))
    state = {"acc": initial, "next": 0}
    pending: dict[int, object] = {}

    def merge_ready():
        while state["next"] < n:
            i = state["next"]
            if i in pending:
                r = pending.pop(i)
            elif i in on_disk:
                r = ckpt.load(i)
                if r is None:  # changed on disk since it was validated: recompute here
                    r = func(tasks[i])
                    ckpt.save(i, r)
            else:
                return
            state["acc"] = reduce(state["acc"], r)
            state["next"] = i + 1

    unsaved: dict[int, object] = {}  # finished, not yet written: written in batches (see checkpoint_every)
    last_write = [time.monotonic()]

    def write_unsaved():
        for i in sorted(unsaved):
            ckpt.save(i, unsaved[i])
        unsaved.clear()
        last_write[0] = time.monotonic()

    def done(i, r):
        if ckpt:
            unsaved[i] = r
            if time.monotonic() - last_write[0] >= execution.checkpoint_every or len(unsaved) >= MAX_UNSAVED:
                write_unsaved()
        if results is not None:
            results[i] = r
        else:
            pending[i] = r
            merge_ready()
        progress.advance()

    if reduce is not None:
        merge_ready()
    # results held at once (running + finished but not yet merged) stay below this
    window = max(2, 2 * max(execution.workers, execution.threads))
    queue = iter(todo)
    try:
        if not todo:
            pass
        elif execution.scheduler or execution.dask:
            client, cluster = _dask_client(execution)
            try:
                from distributed import as_completed

                running: dict = {}
                ac = as_completed()

                def submit_more():
                    while len(running) + len(pending) < window:
                        i = next(queue, None)
                        if i is None:
                            return
                        fut = client.submit(func, tasks[i], pure=False)
                        running[fut] = i
                        ac.add(fut)

                submit_more()
                for fut in ac:
                    done(running.pop(fut), fut.result())
                    submit_more()
            finally:
                client.close()
                if cluster is not None:
                    cluster.close()
        elif execution.workers > 1 or execution.threads > 1:
            from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, ThreadPoolExecutor, wait

            pool = (ProcessPoolExecutor(max_workers=execution.workers) if execution.workers > 1
                    else ThreadPoolExecutor(max_workers=execution.threads))
            with pool as ex:
                running = {}
                while True:
                    while len(running) + len(pending) < window:
                        i = next(queue, None)
                        if i is None:
                            break
                        running[ex.submit(func, tasks[i])] = i
                    if not running:
                        break
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for fut in sorted(finished, key=running.get):
                        done(running.pop(fut), fut.result())
        else:
            for i in todo:
                done(i, func(tasks[i]))
    except BaseException:
        if unsaved:  # interrupted or failed: keep what finished, then let the exception through
            try:
                write_unsaved()
            except Exception:  # noqa: BLE001 - a failing write must not mask why the run stopped
                pass
        raise
    finally:
        progress.close()
    if unsaved and execution.keep_checkpoint:
        write_unsaved()
    if reduce is not None:
        merge_ready()
        assert state["next"] == n, "every chunk is merged exactly once"
    run_chunks.last_stats = {"tasks": n, "loaded": n - len(todo), "computed": len(todo),
                             "rejected": [i for i, _ in rejected]}
    return results if reduce is None else state["acc"]
