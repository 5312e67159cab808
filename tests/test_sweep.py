import numpy as np
import pytest

from cascom_sim import ModelOptions, Parameters, steady_state
from cascom_sim.runs.sweep import ENGINES, Axis, evaluate_points, run_sweep


def test_sweep_matches_pointwise_steady_state():
    """The vectorized pipeline against the per-point reference, including stable, unstable,
    physical and unphysical points (φ crosses the cos φ = 0 line, η > 0)."""
    axes = [Axis("detuning", 0.6, 2.0, 4), Axis("phi_pi", 0.45, 0.62, 4)]
    base = Parameters(eta=0.3)
    opts = ModelOptions(units="literal")
    ds = run_sweep(axes, base=base, options=opts, pair=("b1", "b2")).dataset
    seen_stable = seen_unstable = 0
    for i, d in enumerate(axes[0].values):
        for j, ph in enumerate(axes[1].values):
            s = steady_state(base.replace(detuning=d, phi_pi=ph), opts)
            assert bool(ds["stable"][i, j]) == s.stable
            assert bool(ds["noise_physical"][i, j]) == s.noise_physical
            np.testing.assert_allclose(float(ds["max_re_eigenvalue"][i, j]), s.stability.max_re_eigenvalue,
                                       rtol=1e-9)
            if s.stable:
                seen_stable += 1
                assert abs(float(ds["E_N_formal"][i, j]) - s.E_N_formal) <= 1e-9 * max(1.0, s.E_N_formal)
                assert int(ds["bona_fide"][i, j]) == int(s.bona_fide)
            else:
                seen_unstable += 1
                assert np.isnan(float(ds["E_N"][i, j])) and int(ds["bona_fide"][i, j]) == -1
    assert seen_stable and seen_unstable


def test_axis_is_inclusive_linspace():
    np.testing.assert_array_equal(Axis.parse("detuning=0.5:2.5:5").values, np.linspace(0.5, 2.5, 5))


def test_chunking_does_not_change_results():
    axes = [Axis("detuning", 0.5, 2.5, 9), Axis("dtheta_pi", 0, 0.5, 7)]
    a = run_sweep(axes, base=Parameters(eta=0.2, phi_pi=0.3), chunk=5).dataset
    b = run_sweep(axes, base=Parameters(eta=0.2, phi_pi=0.3), chunk=1000).dataset
    for k in ("E_N_formal", "stable", "max_re_eigenvalue"):
        np.testing.assert_array_equal(a[k].values, b[k].values)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_field_of_shape_one_broadcasts_over_blocks(engine):
    """A field of shape (1,) in a stack of more points than one block (blocks are cut by Parameters.take)
    gives the results of the same value as a scalar, bit for bit (it used to be sliced to nothing)."""
    from cascom_sim.runs.sweep import KERNEL_BLOCK, NUMPY_BLOCK

    phi = np.linspace(0.0, 2.0, (KERNEL_BLOCK if engine == "compiled" else NUMPY_BLOCK) + 3)
    opts = ModelOptions(model="two-channel")  # the stacked path, in blocks, also for the compiled engine
    one = evaluate_points(Parameters(detuning=np.array([1.0]), phi_pi=phi), opts, engine=engine)
    scalar = evaluate_points(Parameters(detuning=1.0, phi_pi=phi), opts, engine=engine)
    assert one.keys() == scalar.keys()
    for k in one:
        np.testing.assert_array_equal(one[k], scalar[k], err_msg=k)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("model", ["paper", "two-channel"])
def test_evaluate_points_at_one_point_of_scalars(engine, model):
    """Parameters of scalars are one point: the outputs of the stack of that one point, on every path (the
    numpy engine gave an (8,)-long E_N, the compiled two-channel path a numba TypingError)."""
    base = Parameters(eta=0.5, detuning=1.2, phi_pi=0.3)
    opts = ModelOptions(model=model)
    one = evaluate_points(base, opts, engine=engine)
    stack = evaluate_points(base.replace(detuning=np.array([1.2])), opts, engine=engine)
    assert one.keys() == stack.keys()
    for k in one:
        assert np.shape(one[k]) == (1,), k
        np.testing.assert_array_equal(one[k], stack[k], err_msg=k)
