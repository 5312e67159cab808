"""Truncated-Fock master-equation cross-check in QuTiP, fed from the same (H, L) as the Gaussian solvers.

For a :class:`~cascom_sim.models.engine.LindbladModel` (H = ½ rᵀ H_m r, L_k = l_kᵀ r on the quadratures
r = (X_1, Y_1, …)) the operators are written on ladder operators c = (a_1, a_1†, a_2, a_2†, …) = T r first,

    H = ½ Σ_jl M_jl :c_j c_l:,   M = T* H_m T†,        L_k = Σ_j λ_kj c_j,   λ_k = T* l_k,

normal-ordered (a a† → a† a, dropping the c-number), and only then truncated to N_k Fock states per mode.
A normal-ordered product of truncated ladder operators equals the truncation of the product, so the
cutoff is the only approximation; building H from products of *truncated quadratures* instead adds
spurious terms on the top Fock level (truncated X² + Y² ≠ 2a†a + 1) and needs ~100× more states for the
same accuracy.  QuTiP then solves

    ρ̇ = −i[H, ρ] + Σ_k (L_k ρ L_k† − ½{L_k† L_k, ρ})

for its steady state, and V_ij = ⟨{r_i, r_j}⟩/2 − ⟨r_i⟩⟨r_j⟩ is read back from normal-ordered moments.

Cost control, in the order :func:`master_steady_state` applies it:

1. :func:`required_modes` — the smallest set of modes whose dynamics is closed (no drift from the other
   modes into it) and contains the pair; its marginal is exact on its own (A_SS, D_SS).
2. :func:`estimate_cost` — Hilbert dimension, Liouvillian non-zeros, memory and a rough time for the
   chosen solver, checked against a budget *before* anything large is built (:class:`~cascom_sim.errors.BudgetError`).
3. Solvers by size, each checked by its residual: sparse LU (small spaces), LGMRES and GMRES with an
   incomplete-LU preconditioner on the RCM-ordered Liouvillian (tolerance from the predicted truncation
   error), then time evolution; the first that reaches its residual wins, a total failure raises
   :class:`~cascom_sim.errors.SolverError` with what to try.

Rates are divided by a time scale inside (QuTiP's integrators and Krylov solvers prefer O(1) rates);
results are returned in SI.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..conventions import complex_to_quadrature
from ..errors import BudgetError, ParameterError, SolverError
from ..gaussian import covariance as gaussian
from ..models.engine import LindbladModel, lindblad_from_langevin

#: Defaults of the cost budget: fit a shared 2-core machine with a few GB.
DEFAULT_MAX_MEMORY_GB = 3.0
DEFAULT_MAX_DIMENSION = 2500
#: Liouvillian dimension up to which sparse LU is tried first (its fill-in grows fast beyond).
DIRECT_MAX_LIOUVILLIAN = 4_000
#: Solver chain, in the order tried by ``solver="auto"``.
SOLVERS = ("direct", "lgmres", "gmres", "evolution")


# ---------------------------------------------------------------------------------------------- models
def _quadrature_index(modes: Sequence[str], keep: Sequence[str]) -> list[int]:
    return [2 * modes.index(m) + s for m in keep for s in (0, 1)]


def required_modes(drift: np.ndarray, modes: Sequence[str], pair: Sequence[str]) -> tuple[str, ...]:
    """The smallest set of modes containing ``pair`` whose dynamics does not depend on the other modes.

    Starting from the pair, adds every mode j with a nonzero drift block A_ij into a mode i already in
    the set, until closed.  On such a set S the marginal obeys ṙ_S = A_SS r_S + noise with diffusion
    D_SS exactly, so V_SS = lyap(A_SS, D_SS).  Noise correlations between S and the rest leave the
    marginal unchanged, so D needs no closure.  In a cascade the downstream modes drop out of an
    upstream pair; at η = 0 the two cavities separate.

    Parameters
    ----------
    drift : ndarray, shape (2n, 2n)
    modes : sequence of str, length n
    pair : sequence of str

    Returns
    -------
    tuple of str, in the order of ``modes``.
    """
    A = np.asarray(drift)
    n = len(modes)
    blocks = np.abs(A).reshape(n, 2, n, 2).max(axis=(1, 3))
    coupled = blocks > 1e-12 * max(float(blocks.max()), 1e-300)
    keep = {modes.index(m) for m in pair}
    frontier = list(keep)
    while frontier:
        i = frontier.pop()
        for j in np.flatnonzero(coupled[i]):
            if j not in keep:
                keep.add(int(j))
                frontier.append(int(j))
    return tuple(modes[k] for k in sorted(keep))


def restrict(model: LindbladModel, keep: Sequence[str]) -> LindbladModel:
    """The model on a subset of modes whose dynamics is closed (no drift from the other modes into it).

    H is restricted to the kept quadratures and each jump operator to its components on them (jumps with
    none are dropped).  This reproduces (A_SS, D_SS) exactly, since Γ = Σ l* lᵀ restricts block-wise.

    Raises
    ------
    ParameterError
        When the kept modes are driven by the others (their marginal is then not Markovian on its own).
    """
    keep = tuple(keep)
    q = _quadrature_index(model.modes, keep)
    rest = [k for k in range(model.hamiltonian.shape[0]) if k not in q]
    A, _ = model.drift_and_diffusion()
    scale = max(np.max(np.abs(A)), 1e-300)
    if rest and np.max(np.abs(A[np.ix_(q, rest)])) > 1e-12 * scale:
        closed = required_modes(A, model.modes, keep)
        raise ParameterError("modes", ",".join(keep),
                             f"a set of modes not driven by the others (the smallest containing them is "
                             f"{','.join(closed)})")
    l = np.asarray(model.jumps)[:, q]
    norms = np.max(np.abs(l), axis=1) if l.size else np.zeros(0)
    live = norms > 1e-12 * max(float(norms.max()) if norms.size else 0.0, 1e-300)
    labels = tuple(lab for lab, k in zip(model.labels, live) if k) if len(model.labels) == len(live) else ()
    return LindbladModel(hamiltonian=model.hamiltonian[np.ix_(q, q)], jumps=l[live], modes=keep, labels=labels)


def as_lindblad(model) -> LindbladModel:
    """The (H, L) of a model: a LindbladModel itself, a LinearModel's own (H, L), or one reconstructed from
    its (A, D) by :func:`lindblad_from_langevin` (raises :class:`UnphysicalModelError` if none exists)."""
    if isinstance(model, LindbladModel):
        return model
    lind = getattr(model, "lindblad", None)
    if lind is not None:
        return lind
    return lindblad_from_langevin(model.drift, model.diffusion, tuple(model.modes))


# ---------------------------------------------------------------------------------------------- Fock build
@dataclass(frozen=True)
class FockSystem:
    """QuTiP operators of a model at given cutoffs (rates divided by ``rate_scale``)."""

    hamiltonian: object
    c_ops: list
    ladder: list = field(repr=False)  # scipy CSR a_k, one per mode
    cutoffs: tuple[int, ...] = ()
    rate_scale: float = 1.0


def _ladder_ops(cut: Sequence[int]):
    import scipy.sparse as sp

    ops = []
    for k, n in enumerate(cut):
        a = sp.diags(np.sqrt(np.arange(1, n, dtype=float)), 1, format="csr")
        left = sp.identity(int(np.prod(cut[:k], dtype=int)), format="csr")
        right = sp.identity(int(np.prod(cut[k + 1:], dtype=int)), format="csr")
        ops.append(sp.kron(sp.kron(left, a), right, format="csr").astype(complex))
    return ops


def _c_ops_list(ladder):
    """(a_1, a_1†, a_2, a_2†, …) as CSR."""
    out = []
    for a in ladder:
        out += [a, a.conj().T.tocsr()]
    return out


def _normal_product(c, j: int, l: int):
    """:c_j c_l: — a_k a_k† becomes a_k† a_k (the dropped commutator is a c-number)."""
    if j // 2 == l // 2 and j % 2 == 0 and l % 2 == 1:
        return c[l] @ c[j]
    return c[j] @ c[l]


def _quadratic_csr(Hm: np.ndarray, c) -> object:
    """CSR of the normal-ordered ½ rᵀ Hm r on the truncated space (the dropped c-number does not act)."""
    n = len(c) // 2
    Tinv = np.conj(complex_to_quadrature(n).T)  # r = T† c
    M = Tinv.T @ np.asarray(Hm) @ Tinv  # ½ rᵀ Hm r = ½ cᵀ M c
    tol = 1e-14 * max(np.max(np.abs(M)), 1e-300)
    H = 0 * c[0]
    for j in range(2 * n):
        for l in range(2 * n):
            if abs(M[j, l]) > tol:
                H = H + 0.5 * M[j, l] * _normal_product(c, j, l)
    return (0.5 * (H + H.conj().T)).tocsr()


def quadratic_operator(fock: FockSystem, Hm: np.ndarray):
    """Qobj of the normal-ordered ½ rᵀ Hm r at the cutoffs of ``fock`` (Hm real symmetric, no rate scaling)."""
    import qutip

    dims = [list(fock.cutoffs), list(fock.cutoffs)]
    return qutip.Qobj(_quadratic_csr(Hm, _c_ops_list(fock.ladder)), dims=dims)


def fock_operators(model: LindbladModel, cutoffs: Sequence[int]) -> FockSystem:
    """H and collapse operators from ladder operators, normal-ordered, then truncated.

    Parameters
    ----------
    model : LindbladModel
    cutoffs : sequence of int
        Fock states per mode, in ``model.modes`` order.

    Returns
    -------
    FockSystem
        QuTiP Qobj H and c_ops in units of ``rate_scale`` (rad/s), and the CSR ladder operators.
    """
    import qutip

    cut = tuple(int(c) for c in cutoffs)
    rate_scale = float(max(np.max(np.abs(model.hamiltonian)), np.max(np.abs(model.jumps)) ** 2
                           if np.size(model.jumps) else 0.0, 1e-300))
    n = len(cut)
    Tinv = np.conj(complex_to_quadrature(n).T)  # r = T† c
    ladder = _ladder_ops(cut)
    c = _c_ops_list(ladder)
    dims = [list(cut), list(cut)]
    H = _quadratic_csr(model.hamiltonian / rate_scale, c)
    c_ops = []
    for vec in np.asarray(model.jumps) / np.sqrt(rate_scale):
        lam = Tinv.T @ vec  # L = lᵀ T† c
        if np.max(np.abs(lam)) == 0.0:  # a channel with zero rate (e.g. κ_0 = 0) has no operator
            continue
        L = sum(lam[j] * c[j] for j in range(2 * n) if lam[j] != 0)
        c_ops.append(qutip.Qobj(L.tocsr(), dims=dims))
    return FockSystem(hamiltonian=qutip.Qobj(H, dims=dims), c_ops=c_ops, ladder=ladder, cutoffs=cut,
                      rate_scale=rate_scale)


def moment_operators(ladder) -> list:
    """CSR operators whose expectations give V: c_j (2n of them), then :c_j c_l: for j ≤ l.

    Normal-ordered, so that the truncation does not add top-level terms to the read-out either; see
    :func:`covariance_from_moments`.
    """
    c = _c_ops_list(ladder)
    m = len(c)
    return list(c) + [_normal_product(c, j, l) for j in range(m) for l in range(j, m)]


def covariance_from_moments(values, n_modes: int) -> np.ndarray:
    """V from the expectations of :func:`moment_operators`, shape (..., K) → (..., 2n, 2n).

    ⟨{c_j, c_l}⟩/2 equals the normal-ordered moment except ⟨{a, a†}⟩/2 = ⟨a†a⟩ + ½; then r = T† c.
    """
    values = np.asarray(values, dtype=complex)
    m = 2 * n_modes
    mean_c = values[..., :m]
    S = np.empty(values.shape[:-1] + (m, m), complex)
    k = m
    for j in range(m):
        for l in range(j, m):
            S[..., j, l] = S[..., l, j] = values[..., k]
            k += 1
    for q in range(n_modes):
        S[..., 2 * q, 2 * q + 1] += 0.5
        S[..., 2 * q + 1, 2 * q] += 0.5
    Tinv = np.conj(complex_to_quadrature(n_modes).T)
    second = (Tinv @ S @ Tinv.T).real
    mean_r = np.einsum("ij,...j->...i", Tinv, mean_c).real
    return second - mean_r[..., :, None] * mean_r[..., None, :]


def _moments(rho: np.ndarray, ladder) -> np.ndarray:
    """V from ρ (dense, d × d), shape (2n, 2n)."""
    rhoT = rho.T
    return covariance_from_moments([complex(op.multiply(rhoT).sum()) for op in moment_operators(ladder)],
                                   len(ladder))


def _populations(rho: np.ndarray, cut: Sequence[int]) -> np.ndarray:
    """Fock populations of each mode, list of arrays p_k(m), m = 0…N_k − 1."""
    diag = np.real(np.diagonal(rho)).reshape(cut)
    out = []
    for k in range(len(cut)):
        axes = tuple(i for i in range(len(cut)) if i != k)
        out.append(diag.sum(axis=axes))
    return out


# ---------------------------------------------------------------------------------------------- cost
def predicted_top_population(occupations: Sequence[float], cutoffs: Sequence[int]) -> np.ndarray:
    """Population a thermal state of each mode's occupation puts on level N − 1: n^(N−1)/(n+1)^N.

    The steady states here are Gaussian with small squeezing, so the thermal tail is the guide for
    choosing cutoffs before solving; the solved ρ reports the actual top-level populations.
    """
    n = np.maximum(np.asarray(occupations, dtype=float), 0.0)
    N = np.asarray(cutoffs, dtype=float)
    return np.exp((N - 1) * np.log(np.maximum(n, 1e-300)) - N * np.log1p(n)) * (n > 0)


def default_cutoffs(occupations: Sequence[float], tail: float = 1e-3, minimum: int = 2) -> tuple[int, ...]:
    """Smallest cutoff per mode with predicted top-level population ≤ ``tail``."""
    out = []
    for n in occupations:
        n = max(float(n), 0.0)
        if n <= 0.0:
            out.append(minimum)
            continue
        # n^(N−1)/(n+1)^N ≤ tail  ⇔  N ≥ (log tail + log n) / log(n/(n+1))
        N = math.ceil((math.log(tail) + math.log(n)) / math.log(n / (n + 1.0)))
        out.append(max(minimum, N))
    return tuple(out)


@dataclass(frozen=True)
class CostEstimate:
    """What a master-equation solve at given cutoffs will cost, estimated before building it."""

    cutoffs: tuple[int, ...]
    hilbert_dimension: int
    liouvillian_dimension: int
    liouvillian_nonzeros: int
    solver: str
    memory_bytes: float
    seconds: float

    def describe(self) -> str:
        dim = f"{self.hilbert_dimension}" if self.hilbert_dimension < 2**62 else f"≥ {2.0**62:.2g}"  # capped
        return (f"cutoffs {','.join(map(str, self.cutoffs))}: Hilbert dimension {dim}, "
                f"Liouvillian {self.liouvillian_dimension:.3g}² with {self.liouvillian_nonzeros:.3g} non-zeros, "
                f"{self.solver}: ≈ {_gb(self.memory_bytes)} and ≈ {_seconds(self.seconds)}")


def _gb(b: float) -> str:
    return f"{b / 1e9:.2g} GB" if b >= 1e8 else f"{b / 1e6:.2g} MB"


def _seconds(s: float) -> str:
    return f"{s:.2g} s" if s < 120 else f"{s / 60:.3g} min" if s < 7200 else f"{s / 3600:.3g} h"


# Calibration on a 2-core x86_64 machine (2026-11-25, shared with other jobs, load ≈ 8, one BLAS thread):
# a preconditioned Krylov iteration costs ≈ 2e-8 s per Liouvillian non-zero (matrix-vector product plus
# orthogonalization), and LGMRES + Jacobi needs ≈ 90 of them on me_cases' four-mode cases
# (1.4 s at (4,4,4,4), 13 s at (5,5,5,5)).  Rough (±3×), not a promise.
_SECONDS_PER_NNZ_ITER = 2e-8
_ITERATIONS = 90
_LU_FILL_EXPONENT = 1.5  # sparse LU fill of the Liouvillian grows ~ D^1.5 for a few coupled modes
_BYTES_PER_NNZ = 16 + 8  # complex128 value + int64 index
_KRYLOV_VECTORS = 70  # LGMRES: inner_m = 30 plus outer vectors and work; GMRES restart 60


def _shift(j: int, n: int) -> tuple[int, ...]:
    """Fock-number shift of ladder operator c_j (a lowers its mode by one, a† raises it)."""
    return tuple((-1 if j % 2 == 0 else 1) if k == j // 2 else 0 for k in range(n))


def _liouvillian_nnz_bound(model: LindbladModel, cut: tuple[int, ...]) -> int:
    """Non-zeros of the Liouvillian from the model's structure, without building any operator.

    Every term of L = −i(H_eff ⊗ 1 − 1 ⊗ H_effᵀ) + Σ_k L_k* ⊗ L_k shifts the Fock numbers of the ket and
    the bra side by fixed vectors (s, s'); a shift s has Π_k (N_k − |s_k|) non-zeros on one side, so the
    pattern of L has Σ over distinct (s, s') of rows(s)·rows(s') non-zeros (exact unless terms cancel).
    """
    n = len(cut)
    Tinv = np.conj(complex_to_quadrature(n).T)
    M = Tinv.T @ model.hamiltonian @ Tinv
    lam = np.asarray(model.jumps, dtype=complex).reshape(-1, 2 * n) @ Tinv  # rows: ladder coefficients
    gam = np.abs(lam.conj().T @ lam)
    scale = max(np.max(np.abs(M)), np.max(gam) if gam.size else 0.0, 1e-300)
    zero = tuple([0] * n)
    side = {zero}
    for j, l in zip(*np.nonzero((np.abs(M) + gam) > 1e-14 * scale)):
        side.add(tuple(x + y for x, y in zip(_shift(j, n), _shift(l, n))))
    patterns = {(s, zero) for s in side} | {(zero, s) for s in side}
    for row in lam:
        on = [_shift(j, n) for j in np.flatnonzero(np.abs(row) > 1e-14 * np.sqrt(scale))]
        patterns |= {(s1, s2) for s1 in on for s2 in on}
    cut_a = np.asarray(cut)

    def rows(s):
        return float(np.prod(np.maximum(cut_a - np.abs(s), 0)))

    return int(sum(rows(s1) * rows(s2) for s1, s2 in patterns))


def estimate_cost(model: LindbladModel, cutoffs: Sequence[int], solver: str = "auto") -> CostEstimate:
    """Size, memory and time of a steady-state solve, from the cutoffs and the model's structure.

    Parameters
    ----------
    model : LindbladModel
    cutoffs : sequence of int
    solver : {'auto', 'direct', 'lgmres', 'gmres', 'evolution'}
        'auto' estimates the first solver of the chain chosen by size.

    Notes
    -----
    Memory: the Liouvillian and the copies QuTiP makes of it (trace row, permutation), plus ≈ 70 Krylov
    vectors for the iterative solvers, or an LU with fill ≈ D^1.5 for the direct one.  Time: a calibrated cost per non-zero per
    iteration; a rough guide (±3×), not a promise.
    """
    cut = tuple(int(c) for c in cutoffs)
    d = int(np.prod(cut, dtype=float)) if np.prod(cut, dtype=float) < 2**62 else 2**62
    D = d * d
    nnz = _liouvillian_nnz_bound(model, cut)
    if solver == "auto":
        solver = _chain(D)[0]
    base = 3 * nnz * _BYTES_PER_NNZ
    if solver == "direct":
        fill = min(float(D) ** _LU_FILL_EXPONENT, float(D) * D)
        memory = base + fill * _BYTES_PER_NNZ
        seconds = 2e-8 * fill * 10
    elif solver in ("lgmres", "gmres"):
        memory = base + _KRYLOV_VECTORS * D * 16 + (4 * d * d * 16 if solver == "gmres" else 0)
        seconds = _SECONDS_PER_NNZ_ITER * nnz * _ITERATIONS
    else:  # evolution: a few thousand right-hand sides of an adaptive integrator
        memory = base + 20 * D * 16
        seconds = _SECONDS_PER_NNZ_ITER * nnz * 5000
    return CostEstimate(cutoffs=cut, hilbert_dimension=d, liouvillian_dimension=D, liouvillian_nonzeros=nnz,
                        solver=solver, memory_bytes=float(memory), seconds=float(seconds))


def check_budget(estimate: CostEstimate, max_memory_gb: float = DEFAULT_MAX_MEMORY_GB,
                 max_dimension: int = DEFAULT_MAX_DIMENSION) -> None:
    """Raise :class:`BudgetError` naming the estimate and what to change, if it exceeds the budget."""
    what = ("lower the cutoffs, solve fewer modes (--modes), choose a lower-occupation case, or raise the "
            "budget")
    if estimate.hilbert_dimension > max_dimension:
        raise BudgetError(
            f"master equation too large: {estimate.describe()} — Hilbert dimension above --max-dimension "
            f"{max_dimension}; {what} (--max-dimension)")
    if estimate.memory_bytes > max_memory_gb * 1e9:
        raise BudgetError(
            f"master equation too large: {estimate.describe()} — memory above --max-memory {max_memory_gb:g} GB; "
            f"{what} (--max-memory)")


def _chain(liouvillian_dimension: int) -> tuple[str, ...]:
    return SOLVERS if liouvillian_dimension <= DIRECT_MAX_LIOUVILLIAN else SOLVERS[1:]


def truncation_tolerance(occupations: Sequence[float] | None, cutoffs: Sequence[int]) -> float:
    """Solver tolerance matched to the truncation: 1e-3 × the predicted top-level population, in [1e-12, 1e-6].

    Asking a Krylov solver for 1e-14 when truncation already limits V to 1e-4 costs time and fails;
    asking for 1e-3 of the truncation error keeps the solver's error invisible in every comparison.
    """
    if occupations is None:
        return 1e-9
    p = float(np.max(predicted_top_population(occupations, cutoffs)))
    return float(np.clip(1e-3 * p, 1e-12, 1e-6))


# ---------------------------------------------------------------------------------------------- solving
@dataclass(frozen=True)
class MasterSteadyState:
    """Master-equation steady state at one set of cutoffs, in the manner of QuTiP's ``Result``.

    Attributes
    ----------
    modes : tuple of str
        The modes solved, in quadrature order.
    cutoffs : tuple of int
        Fock states per mode.
    state : qutip.Qobj
        The steady-state density matrix ρ.
    covariance : ndarray, shape (2n, 2n)
        V_ij = ⟨{r_i, r_j}⟩/2 − ⟨r_i⟩⟨r_j⟩ from ρ.
    reference_covariance : ndarray or None
        The Gaussian (Lyapunov) covariance it is compared with.
    relative_difference : float or None
        ‖V − V_ref‖_F / ‖V_ref‖_F.
    top_level_populations : tuple of float
        Population of the highest kept Fock level of each mode: the truncation indicator.
    stats : dict
        wall_time_s, solver, solvers_tried (with the reason each failed), residual, tolerance, hilbert_dim,
        liouvillian_nnz, iterations, estimate.
    """

    modes: tuple[str, ...]
    cutoffs: tuple[int, ...]
    covariance: np.ndarray = field(repr=False)
    reference_covariance: np.ndarray | None = field(repr=False)
    relative_difference: float | None
    top_level_populations: tuple[float, ...]
    state: object = field(default=None, repr=False)
    stats: dict = field(default_factory=dict, repr=False)

    @property
    def top_level_population(self) -> float:
        """Largest top-level population over modes."""
        return max(self.top_level_populations)

    @property
    def solver(self) -> str:
        return self.stats.get("solver", "")

    def log_negativity(self, pair: Sequence[str]) -> float:
        return float(gaussian.log_negativity(self.covariance, pair, self.modes))

    def __repr__(self) -> str:
        rel = "—" if self.relative_difference is None else f"{self.relative_difference:.2e}"
        return (f"MasterSteadyState(modes={self.modes}, cutoffs={self.cutoffs}, relative_difference={rel}, "
                f"top_level_population={self.top_level_population:.1e}, solver={self.solver!r}, "
                f"residual={self.stats.get('residual', float('nan')):.1e}, "
                f"wall_time={self.stats.get('wall_time_s', float('nan')):.2f} s)")


def relative_difference(V: np.ndarray, V_ref: np.ndarray) -> float:
    """‖V − V_ref‖_F / ‖V_ref‖_F."""
    return float(np.linalg.norm(V - V_ref) / np.linalg.norm(V_ref))


def _check_cutoffs(model: LindbladModel, cutoffs) -> tuple[int, ...]:
    try:
        cut = tuple(int(c) for c in np.broadcast_to(cutoffs, (len(model.modes),)))
    except ValueError:
        raise ParameterError("cutoff", cutoffs, f"one integer or {len(model.modes)} (one per mode "
                                                f"{','.join(model.modes)})") from None
    if any(c < 2 for c in cut):
        raise ParameterError("cutoff", cutoffs, "integers ≥ 2 (Fock states per mode)")
    return cut


def _residual(M, rho) -> float:
    """‖L vec ρ‖₂ / (max|L| ‖vec ρ‖₂): scale-free, 0 for an exact steady state."""
    v = np.asarray(rho).ravel(order="F")
    return float(np.linalg.norm(M @ v) / (abs(M).max() * max(np.linalg.norm(v), 1e-300)))


def check_solver_options(solver: str = "auto", tol: float | None = None, maxiter: int | None = None,
                         max_memory_gb: float = DEFAULT_MAX_MEMORY_GB,
                         max_dimension: int = DEFAULT_MAX_DIMENSION) -> tuple[str, ...] | None:
    """Check the options of :func:`master_steady_state` before any work; returns the solver chain (None: auto).

    Raises
    ------
    ParameterError
        Unknown solver, tol outside (0, 1), maxiter < 1, a budget that is not a positive finite number.
    """
    chain = tuple(s.strip() for s in str(solver).split(",")) if solver != "auto" else None
    for s in chain or ():
        if s not in SOLVERS:
            raise ParameterError("solver", solver, f"'auto' or a comma-separated list of {', '.join(SOLVERS)}")
    if tol is not None and not (isinstance(tol, (int, float, np.floating)) and 0 < tol < 1):
        raise ParameterError("tol", tol, "a relative tolerance 0 < tol < 1 (or omit it for the automatic one)")
    if maxiter is not None and not (isinstance(maxiter, (int, np.integer)) and not isinstance(maxiter, bool)
                                    and maxiter >= 1):
        raise ParameterError("maxiter", maxiter, "an integer ≥ 1 (or omit it for the default)")
    if not (isinstance(max_memory_gb, (int, float, np.floating)) and math.isfinite(max_memory_gb)
            and max_memory_gb > 0):
        raise ParameterError("max-memory", max_memory_gb, "a number of GB > 0")
    if not (isinstance(max_dimension, (int, np.integer)) and not isinstance(max_dimension, bool)
            and max_dimension >= 1):
        raise ParameterError("max-dimension", max_dimension, "an integer ≥ 1 (Hilbert-space dimension)")
    return chain


def master_steady_state(model, cutoffs: Sequence[int] | int, reference: np.ndarray | None = None, *,
                        solver: str = "auto", tol: float | None = None, maxiter: int | None = None,
                        occupations: Sequence[float] | None = None,
                        max_memory_gb: float = DEFAULT_MAX_MEMORY_GB, max_dimension: int = DEFAULT_MAX_DIMENSION,
                        progress=None) -> MasterSteadyState:
    """Steady state ρ of the truncated master equation and its covariance matrix.

    Parameters
    ----------
    model : LindbladModel or LinearModel
        On the modes to solve (see :func:`required_modes`, :func:`restrict`).  A LinearModel without an
        (H, L) gets one from :func:`lindblad_from_langevin`.
    cutoffs : int or sequence of int
        Fock states per mode.
    reference : ndarray, optional
        Gaussian (Lyapunov) covariance of the same modes, for ``relative_difference``; also gives the
        occupations for the tolerance when ``occupations`` is not given.
    solver : {'auto', 'direct', 'lgmres', 'gmres', 'evolution'} or a comma-separated chain
        'auto': direct for Liouvillian dimension ≤ 4000, then LGMRES, GMRES, time evolution.
    tol : float, optional
        Relative tolerance of the iterative solvers; default from the predicted truncation error
        (:func:`truncation_tolerance`).  The accepted residual is 100 × tol.
    maxiter : int, optional
        Iteration limit of the iterative solvers (and step limit of the evolution).
    occupations : sequence of float, optional
        Mean occupations of the modes (for the tolerance).
    max_memory_gb, max_dimension : float, int
        Budget; above it :class:`BudgetError` is raised before anything is built.
    progress : Progress, optional
        Receives one stage per solver and its iterations.

    Returns
    -------
    MasterSteadyState

    Raises
    ------
    BudgetError
        When the estimated cost exceeds the budget.
    SolverError
        When every solver of the chain failed (naming each failure and what to try).
    """
    import qutip

    from ..progress import NoProgress

    progress = NoProgress() if progress is None else progress
    model = as_lindblad(model)
    cut = _check_cutoffs(model, cutoffs)
    t0 = time.perf_counter()
    chain = check_solver_options(solver, tol, maxiter, max_memory_gb, max_dimension)
    D = int(np.prod(cut)) ** 2
    chain = chain or _chain(D)
    estimate = estimate_cost(model, cut, chain[0])
    check_budget(estimate, max_memory_gb, max_dimension)
    if occupations is None and reference is not None:
        occupations = gaussian.occupations(reference)
    tol = truncation_tolerance(occupations, cut) if tol is None else float(tol)

    label = ",".join(map(str, cut))
    progress.start(1, f"cutoffs ({label}): building H, L")
    fock = fock_operators(model, cut)
    L = qutip.liouvillian(fock.hamiltonian, fock.c_ops)
    M = L.data.as_scipy().tocsr()
    progress.advance()
    progress.close()

    tried = []
    rho, res, used, iterations = None, np.inf, None, 0
    for name in chain:
        try:
            with _single_threaded_blas():
                rho, iterations = _run_solver(name, L, fock, model, tol, maxiter, progress, label)
            res = _residual(M, rho.full())
        except (RuntimeError, ValueError, MemoryError, ArithmeticError, qutip.IntegratorException) as exc:
            tried.append(f"{name}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
            continue
        finally:
            progress.close()
        accept = 100 * tol if name != "direct" else max(1e-10, 100 * tol)
        if np.isfinite(res) and res <= accept:
            used = name
            break
        tried.append(f"{name}: residual {res:.1e} > {accept:.0e}")
    if used is None:
        raise SolverError(
            f"master-equation steady state at cutoffs ({label}) not found — " + "; ".join(tried)
            + "; try: lower cutoffs, a looser --tol, a larger --maxiter, or --solver evolution")
    progress.start(1, f"cutoffs ({label}): reading V")
    rho_np = rho.full()
    V = _moments(rho_np, fock.ladder)
    pops = _populations(rho_np, cut)
    progress.advance()
    progress.close()
    rel = None if reference is None else relative_difference(V, reference)
    stats = {"wall_time_s": time.perf_counter() - t0, "solver": used, "solvers_tried": tried, "residual": res,
             "tolerance": tol, "iterations": iterations, "hilbert_dim": int(np.prod(cut)),
             "liouvillian_dim": D, "liouvillian_nnz": int(M.nnz), "estimate": estimate,
             "populations": [p.tolist() for p in pops]}
    return MasterSteadyState(modes=tuple(model.modes), cutoffs=cut, covariance=V, reference_covariance=reference,
                             relative_difference=rel, top_level_populations=tuple(float(p[-1]) for p in pops),
                             state=rho, stats=stats)


def _single_threaded_blas():
    """One BLAS thread while the solvers run.

    Krylov solvers spend their time in level-1 BLAS on vectors of 10⁴–10⁶ entries, where threads gain
    little; on a shared 2-core machine OpenBLAS threads contending with other jobs made LGMRES 10× slower
    (measured 14 s vs 1.4 s at (4,4,4,4), 2026-11-25).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency; keep working without it
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _jacobi(M, weight):
    """Diagonal preconditioner of QuTiP's system (L with the trace row added), as a LinearOperator."""
    from scipy.sparse.linalg import LinearOperator

    diag = M.diagonal().copy()
    diag[0] += weight
    diag[diag == 0] = 1.0
    inv = 1.0 / diag
    return LinearOperator(M.shape, matvec=lambda v: inv * np.ravel(v), dtype=complex)


def _sylvester(fock):
    """Preconditioner that inverts the no-jump part ρ ↦ Kρ + ρK†, K = −i H_eff, by one Schur form of K.

    H_eff = H − (i/2) Σ L_k†L_k has eigenvalues in the lower half plane (damping), so the Sylvester
    operator is invertible; each application costs O(d³) on the d × d density matrix.
    """
    import scipy.linalg as la
    from scipy.linalg.lapack import ztrsyl
    from scipy.sparse.linalg import LinearOperator

    H = fock.hamiltonian.full()
    K = -1j * (H - 0.5j * sum((c.dag() * c).full() for c in fock.c_ops))
    Tk, Z = la.schur(K, output="complex")
    d = H.shape[0]

    def apply(v):
        Y = Z.conj().T @ np.reshape(v, (d, d), order="F") @ Z
        X, scale, info = ztrsyl(Tk, Tk, Y, trana="N", tranb="C")
        if info < 0:
            raise ArithmeticError(f"Sylvester preconditioner failed (LAPACK ztrsyl info {info})")
        return ((Z @ X @ Z.conj().T) / scale).ravel(order="F")

    return LinearOperator((d * d, d * d), matvec=apply, dtype=complex)


def _run_solver(name, L, fock, model, tol, maxiter, progress, label):
    """One solver of the chain: (ρ as Qobj, iterations).

    direct: QuTiP's sparse LU on the RCM-ordered Liouvillian, with SuperLU keeping that order
    (``permc_spec='NATURAL'``; its default COLAMD fills in ~10× slower here).  lgmres: QuTiP's LGMRES with a
    diagonal (Jacobi) preconditioner.  gmres: GMRES preconditioned by the inverse of the no-jump part
    (a Sylvester solve).  SuperLU's incomplete LU was measured at 73–150 s to set up at (3,3,4,4),
    against ~1 s for the whole Jacobi-preconditioned solve, so it is not used.  evolution: ``mesolve``
    from the vacuum over 40 relaxation times of the slowest drift eigenvalue.
    """
    import qutip

    count = [0]

    def tick(*_):
        count[0] += 1
        progress.advance()

    if name == "direct":
        progress.start(1, f"cutoffs ({label}): sparse LU")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rho = qutip.steadystate(L, method="direct", solver="spsolve", use_rcm=True, permc_spec="NATURAL")
        progress.advance()
        return rho, 0
    if name in ("lgmres", "gmres"):
        M = L.data.as_scipy()
        weight = float(np.mean(np.abs(M.data)))
        if name == "lgmres":
            limit = maxiter if maxiter is not None else 100
            kw = {"M": _jacobi(M, weight)}
            stage = "LGMRES + Jacobi"
        else:
            limit = maxiter if maxiter is not None else 40
            progress.start(1, f"cutoffs ({label}): Schur form for the Sylvester preconditioner")
            kw = {"M": _sylvester(fock), "restart": 60, "callback_type": "pr_norm"}
            progress.advance()
            progress.close()
            stage = "GMRES + Sylvester"
        progress.start(limit, f"cutoffs ({label}): {stage}, rtol {tol:.0e}")
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            rho = qutip.steadystate(L, method="direct", solver=name, weight=weight, rtol=tol, atol=0.0,
                                    maxiter=limit, callback=tick, **kw)
        return rho, count[0]
    # time evolution from the vacuum to many relaxation times of the slowest mode
    A, _ = model.drift_and_diffusion()
    slowest = float(np.min(np.abs(np.linalg.eigvals(A).real))) / fock.rate_scale
    if not slowest > 0:
        raise ArithmeticError("no decay: the drift has an eigenvalue with zero real part")
    t_end = 40.0 / slowest
    steps = 20
    progress.start(steps, f"cutoffs ({label}): time evolution to t = {t_end:.3g}/rate")
    rho = qutip.tensor([qutip.basis(n, 0).proj() for n in fock.cutoffs])
    opts = {"atol": min(1e-8, tol), "rtol": min(1e-6, 10 * tol), "nsteps": maxiter or 100_000,
            "store_states": False, "store_final_state": True, "progress_bar": ""}
    times = np.linspace(0.0, t_end, steps + 1)
    for k in range(steps):
        rho = qutip.mesolve(L, rho, times[k:k + 2], options=opts).final_state
        tick()
    return rho, count[0]


def master_evolution(model, cutoffs, occupations: Sequence[float], times) -> np.ndarray:
    """V(t) from ``mesolve`` starting in a product of thermal states, shape (T, 2k, 2k)."""
    import qutip

    model = as_lindblad(model)
    cut = _check_cutoffs(model, cutoffs)
    fock = fock_operators(model, cut)
    rho0 = qutip.tensor([qutip.thermal_dm(n, float(occ)) for n, occ in zip(cut, occupations)])
    res = qutip.mesolve(fock.hamiltonian, rho0, np.asarray(times) * fock.rate_scale, fock.c_ops,
                        options={"atol": 1e-10, "rtol": 1e-8, "nsteps": 100000, "store_states": True})
    return np.stack([_moments(s.full(), fock.ladder) for s in res.states])


@dataclass(frozen=True)
class ConvergenceStep:
    """Change between successive cutoffs: ‖ΔV‖_F/‖V‖_F and ΔE_N."""

    cutoffs_from: tuple[int, ...]
    cutoffs_to: tuple[int, ...]
    covariance_change: float
    E_N_change: float | None


def convergence_steps(results: Sequence[MasterSteadyState], pair: Sequence[str] | None = None) -> list[ConvergenceStep]:
    """The change in V and E_N from each cutoff set to the next: the honest truncation error."""
    out = []
    for a, b in zip(results[:-1], results[1:]):
        dV = relative_difference(a.covariance, b.covariance)
        dE = None if pair is None else b.log_negativity(pair) - a.log_negativity(pair)
        out.append(ConvergenceStep(a.cutoffs, b.cutoffs, dV, dE))
    return out


def cutoff_convergence(model, cutoff_sets: Sequence[Sequence[int]], reference: np.ndarray | None = None,
                       progress=None, **kwargs) -> list[MasterSteadyState]:
    """Steady states at increasing cutoffs, each with its relative difference to ``reference``.

    Every set is checked against the budget before the first is solved.  Keyword arguments go to
    :func:`master_steady_state`.
    """
    model = as_lindblad(model)
    sets = [_check_cutoffs(model, c) for c in cutoff_sets]
    budget = {k: kwargs[k] for k in ("max_memory_gb", "max_dimension") if k in kwargs}
    for c in sets:
        solver = kwargs.get("solver", "auto")
        check_budget(estimate_cost(model, c, solver.split(",")[0] if solver != "auto" else "auto"), **budget)
    return [master_steady_state(model, c, reference, progress=progress, **kwargs) for c in sets]
