"""QuTiP in and out: a quadratic Hamiltonian and linear collapse operators ↔ a :class:`LinearModel`.

``from_qutip(H, c_ops, modes=...)`` reads operators on a tensor product of truncated Fock spaces (one
factor per mode).  Each operator O is expanded in normal-ordered ladder monomials,

    O = c₀ + Σ_i (μ_i a_i + ν_i a_i†) + Σ_ij E_ij a_i† a_j + Σ_{i≤j} (F_ij a_i† a_j† + G_ij a_i a_j) + (order ≥ 3),

by reading matrix elements between the lowest Fock states — ⟨0|O|0⟩ = c₀, ⟨1_i|O|0⟩ = ν_i,
⟨1_i|O|1_j⟩ = E_ij + c₀δ_ij, ⟨1_i 1_j|O|0⟩ = F_ij (√2 F_ii for i = j), … — which is exact because a
normal-ordered monomial a†^P a^Q first acts between the states |P⟩ and |Q⟩.  The operator rebuilt from
these coefficients is subtracted from O; what remains is of order ≥ 3.  The rest is compared only on
matrix elements that truncation cannot touch: a product of two ladder operators computed with
truncated matrices (e.g. a a† or (a + a†)²) differs from its normal-ordered form only between states
that both sit on the top Fock level of the same mode, so those elements are masked.  A remainder
above ``rtol·max|O|`` anywhere else is a higher-order term; its lowest-lying matrix element ⟨P|R|Q⟩
names it as the monomial a†^P a^Q with coefficient ⟨P|R|Q⟩/√(P! Q!) in the error message.

Constant and linear terms of H and constant terms of the collapse operators only displace the mean
fields; they do not enter the drift and diffusion of the fluctuations and are dropped.  Rates are in
whatever unit H is written in (rad/s if H is in ħ·rad/s); times then follow that unit.

``to_qutip(model, cutoffs)`` returns ``(H, c_ops)`` as normal-ordered ``Qobj`` built from the model's
(H, L) description (or from one reconstructed from its (A, D), which exists iff the model's noise is
physical).
"""

from __future__ import annotations

from collections.abc import Sequence
from math import factorial

import numpy as np

from ..conventions import complex_to_quadrature, default_modes
from ..errors import ParameterError, UnphysicalModelError
from .engine import LindbladModel, hamiltonian_from_ladder, ladder_to_quadrature_vector, lindblad_from_langevin
from .linear import LinearModel

#: A remainder below RTOL·max|O| counts as rounding.
RTOL = 1e-9


def _ladder_ops(cutoffs: Sequence[int]):
    import qutip

    return [qutip.tensor([qutip.destroy(n) if j == k else qutip.qeye(d) for j, d in enumerate(cutoffs)])
            for k, n in enumerate(cutoffs)]


def _cutoffs_of(ops, modes) -> list[int]:
    dims = None
    for op in ops:
        if op is None:
            continue
        d = op.dims[0]
        if op.dims[0] != op.dims[1]:
            raise ParameterError("operator dims", op.dims, "a square operator on one tensor product of Fock spaces")
        if dims is not None and d != dims:
            raise ParameterError("operator dims", d, f"the same tensor structure as the others, {dims}")
        dims = d
    if dims is None:
        raise ParameterError("H, c_ops", None, "at least one operator")
    cut = [int(n) for n in dims]
    if min(cut) < 3:
        raise ParameterError("cutoffs", cut, "at least 3 Fock states per mode (to tell a† a from truncation)")
    if modes is not None and len(modes) != len(cut):
        raise ParameterError("modes", ",".join(modes), f"{len(cut)} names, one per tensor factor")
    return cut


def _fock_index(cut, levels) -> int:
    return int(np.ravel_multi_index(tuple(levels), tuple(cut)))


def _expand(O: np.ndarray, cut: list[int]):
    """Normal-ordered coefficients up to second order, read from the lowest Fock states."""
    n = len(cut)

    def one(i):
        lv = [0] * n
        lv[i] = 1
        return _fock_index(cut, lv)

    def two(i, j):
        lv = [0] * n
        lv[i] += 1
        lv[j] += 1
        return _fock_index(cut, lv)

    vac = _fock_index(cut, [0] * n)
    c0 = O[vac, vac]
    mu = np.array([O[vac, one(i)] for i in range(n)])
    nu = np.array([O[one(i), vac] for i in range(n)])
    E = np.array([[O[one(i), one(j)] - (c0 if i == j else 0.0) for j in range(n)] for i in range(n)])
    F = np.zeros((n, n), complex)
    G = np.zeros((n, n), complex)
    for i in range(n):
        for j in range(i, n):
            s = np.sqrt(2.0) if i == j else 1.0
            F[i, j] = O[two(i, j), vac] / s
            G[i, j] = O[vac, two(i, j)] / s
    return c0, mu, nu, E, F, G


