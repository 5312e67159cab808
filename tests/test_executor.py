"""Resume from checkpoints, Dask and process pools give the in-process results; bounded ensemble memory."""

import tracemalloc

import numpy as np
import pytest

from cascom_sim import ModelOptions, Parameters, build_model
from cascom_sim.presets import SINGLE_CAVITY_ENTANGLED as CASE
from cascom_sim.progress import NoProgress
from cascom_sim.runs.executor import Execution, run_chunks
from cascom_sim.runs.sweep import Axis, run_sweep
from cascom_sim.solvers.dynamics import evolve_ensemble, initial_covariance

AXES = [Axis("detuning", 0.5, 2.5, 12), Axis("phi_pi", 0.4, 0.6, 10)]
BASE = Parameters(eta=0.5)


class Interrupt(NoProgress):
    """Progress meter that stops the run (like Ctrl-C) after ``after`` finished chunks."""

    def __init__(self, after):
        self.after, self.seen = after, 0

    def advance(self, n=1):
        self.seen += n
        if self.seen >= self.after:
            raise KeyboardInterrupt


def test_interrupted_sweep_resumes_from_finished_chunks(tmp_path):
    ref = run_sweep(AXES, base=BASE, chunk=16).dataset
    ck = Execution(checkpoint=tmp_path / "ck")
    with pytest.raises(KeyboardInterrupt):
        run_sweep(AXES, base=BASE, chunk=16, execution=ck, progress=Interrupt(3))
    assert len(list((tmp_path / "ck").glob("chunk_*.npz"))) == 3
    res = run_sweep(AXES, base=BASE, chunk=16, execution=ck).dataset
    assert run_chunks.last_stats == {"tasks": 8, "loaded": 3, "computed": 5, "rejected": []}
    for k in ("E_N_formal", "stable", "max_re_eigenvalue", "bona_fide"):
        np.testing.assert_array_equal(res[k].values, ref[k].values)


def test_checkpoint_of_another_run_is_refused(tmp_path):
    from cascom_sim import ParameterError

    run_sweep(AXES, base=BASE, chunk=16, execution=Execution(checkpoint=tmp_path / "ck"))
    with pytest.raises(ParameterError, match="checkpoint"):
        run_sweep(AXES, base=BASE.replace(eta=0.4), chunk=16, execution=Execution(checkpoint=tmp_path / "ck"))


def test_interrupted_ensemble_resumes(tmp_path):
    m = build_model(CASE)
    t = np.linspace(0, 1e-7, 3)
    V0 = initial_covariance(CASE)
    n = 4096 * 3 + 10
    ref = evolve_ensemble(m, t, V0, n, seed=9, pair=("a1", "b1"))
    ck = Execution(checkpoint=tmp_path / "ens")
    with pytest.raises(KeyboardInterrupt):
        evolve_ensemble(m, t, V0, n, seed=9, pair=("a1", "b1"), execution=ck, progress=Interrupt(2))
    res = evolve_ensemble(m, t, V0, n, seed=9, pair=("a1", "b1"), execution=ck)
    assert run_chunks.last_stats["loaded"] == 2 and run_chunks.last_stats["computed"] == 2
    np.testing.assert_array_equal(res.covariances, ref.covariances)


def test_dask_local_cluster_matches_in_process():
    pytest.importorskip("distributed")
    ex = Execution(dask=True, workers=2)
    ref = run_sweep(AXES, base=BASE, chunk=32).dataset
    res = run_sweep(AXES, base=BASE, chunk=32, execution=ex).dataset
    for k in ("E_N_formal", "stable", "max_re_eigenvalue"):
        np.testing.assert_array_equal(res[k].values, ref[k].values)
    m = build_model(CASE)
    t = np.linspace(0, 1e-7, 3)
    V0 = initial_covariance(CASE)
    a = evolve_ensemble(m, t, V0, 5000, seed=4, pair=("a1", "b1"))
    b = evolve_ensemble(m, t, V0, 5000, seed=4, pair=("a1", "b1"), execution=ex)
    np.testing.assert_array_equal(a.covariances, b.covariances)


def test_process_pool_sweep_matches_in_process():
    ref = run_sweep(AXES, base=BASE, chunk=32, options=ModelOptions(units="literal")).dataset
    res = run_sweep(AXES, base=BASE, chunk=32, options=ModelOptions(units="literal"),
                    execution=Execution(workers=2)).dataset
    np.testing.assert_array_equal(res["E_N_formal"].values, ref["E_N_formal"].values)


