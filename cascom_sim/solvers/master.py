"""Truncated-Fock master-equation cross-check in QuTiP, fed from the same (H, L) as the Gaussian solvers.

For a :class:`~cascom_sim.engine.LindbladModel` the quadrature operators r = (X_1, Y_1, …) are built from
truncated annihilation operators, H = ½ Σ H_ij r_i r_j and L_k = Σ_i l_ki r_i, and QuTiP solves

    ρ̇ = −i[H, ρ] + Σ_k (L_k ρ L_k† − ½{L_k† L_k, ρ}).

The covariance V_ij = ⟨{r_i, r_j}⟩/2 − ⟨r_i⟩⟨r_j⟩ is read back from ρ and compared with the Lyapunov
(or covariance-ODE) matrix.  Truncation is the only approximation, so V converges to the Gaussian result
as the cutoffs grow — where occupations are small.  Rates are divided by a time scale inside (QuTiP's
integrators prefer O(1) rates); results are returned in SI.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import ParameterError
from ..gaussian import covariance as gaussian
from ..models.engine import LindbladModel, lindblad_from_langevin


def restrict(model: LindbladModel, keep: Sequence[str]) -> LindbladModel:
    """The model on a subset of modes, if that subset is decoupled from the others.

    Allowed only when H has no cross terms and no jump operator acts on both parts; jumps acting only
    on the dropped modes are discarded.
    """
    idx = [model.modes.index(m) for m in keep]
    q = [2 * i + s for i in idx for s in (0, 1)]
    rest = [k for k in range(model.hamiltonian.shape[0]) if k not in q]
    H, l = model.hamiltonian, model.jumps
    scale = max(np.max(np.abs(H)), np.max(np.abs(l)) ** 2, 1e-300)
    if rest and np.max(np.abs(H[np.ix_(q, rest)])) > 1e-12 * scale:
        raise ParameterError("modes", ",".join(keep), "a set of modes with no Hamiltonian coupling to the rest")
    new_jumps = []
    for vec in l:
        on_q = np.max(np.abs(vec[q])) > 1e-12 * np.sqrt(scale)
        on_rest = bool(rest) and np.max(np.abs(vec[rest])) > 1e-12 * np.sqrt(scale)
        if on_q and on_rest:
            raise ParameterError("modes", ",".join(keep), "a set of modes sharing no jump operator with the rest")
        if on_q:
            new_jumps.append(vec[q])
    return LindbladModel(hamiltonian=H[np.ix_(q, q)], jumps=np.array(new_jumps), modes=tuple(keep))


def _operators(n_modes_cutoffs: Sequence[int]):
    import qutip

    ops = []
    dims = list(n_modes_cutoffs)
    for k, n in enumerate(dims):
        a = qutip.tensor([qutip.destroy(n) if j == k else qutip.qeye(d) for j, d in enumerate(dims)])
        ops.append((a + a.dag()) / np.sqrt(2.0))
        ops.append(1j * (a.dag() - a) / np.sqrt(2.0))
    return ops


def _build(model: LindbladModel, cutoffs: Sequence[int]):
    """QuTiP H, collapse operators and quadratures, with rates divided by ``rate_scale`` (returned)."""
    rate_scale = max(np.max(np.abs(model.hamiltonian)), np.max(np.abs(model.jumps)) ** 2)
    r = _operators(cutoffs)
    n = len(r)
    H = 0
    Hm = model.hamiltonian / rate_scale
    for i in range(n):
        for j in range(n):
            if Hm[i, j] != 0.0:
                H = H + 0.5 * Hm[i, j] * (r[i] * r[j])
    c_ops = []
    for vec in model.jumps / np.sqrt(rate_scale):
        L = 0
        for i in range(n):
            if vec[i] != 0:
                L = L + complex(vec[i]) * r[i]
        if not isinstance(L, int):  # a channel with zero rate (e.g. κ_0 = 0) has no operator
            c_ops.append(L)
    return H, c_ops, r, rate_scale


def _covariance_ops(r):
    n = len(r)
    ops = list(r)
    for i in range(n):
        for j in range(i, n):
            ops.append(0.5 * (r[i] * r[j] + r[j] * r[i]))
    return ops


def _covariance_from_expect(values, n) -> np.ndarray:
    """V from ⟨r_i⟩ and ⟨{r_i, r_j}⟩/2, shape (..., n, n)."""
    values = np.real(np.asarray(values))
    mean = values[..., :n]
    V = np.empty(values.shape[:-1] + (n, n))
    k = n
    for i in range(n):
        for j in range(i, n):
            V[..., i, j] = V[..., j, i] = values[..., k] - mean[..., i] * mean[..., j]
            k += 1
    return V


def _check_cutoffs(model: LindbladModel, cutoffs) -> list[int]:
    cut = [int(c) for c in np.broadcast_to(cutoffs, (len(model.modes),))]
    if any(c < 2 for c in cut):
        raise ParameterError("cutoff", cutoffs, "integers ≥ 2 (Fock states per mode)")
    dim = int(np.prod(cut))
    if dim > 6000:
        raise ParameterError("cutoff", cutoffs, f"a Hilbert space of ≤ 6000 states (asked {dim}); "
                                                 "the Liouvillian grows as its square")
    return cut


@dataclass(frozen=True)
class MasterSteadyState:
    """Master-equation steady state at one cutoff, compared with a Gaussian reference."""

    modes: tuple[str, ...]
    cutoffs: tuple[int, ...]
    covariance: np.ndarray = field(repr=False)
    reference_covariance: np.ndarray | None = field(repr=False)
    relative_difference: float | None
    top_level_population: float
    stats: dict = field(default_factory=dict)

    def log_negativity(self, pair: Sequence[str]) -> float:
        return float(gaussian.log_negativity(self.covariance, pair, self.modes))


def relative_difference(V: np.ndarray, V_ref: np.ndarray) -> float:
    """‖V − V_ref‖_F / ‖V_ref‖_F."""
    return float(np.linalg.norm(V - V_ref) / np.linalg.norm(V_ref))


def as_lindblad(model) -> LindbladModel:
    """The (H, L) of a model: a LindbladModel itself, a LinearModel's own (H, L), or one reconstructed from
    its (A, D) by :func:`lindblad_from_langevin` (raises :class:`UnphysicalModelError` if none exists)."""
    if isinstance(model, LindbladModel):
        return model
    if getattr(model, "lindblad", None) is not None:
        return model.lindblad
    return lindblad_from_langevin(model.drift, model.diffusion, model.modes)


def master_steady_state(model, cutoffs: Sequence[int] | int,
                        reference: np.ndarray | None = None) -> MasterSteadyState:
    """Steady state ρ of the truncated master equation and its covariance matrix.

    Parameters
    ----------
    model : LindbladModel or LinearModel
        On the modes to keep (see :func:`restrict`); a LinearModel contributes its (H, L) (see
        :func:`as_lindblad`).
    cutoffs : int or sequence of int
        Fock states per mode.
    reference : ndarray, optional
        Gaussian (Lyapunov) covariance of the same modes, for ``relative_difference``.
    """
    import qutip

    model = as_lindblad(model)
    cut = _check_cutoffs(model, cutoffs)
    t0 = time.perf_counter()
    H, c_ops, r, _ = _build(model, cut)
    rho = _steady_rho(H, c_ops)
    V = _covariance_from_expect([qutip.expect(o, rho) for o in _covariance_ops(r)], len(r))
    top = _top_level_population(rho, cut)
    rel = None if reference is None else relative_difference(V, reference)
    return MasterSteadyState(modes=model.modes, cutoffs=tuple(cut), covariance=V, reference_covariance=reference,
                             relative_difference=rel, top_level_population=top,
                             stats={"wall_time_s": time.perf_counter() - t0, "hilbert_dim": int(np.prod(cut))})


def _steady_rho(H, c_ops):
    """ρ with L ρ = 0, Tr ρ = 1.

    The Liouvillian of several coupled oscillators fills in catastrophically under sparse LU (≈1e8
    factor entries at dimension 144 for four modes), so we use QuTiP's LGMRES on the RCM-reordered
    Liouvillian and check the residual ourselves.
    """
    import warnings

    import qutip

    L = qutip.liouvillian(H.to("CSR"), [c.to("CSR") for c in c_ops])
    M = L.data.as_scipy()

    def residual(r):
        return float(np.linalg.norm(M @ r.full().ravel(order="F")) / max(1e-300, abs(M).max()))

    rho, res = None, np.inf
    if H.shape[0] > 64:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            rho = qutip.steadystate(L, method="direct", solver="lgmres", use_rcm=True, atol=1e-14, rtol=1e-14)
        res = residual(rho)
    if not res < 1e-9:  # small spaces, or LGMRES breakdown: sparse LU is affordable there
        rho = qutip.steadystate(L, method="direct", solver="spsolve")
        res = residual(rho)
    if not res < 1e-9:
        from ..errors import CascomError

        raise CascomError(f"master-equation steady state did not converge (residual {res:.2e})")
    return rho


def _top_level_population(rho, cut) -> float:
    """Largest population of the highest kept Fock level over modes: the truncation indicator."""
    worst = 0.0
    for k, n in enumerate(cut):
        p = np.real(rho.ptrace(k).diag())
        worst = max(worst, float(p[n - 1]))
    return worst


def master_evolution(model: LindbladModel, cutoffs, occupations: Sequence[float], times) -> np.ndarray:
    """V(t) from ``mesolve`` starting in a product of thermal states, shape (T, 2k, 2k)."""
    import qutip

    model = as_lindblad(model)
    cut = _check_cutoffs(model, cutoffs)
    H, c_ops, r, scale = _build(model, cut)
    rho0 = qutip.tensor([qutip.thermal_dm(n, float(occ)) for n, occ in zip(cut, occupations)])
    res = qutip.mesolve(H, rho0, np.asarray(times) * scale, c_ops, e_ops=_covariance_ops(r),
                        options={"atol": 1e-10, "rtol": 1e-8, "nsteps": 100000})
    return _covariance_from_expect(np.stack(res.expect, axis=-1), len(r))


def cutoff_convergence(model: LindbladModel, cutoff_sets: Sequence[Sequence[int]], reference: np.ndarray,
                       progress=None) -> list[MasterSteadyState]:
    """Steady states at increasing cutoffs, each with its relative difference to ``reference``."""
    from ..progress import NoProgress

    progress = NoProgress() if progress is None else progress
    out = []
    progress.start(len(cutoff_sets), "master equation")
    try:
        for c in cutoff_sets:
            out.append(master_steady_state(model, c, reference))
            progress.advance()
    finally:
        progress.close()
    return out