def _rebuild(cut, c0, mu, nu, E, F, G) -> np.ndarray:
    a = [x.full() for x in _ladder_ops(cut)]
    ad = [x.conj().T for x in a]
    dim = a[0].shape[0] if a else 1
    O = c0 * np.eye(dim, dtype=complex)
    n = len(cut)
    for i in range(n):
        O += mu[i] * a[i] + nu[i] * ad[i]
        for j in range(n):
            if E[i, j] != 0:
                O += E[i, j] * (ad[i] @ a[j])
            if j >= i and F[i, j] != 0:
                O += F[i, j] * (ad[i] @ ad[j])
            if j >= i and G[i, j] != 0:
                O += G[i, j] * (a[i] @ a[j])
    return O


def _truncation_mask(cut) -> np.ndarray:
    """True for matrix elements a product of two truncated ladder operators gets right."""
    levels = np.array(np.unravel_index(np.arange(int(np.prod(cut))), tuple(cut))).T  # (dim, n)
    top = levels == (np.array(cut) - 1)[None, :]
    both_top = (top[:, None, :] & top[None, :, :]).any(axis=-1)
    return ~both_top


def _monomial_name(P, Q, modes) -> str:
    parts = []
    for lv, dag in ((P, "†"), (Q, "")):
        for m, k in zip(modes, lv):
            if k:
                parts.append(f"{'a_' + m}{dag}" + (f"^{k}" if k > 1 else ""))
    return " ".join(parts)


def _check_remainder(O, fit, cut, modes, what, order):
    R = O - fit
    R[~_truncation_mask(cut)] = 0.0
    scale = max(float(np.max(np.abs(O))), 1e-300)
    bad = np.abs(R) > RTOL * scale
    if not bad.any():
        return
    levels = np.array(np.unravel_index(np.arange(R.shape[0]), tuple(cut))).T
    rows, cols = np.nonzero(bad)
    tot = levels[rows].sum(axis=1) + levels[cols].sum(axis=1)
    k = int(np.argmin(tot))
    P, Q = levels[rows[k]], levels[cols[k]]
    coeff = R[rows[k], cols[k]] / np.sqrt(float(np.prod([factorial(int(x)) for x in (*P, *Q)])))
    c = f"{coeff.real:.4g}" if abs(coeff.imag) <= 1e-12 * abs(coeff) else f"({coeff:.4g})"
    raise ParameterError(what, f"{c}·{_monomial_name(P, Q, modes)}",
                         f"operators of order ≤ {order} in the ladder operators (this term has order "
                         f"{int(P.sum() + Q.sum())})")