def test_ensemble_memory_is_bounded_for_a_million_trajectories_and_fifty_times():
    """Running sums merged as blocks finish: 245 blocks × 50 times × 16 groups × 8×8 sums would be 100 MB if
    kept; merged in order they stay a few MB (one accumulator, one block in flight)."""
    from cascom_sim import LinearModel

    # two damped modes (d = 4) keep the test quick; the memory of the sums scales the same way
    m = LinearModel(-np.eye(4), 2 * np.eye(4) / 2)
    t = np.linspace(0, 1.0, 50)
    tracemalloc.start()
    ens = evolve_ensemble(m, t, np.eye(4) / 2, 1_000_000, seed=1, pair=(0, 1))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert ens.n_trajectories == 1_000_000 and ens.covariances.shape == (50, 4, 4)
    np.testing.assert_allclose(ens.covariances[-1], np.eye(4) / 2, atol=5e-3)
    assert peak < 25e6, peak


# ----------------------------------------------------------------------------- checkpoint integrity
class _Payload:
    """Unpickling this would create a file: proof that code ran."""

    def __init__(self, flag):
        self.flag = str(flag)

    def __reduce__(self):
        return (open, (self.flag, "w"))


def _tamper(ck, how, flag):
    import pickle
    import shutil

    c1, c2 = ck / "chunk_000001.npz", ck / "chunk_000002.npz"
    if how == "swapped":
        tmp = ck / "x"
        shutil.move(c1, tmp)
        shutil.move(c2, c1)
        shutil.move(tmp, c2)
    elif how == "truncated":
        c1.write_bytes(c1.read_bytes()[:200])
    elif how == "empty":
        c1.write_bytes(b"")
    elif how == "garbage":
        c1.write_bytes(np.random.default_rng(0).bytes(5000))
    elif how == "pickle":
        c1.write_bytes(pickle.dumps(_Payload(flag)))
    elif how == "bitflip":
        raw = bytearray(c1.read_bytes())
        raw[len(raw) // 2] ^= 0x01
        c1.write_bytes(bytes(raw))
    elif how == "other-run":
        (ck / "manifest.json").unlink()


@pytest.mark.parametrize("how", ["swapped", "truncated", "empty", "garbage", "pickle", "bitflip"])
def test_tampered_sweep_chunk_is_recomputed_never_used(tmp_path, how):
    ref = run_sweep(AXES, base=BASE, chunk=16).dataset
    ck = tmp_path / "ck"
    with pytest.raises(KeyboardInterrupt):
        run_sweep(AXES, base=BASE, chunk=16, execution=Execution(checkpoint=ck), progress=Interrupt(4))
    flag = tmp_path / "PWNED"
    _tamper(ck, how, flag)
    with pytest.warns(cascom_warning(), match="failed validation"):
        res = run_sweep(AXES, base=BASE, chunk=16, execution=Execution(checkpoint=ck)).dataset
    assert not flag.exists()
    assert 1 in run_chunks.last_stats["rejected"]
    for k in res.data_vars:
        np.testing.assert_array_equal(res[k].values, ref[k].values)


def cascom_warning():
    from cascom_sim import CascomWarning

    return CascomWarning


def test_crafted_pickle_in_ensemble_checkpoint_never_runs(tmp_path):
    import pickle

    m = build_model(CASE)
    t = np.linspace(0, 1e-7, 3)
    V0 = initial_covariance(CASE)
    n = 4096 * 3
    ref = evolve_ensemble(m, t, V0, n, seed=9, pair=("a1", "b1"))
    ck = Execution(checkpoint=tmp_path / "ens")
    with pytest.raises(KeyboardInterrupt):
        evolve_ensemble(m, t, V0, n, seed=9, pair=("a1", "b1"), execution=ck, progress=Interrupt(2))
    flag = tmp_path / "PWNED"
    (tmp_path / "ens" / "chunk_000000.npz").write_bytes(pickle.dumps(_Payload(flag)))
    with pytest.warns(cascom_warning()):
        res = evolve_ensemble(m, t, V0, n, seed=9, pair=("a1", "b1"), execution=ck)
    assert not flag.exists()
    np.testing.assert_array_equal(res.covariances, ref.covariances)


def test_stale_chunks_of_another_run_without_manifest_are_recomputed(tmp_path):
    ck = tmp_path / "ck"
    run_sweep(AXES, base=BASE, chunk=16, execution=Execution(checkpoint=ck))
    (ck / "manifest.json").unlink()
    other = BASE.replace(gamma_m=5e3)
    ref = run_sweep(AXES, base=other, chunk=16).dataset
    with pytest.warns(cascom_warning(), match="another run"):
        res = run_sweep(AXES, base=other, chunk=16, execution=Execution(checkpoint=ck)).dataset
    assert run_chunks.last_stats["loaded"] == 0
    np.testing.assert_array_equal(res["E_N_formal"].values, ref["E_N_formal"].values)


def test_replaceable_checkpoint_of_another_run_is_discarded_not_blocking(tmp_path):
    ck = tmp_path / "out.nc.chunks"
    run_sweep(AXES, base=BASE, chunk=16, execution=Execution(checkpoint=ck))
    (ck / ".chunk_000001.npz.abc.tmp").write_bytes(b"")  # left by a killed write
    with pytest.warns(cascom_warning(), match="discarded"):
        run_sweep(AXES, base=BASE.replace(eta=0.4), chunk=16,
                  execution=Execution(checkpoint=ck, replace_checkpoint=True))
    assert not list(ck.glob("*.tmp"))


def test_checkpoint_directory_of_another_user_is_refused(tmp_path, monkeypatch):
    import os

    from cascom_sim import ParameterError

    ck = tmp_path / "ck"
    ck.mkdir()
    real = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: real + 1)
    with pytest.raises(ParameterError, match="owned by uid"):
        run_sweep(AXES, base=BASE, chunk=16, execution=Execution(checkpoint=ck))


