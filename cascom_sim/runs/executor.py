"""Running independent chunks of work: in process, on local processes, or on Dask; resumable from disk.

Sweeps (chunks of parameter points) and ensembles (seeded blocks of trajectories) are lists of
independent tasks whose results only depend on the task, so where they run cannot change them.
With a ``checkpoint`` directory every finished chunk is written atomically as it completes, under a
key that identifies the run; a rerun with the same key loads the finished chunks and computes only
the rest, so an interrupted run loses no finished work.  Dask is imported only when asked for.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import ParameterError
from ..progress import NoProgress
from .storage import atomic_write


@dataclass(frozen=True)
class Execution:
    """Where chunks run.

    Attributes
    ----------
    workers : int
        Local worker processes (1: in this process).  With ``dask=True`` the size of a local Dask cluster.
    scheduler : str or None
        Address of a running Dask scheduler (e.g. ``tcp://10.0.0.5:8786``); implies Dask.
    dask : bool
        Use a local Dask cluster of ``workers`` processes.
    checkpoint : path or None
        Directory for finished chunks (resume).
    """

    workers: int = 1
    scheduler: str | None = None
    dask: bool = False
    checkpoint: str | Path | None = None

    def __post_init__(self) -> None:
        if not (isinstance(self.workers, int) and self.workers >= 1):
            raise ParameterError("workers", self.workers, "an integer ≥ 1")


def run_key(*parts) -> str:
    """A short digest identifying a run (its inputs), for checkpoint directories."""
    h = hashlib.sha256()
    for p in parts:
        h.update(pickle.dumps(p, protocol=4))
    return h.hexdigest()[:16]


class _Checkpoint:
    def __init__(self, directory: str | Path, key: str, n_tasks: int):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        manifest = self.dir / "manifest.json"
        if manifest.exists():
            old = json.loads(manifest.read_text())
            if old.get("key") != key:
                raise ParameterError("checkpoint", str(directory),
                                     f"a directory of this run (it holds run {old.get('key')}, this is {key}); "
                                     "use another directory or remove it")
        else:
            atomic_write(manifest, lambda tmp: Path(tmp).write_text(json.dumps({"key": key, "tasks": n_tasks})))

    def path(self, i: int) -> Path:
        return self.dir / f"chunk_{i:06d}.pkl"

    def load(self, i: int):
        p = self.path(i)
        if not p.exists():
            return None
        with open(p, "rb") as f:
            return pickle.load(f)

    def save(self, i: int, result) -> None:
        def write(tmp):
            with open(tmp, "wb") as f:
                pickle.dump(result, f, protocol=4)

        atomic_write(self.path(i), write)


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


def run_chunks(func: Callable, tasks: Sequence, execution: Execution | None = None, key: str = "",
               progress=None, description: str = "chunks") -> list:
    """``[func(t) for t in tasks]``, run as ``execution`` says, resuming from its checkpoint.

    Returns
    -------
    list
        Results in task order; ``stats`` of what was loaded and computed is attached as
        ``run_chunks.last_stats`` for tests and reports.
    """
    execution = Execution() if execution is None else execution
    progress = NoProgress() if progress is None else progress
    results: list = [None] * len(tasks)
    ckpt = _Checkpoint(execution.checkpoint, key, len(tasks)) if execution.checkpoint else None
    todo = []
    for i in range(len(tasks)):
        r = ckpt.load(i) if ckpt else None
        if r is None:
            todo.append(i)
        else:
            results[i] = r
    progress.start(len(tasks), description)
    progress.advance(len(tasks) - len(todo))

    def done(i, r):
        results[i] = r
        if ckpt:
            ckpt.save(i, r)
        progress.advance()

    try:
        if not todo:
            pass
        elif execution.scheduler or execution.dask:
            client, cluster = _dask_client(execution)
            try:
                from distributed import as_completed

                futures = {client.submit(func, tasks[i], pure=False): i for i in todo}
                for fut in as_completed(futures):
                    done(futures[fut], fut.result())
            finally:
                client.close()
                if cluster is not None:
                    cluster.close()
        elif execution.workers > 1:
            from concurrent.futures import ProcessPoolExecutor, as_completed

            with ProcessPoolExecutor(max_workers=execution.workers) as ex:
                futures = {ex.submit(func, tasks[i]): i for i in todo}
                for fut in as_completed(futures):
                    done(futures[fut], fut.result())
        else:
            for i in todo:
                done(i, func(tasks[i]))
    finally:
        progress.close()
    run_chunks.last_stats = {"tasks": len(tasks), "loaded": len(tasks) - len(todo), "computed": len(todo)}
    return results