def from_qutip(H, c_ops: Sequence = (), modes: Sequence[str] | None = None, label: str = "user") -> LinearModel:
    """A :class:`LinearModel` from a QuTiP Hamiltonian and collapse operators.

    Parameters
    ----------
    H : qutip.Qobj or None
        At most quadratic in the ladder operators, on a tensor product of truncated Fock spaces (≥ 3
        states each), one factor per mode.  Hermitian.
    c_ops : sequence of qutip.Qobj
        Linear in the ladder operators (the master equation's L_k, rates included: L = √(2κ) a decays the
        amplitude at κ).
    modes : sequence of str, optional
        One name per tensor factor (default ``m1 … mn``, or ``a1, a2, b1, b2`` for four modes).

    Returns
    -------
    LinearModel
        With ``lindblad`` set (physical by construction) and label ``'user'``.

    Raises
    ------
    ParameterError
        For an operator of higher order, naming the offending monomial and its coefficient; for a
        non-Hermitian H; for operators on different spaces.

    Examples
    --------
    >>> import qutip
    >>> a = qutip.destroy(4)
    >>> m = from_qutip(2.0 * a.dag() * a, [np.sqrt(0.2) * a], modes=["cav"])
    >>> m.modes, m.drift.round(3).tolist()
    (('cav',), [[-0.1, 2.0], [-2.0, -0.1]])
    """
    c_ops = list(c_ops)
    cut = _cutoffs_of([H, *c_ops], modes)
    n = len(cut)
    modes = tuple(modes) if modes is not None else default_modes(n)
    M = np.zeros((2 * n, 2 * n), complex)
    if H is not None:
        Hd = H.full()
        if np.max(np.abs(Hd - Hd.conj().T)) > RTOL * max(float(np.max(np.abs(Hd))), 1e-300):
            raise ParameterError("H", "not Hermitian", "a Hermitian Hamiltonian")
        c0, mu, nu, E, F, G = _expand(Hd, cut)
        _check_remainder(Hd, _rebuild(cut, c0, mu, nu, E, F, G), cut, modes, "H", 2)
        # ½ ξ† M ξ with ξ = (a_1, a_1†, …): see hamiltonian_from_ladder; S is the symmetric a†a† matrix
        S = F + F.T
        for i in range(n):
            for j in range(n):
                M[2 * i, 2 * j] += E[i, j]
                M[2 * j + 1, 2 * i + 1] += E[i, j]
                M[2 * i, 2 * j + 1] += S[i, j]
                M[2 * j + 1, 2 * i] += np.conj(S[i, j])
    jumps, labels = [], []
    for k, L in enumerate(c_ops):
        Ld = L.full()
        c0, mu, nu, E, F, G = _expand(Ld, cut)
        zero = np.zeros_like(E)
        _check_remainder(Ld, _rebuild(cut, c0, mu, nu, zero, zero, zero), cut, modes, f"c_ops[{k}]", 1)
        lam = np.zeros(2 * n, complex)
        lam[0::2], lam[1::2] = mu, nu
        jumps.append(ladder_to_quadrature_vector(lam))
        labels.append(f"c_ops[{k}]")
    jumps_arr = np.array(jumps) if jumps else np.zeros((0, 2 * n), complex)
    lind = LindbladModel(hamiltonian=hamiltonian_from_ladder(M), jumps=jumps_arr, modes=modes, labels=tuple(labels))
    return LinearModel.from_lindblad(lind, label=label)


def to_qutip(model, cutoffs: int | Sequence[int]):
    """``(H, c_ops)`` as QuTiP operators, normal ordered, on truncated Fock spaces.

    Parameters
    ----------
    model : LinearModel or LindbladModel
        Its (H, L) is used; for a model given only as (A, D) one is reconstructed (exists iff the noise
        is physical).
    cutoffs : int or sequence of int
        Fock states per mode (≥ 3 so that :func:`from_qutip` can read the operators back).

    Returns
    -------
    H : qutip.Qobj
        ½ rᵀ H_m r in normal order, without its constant.
    c_ops : list of qutip.Qobj
        L_k = l_kᵀ r, one per nonzero jump vector.

    Raises
    ------
    UnphysicalModelError
        When a model given as (A, D) has no master equation.
    """
    if isinstance(model, LindbladModel):
        lind = model
    elif model.lindblad is not None:
        lind = model.lindblad
    else:
        try:
            lind = lindblad_from_langevin(model.drift, model.diffusion, model.modes)
        except UnphysicalModelError as exc:
            raise UnphysicalModelError(f"to_qutip: {exc}") from None
    n = len(lind.modes)
    cut = [int(c) for c in np.broadcast_to(cutoffs, (n,))]
    if min(cut) < 2:
        raise ParameterError("cutoffs", cutoffs, "integers ≥ 2 (Fock states per mode)")
    a = _ladder_ops(cut)
    xi = [op for k in range(n) for op in (a[k], a[k].dag())]
    Tc = np.conj(complex_to_quadrature(n))
    K = Tc @ np.asarray(lind.hamiltonian, float) @ Tc.T  # ½ Σ K_kl ξ_k ξ_l = ½ rᵀ H_m r
    H = 0 * xi[0]
    for k in range(2 * n):
        for l in range(2 * n):
            if abs(K[k, l]) == 0.0:
                continue
            # normal order a_i a_i† = a_i† a_i + 1; the constant is dropped
            first, second = (xi[l], xi[k]) if (k % 2 == 0 and l == k + 1) else (xi[k], xi[l])
            H = H + 0.5 * complex(K[k, l]) * (first * second)
    H = 0.5 * (H + H.dag())
    c_ops = []
    for vec in np.asarray(lind.jumps, complex):
        lam = Tc @ vec
        if np.max(np.abs(lam)) == 0.0:
            continue
        c_ops.append(sum(complex(lam[k]) * xi[k] for k in range(2 * n) if lam[k] != 0))
    return H, c_ops