class _CountFiles(NoProgress):
    """Records how many chunk files exist each time a chunk finishes."""

    def __init__(self, directory):
        self.dir, self.counts = directory, []

    def advance(self, n=1):
        self.counts.append(len(list(self.dir.glob("chunk_*.npz"))))


def test_checkpoint_writes_are_batched(tmp_path):
    """Chunks are written at most every ``checkpoint_every`` seconds; a temporary checkpoint of a run that
    completes sooner is never written; ``checkpoint_every=0`` writes each chunk as it finishes."""
    ref = run_sweep(AXES, base=BASE, chunk=16).dataset
    ck = tmp_path / "each"
    seen = _CountFiles(ck)
    run_sweep(AXES, base=BASE, chunk=16, execution=Execution(checkpoint=ck, checkpoint_every=0), progress=seen)
    assert seen.counts[1:] == list(range(1, 9))  # first call: progress.start's advance(0 loaded)
    ck = tmp_path / "batched"
    seen = _CountFiles(ck)
    res = run_sweep(AXES, base=BASE, chunk=16, progress=seen,
                    execution=Execution(checkpoint=ck, checkpoint_every=3600, keep_checkpoint=False)).dataset
    assert max(seen.counts) == 0 and not list(ck.glob("chunk_*.npz"))
    np.testing.assert_array_equal(res["E_N_formal"].values, ref["E_N_formal"].values)
    # kept: everything is on disk after the run, and a rerun loads all of it
    ck = tmp_path / "kept"
    run_sweep(AXES, base=BASE, chunk=16, execution=Execution(checkpoint=ck, checkpoint_every=3600))
    assert len(list(ck.glob("chunk_*.npz"))) == 8
    run_sweep(AXES, base=BASE, chunk=16, execution=Execution(checkpoint=ck))
    assert run_chunks.last_stats["loaded"] == 8


def test_interrupt_writes_the_unwritten_chunks(tmp_path):
    ck = Execution(checkpoint=tmp_path / "ck", checkpoint_every=3600, keep_checkpoint=False)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(AXES, base=BASE, chunk=16, execution=ck, progress=Interrupt(5))
    assert len(list((tmp_path / "ck").glob("chunk_*.npz"))) == 5
    run_sweep(AXES, base=BASE, chunk=16, execution=ck)
    assert run_chunks.last_stats == {"tasks": 8, "loaded": 5, "computed": 3, "rejected": []}


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf"), "10", True])
def test_bad_checkpoint_interval_is_a_parameter_error(bad):
    from cascom_sim import ParameterError

    with pytest.raises(ParameterError, match="checkpoint_every"):
        Execution(checkpoint_every=bad)


def test_claim_blocks_stops_every_thread_when_one_block_fails():
    """A failing block stops the other threads at their next block, and the error is raised only after
    every thread has stopped (none keeps writing into the caller's arrays)."""
    import threading
    import time

    from cascom_sim.runs.executor import claim_blocks

    done, lock = [], threading.Lock()

    def work(lo, hi):
        if lo == 0:
            raise ValueError("block 0 fails")
        time.sleep(0.002)
        with lock:
            done.append(lo)

    with pytest.raises(ValueError, match="block 0 fails"):
        claim_blocks(work, 1000, 10, threads=2)
    finished = len(done)
    time.sleep(0.05)
    assert len(done) == finished  # nothing ran after claim_blocks returned
    assert finished < 20  # the other thread stopped early instead of running all 99 remaining blocks
