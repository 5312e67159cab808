"""Compiled per-point steady-state kernel (numba), the default engine of sweeps.

One pass per parameter point fuses what the NumPy reference in :mod:`cascom_sim.runs.sweep` does
with stacked array calls (kept, selectable with ``engine='numpy'``, and tested against this):

1. stability by Routh–Hurwitz on the characteristic polynomial of A/max|A| (La Budde's recursion on
   a Hessenberg form of A reached by Gaussian elimination, EISPACK ``elmhes``; the NumPy reference uses
   Faddeev–LeVerrier on A, a second construction of the same polynomial, see
   :mod:`cascom_sim.gaussian.stability`), and independently by the eigenvalues of A.  Where
   Routh–Hurwitz says unstable (the common case of a large unstable region) only the rightmost
   eigenvalue is wanted: Newton's method from the previous point's rightmost eigenvalue (on the
   polynomial, then on det(A − λ) by Hyman's method on the elimination form), accepted only if Routh's
   sign count of the polynomial shifted to just left of its real part certifies that no other eigenvalue
   lies right of it (:func:`_rightmost_by_newton`); otherwise, and at every block's first point, Francis
   double-shift QR (EISPACK ``hqr``) on the elimination form.  Where Routh–Hurwitz says stable, QR with
   Schur vectors (``hqr2``) on the Householder form (``orthes``): the real Schur form A = Z S Zᵀ with
   orthogonal Z; a "stable" verdict of the eigenvalue criterion always comes from QR;
2. noise physicality, D + (i/2)(AΩ + ΩAᵀ) ≥ 0;
3. the Lyapunov equation A V + V Aᵀ = −D by Bartels–Stewart on the *same* Schur form:
   S X + X Sᵀ = −Zᵀ D Z block by block (1×1 and 2×2 diagonal blocks), V = Z X Zᵀ;
4. the bona fide check V + iΩ/2 ≥ 0;
5. E_N of every requested pair from its 4 × 4 reduced covariance by the closed form of Eqs. (31)–(32)
   in the non-cancelling arithmetic of :func:`cascom_sim.gaussian.covariance.smallest_pt_symplectic_eigenvalue`,
   for models of any size.

A positivity test "λ_min(H) ≥ −tol" (the reference, with the tolerances of
:mod:`cascom_sim.gaussian.covariance`) is the same statement as "H + tol·I is positive definite",
which a complex Cholesky factorisation decides without any eigenvalue; the two can differ only for
λ_min within rounding of −tol.  The kernel releases the GIL and each point is computed on its own,
so points are split over threads and the results do not depend on the number of threads.  The
compiled code is cached on disk (``cache=True``): only the first use after installing or changing
this file compiles.

References
----------
Liu et al., Phys. Rev. A 109, 023519 (2024), Eqs. (23), (29)–(32); C. A. La Budde, Math. Comp. 17, 433
(1963) (characteristic polynomial of a Hessenberg matrix); R. H. Bartels and G. W. Stewart,
Commun. ACM 15, 820 (1972); B. T. Smith et al., Matrix Eigensystem Routines — EISPACK Guide
(Springer, 1976) for ``orthes`` and ``hqr2``; N. J. Higham, Accuracy and Stability of Numerical
Algorithms, 2nd ed. (SIAM, 2002), §14.6.1 (Hyman's method).
"""

from __future__ import annotations

import contextlib
import sys
import threading
import warnings

import numba
import numpy as np

from ..errors import CascomWarning
from ..gaussian.covariance import BONA_FIDE_RTOL, NOISE_RTOL
from ..gaussian.stability import STABILITY_RTOL
from .executor import KERNEL_BLOCK, claim_blocks, continuation_allowed

_JIT = {"nogil": True, "cache": True, "error_model": "numpy"}


@numba.njit(**_JIT)
def _cholesky_ok(H, n):
    """True when the Hermitian H (lower triangle used; overwritten) is positive definite."""
    for j in range(n):
        d = H[j, j].real
        for k in range(j):
            d -= (H[j, k] * np.conj(H[j, k])).real
        if not d > 0.0:  # also catches NaN
            return False
        r = np.sqrt(d)
        H[j, j] = r
        for i in range(j + 1, n):
            s = H[i, j]
            for k in range(j):
                s -= H[i, k] * np.conj(H[j, k])
            H[i, j] = s / r
    return True


@numba.njit(**_JIT)
def _matmul(X, Y, out, n):
    """out ← X Y for n × n operands (any strides, e.g. transposed views)."""
    for i in range(n):
        for j in range(n):
            acc = 0.0
            for l in range(n):
                acc += X[i, l] * Y[l, j]
            out[i, j] = acc


@numba.njit(**_JIT)
def _charpoly_hessenberg(H, n, scale, P, c):
    """Monic characteristic polynomial det(λ − H/scale) = Σ c_k λ^(n−k) of the upper Hessenberg H
    (entries below the subdiagonal ignored) by La Budde's recursion on its leading principal minors,
    p_i = (λ − h_ii) p_{i−1} − Σ_{m≥1} h_{i−m,i} h_{i,i−1}⋯h_{i−m+1,i−m} p_{i−m−1}: O(n³/6) operations
    instead of the n matrix products of Faddeev–LeVerrier.  P is (n+1) × (n+1) scratch (row i holds p_i)."""
    inv_s = 1.0 / (scale if scale > 0.0 else 1.0)
    P[0, 0] = 1.0
    for i in range(1, n + 1):
        hii = H[i - 1, i - 1] * inv_s
        P[i, 0] = 1.0
        for k in range(1, i + 1):
            P[i, k] = (P[i - 1, k] if k < i else 0.0) - hii * P[i - 1, k - 1]
        beta = 1.0
        for m in range(1, i):
            beta *= H[i - m, i - m - 1] * inv_s
            h = H[i - m - 1, i - 1] * inv_s * beta
            if h != 0.0:
                for q in range(i - m):
                    P[i, q + m + 1] -= h * P[i - m - 1, q]
    for k in range(n + 1):
        c[k] = P[n, k]


@numba.njit(**_JIT)
def _routh_count(c, n, row0, row1, new):
    """Routh's array of the monic polynomial c: the number of roots with positive real part (sign changes
    of the first column), or −1 where a first-column entry is zero or not finite (undecided)."""
    width = n // 2 + 1
    for j in range(width):
        row0[j] = c[2 * j] if 2 * j <= n else 0.0
        row1[j] = c[2 * j + 1] if 2 * j + 1 <= n else 0.0
    previous = row0[0]
    if not (previous != 0.0 and abs(previous) < np.inf):
        return -1
    changes = 0
    for _ in range(n):
        pivot = row1[0]
        if not (pivot != 0.0 and abs(pivot) < np.inf):
            return -1
        if (pivot > 0.0) != (previous > 0.0):
            changes += 1
        previous = pivot
        for j in range(width - 1):
            new[j] = (pivot * row0[j + 1] - row0[0] * row1[j + 1]) / pivot
        new[width - 1] = 0.0
        for j in range(width):
            row0[j] = row1[j]
            row1[j] = new[j]
    return changes


@numba.njit(**_JIT)
def _routh_table(c, n, row0, row1, new):
    """Routh's criterion on the monic polynomial c (the arithmetic of gaussian.stability): True when
    every entry of the first column is positive."""
    return _routh_count(c, n, row0, row1, new) == 0


@numba.njit(**_JIT)
def _taylor_shift(c, n, sigma, b):
    """b ← the coefficients of p(z + σ), highest degree first, for p = c (repeated synthetic division)."""
    for k in range(n + 1):
        b[k] = c[k]
    for i in range(n):
        for j in range(1, n - i + 1):
            b[j] += sigma * b[j - 1]


@numba.njit(**_JIT)
def _hyman_newton_step(H, n, lam, x, dx):
    """Newton's step det(H − λ)/(d/dλ det(H − λ)) for the upper Hessenberg H by Hyman's method (solve the
    last n − 1 rows of (H − λ)x = 0 upwards from x_n = 1; the first row's residual is det(H − λ) up to the
    product of the subdiagonal, which does not depend on λ).  Backward stable (Higham, Accuracy and
    Stability of Numerical Algorithms, 2nd ed., §14.6.1).  NaN where a subdiagonal entry is zero."""
    x[n - 1] = 1.0
    dx[n - 1] = 0.0
    for i in range(n - 1, 0, -1):
        h = H[i, i - 1]
        if h == 0.0:
            return complex(np.nan, np.nan)
        acc = (H[i, i] - lam) * x[i]
        dacc = (H[i, i] - lam) * dx[i] - x[i]
        for j in range(i + 1, n):
            acc += H[i, j] * x[j]
            dacc += H[i, j] * dx[j]
        inv_h = 1.0 / h
        x[i - 1] = -acc * inv_h
        dx[i - 1] = -dacc * inv_h
    g = (H[0, 0] - lam) * x[0]
    dg = (H[0, 0] - lam) * dx[0] - x[0]
    for j in range(1, n):
        g += H[0, j] * x[j]
        dg += H[0, j] * dx[j]
    if dg == 0:
        return complex(np.nan, np.nan)
    return g / dg


#: an eigenvalue found by Newton's method counts as the rightmost only if every other eigenvalue lies left
#: of its real part by more than this fraction of max|A| (see :func:`_rightmost_by_newton`)
RIGHTMOST_MARGIN = 1e-4


@numba.njit(**_JIT)
def _rightmost_by_newton(S, c, n, scale, start, x, dx, b, row0, row1, new):
    """The eigenvalue of largest real part of the Hessenberg S, by Newton's method from ``start`` (the
    previous point's, in a sweep), certified by Routh's count; returns (λ, certified).

    Newton on the characteristic polynomial c of S/scale (cheap, Horner) from start/scale, then on
    det(S − λ) itself by Hyman's method to the accuracy of the matrix, not of its polynomial.  λ counts only
    if Routh's array of c shifted to Re λ/scale − :data:`RIGHTMOST_MARGIN` has exactly one root (λ real) or
    two (the pair λ, λ̄) with positive real part: no other eigenvalue lies right of, or within the margin
    of, Re λ.  A near tie, a multiple rightmost eigenvalue, a far start or a zero subdiagonal fail the
    test, and the caller falls back to QR.  The margin keeps the count far from rounding: a root would
    have to move by 1e-4·max|A| under perturbations of the coefficients at the 1e-16 level."""
    z = start / scale
    converged = False
    for _ in range(8):
        p = 1.0 + 0j
        dp = 0.0 + 0j
        for k in range(1, n + 1):
            dp = dp * z + p
            p = p * z + c[k]
        if dp == 0:
            break
        step = p / dp
        z -= step
        if abs(step) <= 1e-9 * abs(z):
            converged = True
            break
    if not converged:
        return start, False
    lam = z * scale
    converged = False
    for _ in range(4):
        step = _hyman_newton_step(S, n, lam, x, dx)
        lam -= step
        if abs(step) <= 2e-15 * max(abs(lam), scale):
            converged = True
            break
    if not (converged and lam.real == lam.real and lam.imag == lam.imag):
        return lam, False
    want = 2
    if abs(lam.imag) <= 1e-12 * scale:
        lam = complex(lam.real, 0.0)
        want = 1
    _taylor_shift(c, n, lam.real / scale - RIGHTMOST_MARGIN, b)
    return lam, _routh_count(b, n, row0, row1, new) == want


@numba.njit(**_JIT)
def _hessenberg(H, ort, f, n):
    """Householder reduction H ← Qᵀ H Q to upper Hessenberg form (EISPACK orthes; ``f`` is length-n
    scratch).  The Householder vectors stay below the subdiagonal of H and in ``ort``;
    :func:`_hessenberg_finish` builds Q from them and clears them."""
    for m in range(1, n - 1):
        scale = 0.0
        for i in range(m, n):
            scale += abs(H[i, m - 1])
        if scale == 0.0:
            continue
        h = 0.0
        for i in range(m, n):
            ort[i] = H[i, m - 1] / scale
            h += ort[i] * ort[i]
        g = np.sqrt(h)
        if ort[m] > 0.0:
            g = -g
        h -= ort[m] * g
        ort[m] -= g
        # H ← (I − u uᵀ/h) H: f = uᵀH/h row by row (contiguous inner loops), then the rank-one update
        for j in range(m, n):
            f[j] = 0.0
        for i in range(m, n):
            u = ort[i]
            for j in range(m, n):
                f[j] += u * H[i, j]
        inv_h = 1.0 / h
        for j in range(m, n):
            f[j] *= inv_h
        for i in range(m, n):
            u = ort[i]
            for j in range(m, n):
                H[i, j] -= f[j] * u
        # H ← H (I − u uᵀ/h)
        for i in range(n):
            acc = 0.0
            for j in range(m, n):
                acc += ort[j] * H[i, j]
            acc *= inv_h
            for j in range(m, n):
                H[i, j] -= acc * ort[j]
        ort[m] *= scale
        H[m, m - 1] = scale * g


@numba.njit(**_JIT)
def _hessenberg_elimination(H, n):
    """Reduction H ← L⁻¹ H L to upper Hessenberg form by Gaussian elimination with partial pivoting
    (EISPACK elmhes; zeros below the subdiagonal set exactly).  Half the operations of the Householder
    reduction and as accurate for the eigenvalues in practice (multipliers |l| ≤ 1), but the similarity
    is not orthogonal: used where only the eigenvalues and the characteristic polynomial are wanted."""
    for m in range(1, n - 1):
        x = 0.0
        piv = m
        for j in range(m, n):
            if abs(H[j, m - 1]) > abs(x):
                x = H[j, m - 1]
                piv = j
        if piv != m:  # the permutation similarity: swap rows and columns piv and m
            for j in range(m - 1, n):
                t = H[piv, j]
                H[piv, j] = H[m, j]
                H[m, j] = t
            for j in range(n):
                t = H[j, piv]
                H[j, piv] = H[j, m]
                H[j, m] = t
        if x != 0.0:
            inv_x = 1.0 / x
            for i in range(m + 1, n):
                y = H[i, m - 1]
                if y != 0.0:
                    y *= inv_x
                    H[i, m - 1] = 0.0
                    for j in range(m, n):
                        H[i, j] -= y * H[m, j]
                    for j in range(n):
                        H[j, m] += y * H[j, i]


@numba.njit(**_JIT)
def _hessenberg_finish(H, Z, ort, n):
    """Accumulate Z = Q of :func:`_hessenberg` (EISPACK ortran), then zero H below its subdiagonal.  (Only
    the Lyapunov path reduces by Householder, and it needs Z; eigenvalues alone come from the elimination
    form.)"""
    for i in range(n):
        for j in range(n):
            Z[i, j] = 1.0 if i == j else 0.0
    for m in range(n - 2, 0, -1):
        if H[m, m - 1] != 0.0:
            for i in range(m + 1, n):
                ort[i] = H[i, m - 1]
            for j in range(m, n):
                g = 0.0
                for i in range(m, n):
                    g += ort[i] * Z[i, j]
                g = (g / ort[m]) / H[m, m - 1]
                for i in range(m, n):
                    Z[i, j] += g * ort[i]
    for i in range(2, n):
        for j in range(i - 1):
            H[i, j] = 0.0


@numba.njit(**_JIT)
def _schur(H, Z, wr, wi, blk, n, want_z):
    """Real Schur form of the Hessenberg H by Francis double-shift QR (EISPACK hqr2 without the
    eigenvector back-substitution), Z accumulated: on return H = T (quasi-upper-triangular, exact zeros
    below its 1×1 and 2×2 diagonal blocks), blk[i] = size of the block starting at i (0 inside a block).
    Z is updated only if ``want_z`` (eigenvalues alone need no Schur vectors).
    Returns False if the iteration did not converge."""
    eps = 2.220446049250313e-16
    norm = 0.0
    for i in range(n):
        blk[i] = 0
        for j in range(max(i - 1, 0), n):
            norm += abs(H[i, j])
    nn = n
    n = nn - 1
    exshift = 0.0
    it = 0
    total = 0
    p = q = r = s = z = w = x = y = 0.0
    while n >= 0:
        l = n
        while l > 0:
            s = abs(H[l - 1, l - 1]) + abs(H[l, l])
            if s == 0.0:
                s = norm
            if abs(H[l, l - 1]) < eps * s:
                break
            l -= 1
        if l == n:  # one root
            H[n, n] += exshift
            wr[n] = H[n, n]
            wi[n] = 0.0
            blk[n] = 1
            if n > 0:
                H[n, n - 1] = 0.0
            n -= 1
            it = 0
        elif l == n - 1:  # two roots
            w = H[n, n - 1] * H[n - 1, n]
            p = (H[n - 1, n - 1] - H[n, n]) / 2.0
            q = p * p + w
            z = np.sqrt(abs(q))
            H[n, n] += exshift
            H[n - 1, n - 1] += exshift
            x = H[n, n]
            if q >= 0.0:  # real pair: rotate to triangular (eigenvalues alone need no rotation)
                z = p + z if p >= 0.0 else p - z
                wr[n - 1] = x + z
                wr[n] = wr[n - 1]
                if z != 0.0:
                    wr[n] = x - w / z
                wi[n - 1] = 0.0
                wi[n] = 0.0
                x = H[n, n - 1]
                s = abs(x) + abs(z)
                if want_z and s != 0.0:
                    p = x / s
                    q = z / s
                    r = np.sqrt(p * p + q * q)
                    p /= r
                    q /= r
                    for j in range(n - 1, nn):
                        z = H[n - 1, j]
                        H[n - 1, j] = q * z + p * H[n, j]
                        H[n, j] = q * H[n, j] - p * z
                    for i in range(n + 1):
                        z = H[i, n - 1]
                        H[i, n - 1] = q * z + p * H[i, n]
                        H[i, n] = q * H[i, n] - p * z
                    if want_z:
                        for i in range(nn):
                            z = Z[i, n - 1]
                            Z[i, n - 1] = q * z + p * Z[i, n]
                            Z[i, n] = q * Z[i, n] - p * z
                H[n, n - 1] = 0.0
                blk[n] = 1
                blk[n - 1] = 1
            else:  # complex pair: a 2×2 block
                wr[n - 1] = x + p
                wr[n] = x + p
                wi[n - 1] = z
                wi[n] = -z
                blk[n - 1] = 2
            if n > 1:
                H[n - 1, n - 2] = 0.0
            n -= 2
            it = 0
        else:
            x = H[n, n]
            y = 0.0
            w = 0.0
            if l < n:
                y = H[n - 1, n - 1]
                w = H[n, n - 1] * H[n - 1, n]
            if it == 10:  # Wilkinson's exceptional shift
                exshift += x
                for i in range(n + 1):
                    H[i, i] -= x
                s = abs(H[n, n - 1]) + abs(H[n - 1, n - 2])
                x = 0.75 * s
                y = x
                w = -0.4375 * s * s
            if it == 30:  # MATLAB's exceptional shift
                s = (y - x) / 2.0
                s = s * s + w
                if s > 0:
                    s = np.sqrt(s)
                    if y < x:
                        s = -s
                    s = x - w / ((y - x) / 2.0 + s)
                    for i in range(n + 1):
                        H[i, i] -= s
                    exshift += s
                    x = 0.964
                    y = x
                    w = x
            it += 1
            total += 1
            if total > 40 * nn:
                return False
            m = n - 2
            while m >= l:
                z = H[m, m]
                r = x - z
                s = y - z
                p = (r * s - w) / H[m + 1, m] + H[m, m + 1]
                q = H[m + 1, m + 1] - z - r - s
                r = H[m + 2, m + 1]
                s = abs(p) + abs(q) + abs(r)
                inv = 1.0 / s
                p *= inv
                q *= inv
                r *= inv
                if m == l:
                    break
                if abs(H[m, m - 1]) * (abs(q) + abs(r)) < eps * (
                        abs(p) * (abs(H[m - 1, m - 1]) + abs(z) + abs(H[m + 1, m + 1]))):
                    break
                m -= 1
            for i in range(m + 2, n + 1):
                H[i, i - 2] = 0.0
                if i > m + 2:
                    H[i, i - 3] = 0.0
            for k in range(m, n):
                notlast = k != n - 1
                ss = p * p + q * q + r * r
                if k != m:
                    p = H[k, k - 1]
                    q = H[k + 1, k - 1]
                    r = H[k + 2, k - 1] if notlast else 0.0
                    ss = p * p + q * q + r * r
                    x = 1.0
                    # EISPACK scales (p, q, r) by |p| + |q| + |r| against over- and underflow; that division
                    # is on the bulge chase's critical path, so it is done only where the squares need it
                    if not 1e-280 < ss < 1e280:
                        x = abs(p) + abs(q) + abs(r)
                        if x == 0.0:
                            continue
                        inv = 1.0 / x
                        p *= inv
                        q *= inv
                        r *= inv
                        ss = p * p + q * q + r * r
                s = np.sqrt(ss)
                if p < 0:
                    s = -s
                if s != 0.0:
                    if k != m:
                        H[k, k - 1] = -s * x
                    elif l != m:
                        H[k, k - 1] = -H[k, k - 1]
                    p += s
                    inv = 1.0 / s
                    x = p * inv
                    y = q * inv
                    z = r * inv
                    inv = 1.0 / p
                    q *= inv
                    r *= inv
                    # with Schur vectors the whole T is updated (hqr2); eigenvalues alone need only the
                    # active window l..n (hqr), which the rest of T never feeds back into
                    for j in range(k, nn if want_z else n + 1):
                        p = H[k, j] + q * H[k + 1, j]
                        if notlast:
                            p += r * H[k + 2, j]
                            H[k + 2, j] -= p * z
                        H[k, j] -= p * x
                        H[k + 1, j] -= p * y
                    for i in range(0 if want_z else l, min(n, k + 3) + 1):
                        p = x * H[i, k] + y * H[i, k + 1]
                        if notlast:
                            p += z * H[i, k + 2]
                            H[i, k + 2] -= p * r
                        H[i, k] -= p
                        H[i, k + 1] -= p * q
                    if want_z:
                        for i in range(nn):
                            p = x * Z[i, k] + y * Z[i, k + 1]
                            if notlast:
                                p += z * Z[i, k + 2]
                                Z[i, k + 2] -= p * r
                            Z[i, k] -= p
                            Z[i, k + 1] -= p * q
    for i in range(2, nn):
        for j in range(i - 1):
            H[i, j] = 0.0
    return True


@numba.njit(**_JIT)
def _eliminate(M, b, m):
    """Gaussian elimination with partial pivoting of the m×m M (to upper triangular, in place),
    applied to b as well; returns det M (0 at the first zero pivot)."""
    det = 1.0
    for k in range(m):
        piv = k
        big = abs(M[k, k])
        for i in range(k + 1, m):
            if abs(M[i, k]) > big:
                big = abs(M[i, k])
                piv = i
        if big == 0.0:
            return 0.0
        if piv != k:
            det = -det
            for j in range(m):
                t = M[k, j]
                M[k, j] = M[piv, j]
                M[piv, j] = t
            t = b[k]
            b[k] = b[piv]
            b[piv] = t
        det *= M[k, k]
        for i in range(k + 1, m):
            f = M[i, k] / M[k, k]
            for j in range(k + 1, m):
                M[i, j] -= f * M[k, j]
            b[i] -= f * b[k]
    return det


@numba.njit(**_JIT)
def _solve_small(Mx, b, m):
    """Solve the m×m system Mx x = b in place (b ← x)."""
    _eliminate(Mx, b, m)
    for k in range(m - 1, -1, -1):
        acc = b[k]
        for j in range(k + 1, m):
            acc -= Mx[k, j] * b[j]
        b[k] = acc / Mx[k, k]


@numba.njit(**_JIT)
def _lyapunov_schur(T, blk, X, n, Mx, b):
    """Solve T X + X Tᵀ = C for quasi-upper-triangular T (Bartels–Stewart); X holds C on entry.

    Block (i, j) satisfies T_ii X_ij + X_ij T_jjᵀ = C_ij − Σ_{l>i} T_il X_lj − Σ_{l>j} X_il T_jlᵀ, solved
    from the bottom-right; X is symmetric, so only blocks with i ≥ j are solved and mirrored.
    """
    j = n - 1
    while j >= 0:
        j0 = j - 1 if (j > 0 and blk[j - 1] == 2) else j
        rj = j - j0 + 1
        i = n - 1
        while i >= j0:
            i0 = i - 1 if (i > 0 and blk[i - 1] == 2) else i
            ri = i - i0 + 1
            # right-hand side with the already solved blocks
            for a in range(ri):
                for c in range(rj):
                    acc = X[i0 + a, j0 + c]
                    for q in range(i + 1, n):
                        acc -= T[i0 + a, q] * X[q, j0 + c]
                    for q in range(j + 1, n):
                        acc -= X[i0 + a, q] * T[j0 + c, q]
                    b[a * rj + c] = acc
            m = ri * rj
            for u in range(m):
                for v in range(m):
                    Mx[u, v] = 0.0
            for a in range(ri):
                for c in range(rj):
                    u = a * rj + c
                    for e in range(ri):
                        Mx[u, e * rj + c] += T[i0 + a, i0 + e]
                    for e in range(rj):
                        Mx[u, a * rj + e] += T[j0 + c, j0 + e]
            _solve_small(Mx, b, m)
            for a in range(ri):
                for c in range(rj):
                    X[i0 + a, j0 + c] = b[a * rj + c]
                    X[j0 + c, i0 + a] = b[a * rj + c]
            i = i0 - 1
        j = j0 - 1


@numba.njit(**_JIT)
def _log_negativity_pair(V, q, W, K, b):
    """E_N of the modes with quadrature indices q[0:4] (Eqs. 31–32), the arithmetic of
    :func:`cascom_sim.gaussian.covariance.smallest_pt_symplectic_eigenvalue`: with the partial
    transpose Ṽ and K = (ΩṼ)², Σ̃ = −tr K/2, disc = tr N² for the traceless N = K − (tr K/4)·1, and
    ν₋² = 2 det Ṽ / (Σ̃ + √disc) (no cancellation); NaN where det Ṽ ≤ 0 (V singular)."""
    for i in range(4):
        si = -1.0 if i == 3 else 1.0
        for j in range(4):
            sj = -1.0 if j == 3 else 1.0
            W[i, j] = si * sj * V[q[i], q[j]]
    # K = (ΩṼ)², Ω = ⊕ [[0, 1], [−1, 0]]: row 2k of ΩṼ is Ṽ[2k+1], row 2k+1 is −Ṽ[2k]
    for i in range(4):
        for j in range(4):
            acc = 0.0
            for l in range(4):
                mil = W[i + 1, l] if i % 2 == 0 else -W[i - 1, l]
                mlj = W[l + 1, j] if l % 2 == 0 else -W[l - 1, j]
                acc += mil * mlj
            K[i, j] = acc
    tr = K[0, 0] + K[1, 1] + K[2, 2] + K[3, 3]
    sigma = -0.5 * tr
    disc = 0.0
    for i in range(4):
        for j in range(4):
            nij = K[i, j] - (tr / 4.0 if i == j else 0.0)
            nji = K[j, i] - (tr / 4.0 if i == j else 0.0)
            disc += nij * nji
    disc = max(disc, 0.0)
    det_v = _eliminate(W, b, 4)
    nu2 = 2.0 * det_v / (sigma + np.sqrt(disc))
    if not nu2 > 0.0:
        return np.nan
    return max(0.0, -np.log(2.0 * np.sqrt(nu2)))


@numba.njit(**_JIT)
def _scratch(n):
    """Work arrays of :func:`_point` for n × n models, allocated once per block."""
    width = n // 2 + 1
    return (np.empty((n, n)), np.empty((n, n)), np.empty((n, n)), np.empty((n, n)), np.empty((n, n)),
            np.empty((n, n), dtype=np.complex128), np.empty((4, 4)), np.empty((4, 4)), np.empty((4, 4)),
            np.empty(4), np.empty(n), np.empty(n), np.empty(n), np.empty(n), np.empty(n, dtype=np.int64),
            np.empty(n + 1), np.empty((n + 1, n + 1)), np.empty(width), np.empty(width), np.empty(width),
            np.empty(n, dtype=np.complex128), np.empty(n, dtype=np.complex128), np.empty(n + 1),
            np.full(1, np.nan + 0j))


@numba.njit(**_JIT)
def _point(a, d, p, pairs, max_re, by_newton, by_eig, by_rh, noise, bona, en, V, keep_v, scr):
    """Point p with drift a and diffusion d (n, n): fill row p of the output arrays in place.  ``scr``
    (:func:`_scratch`) carries the rightmost eigenvalue of the block's previous point (``track``)."""
    S, Z, X, T, M, H, W, K4, Mx, b, ort, fscr, wr, wi, blk, c, P, row0, row1, new, hx, hdx, cs, track = scr
    n = a.shape[0]
    n_pairs = pairs.shape[0]
    scale = 0.0
    scale_d = 0.0
    for i in range(n):
        for j in range(n):
            scale = max(scale, abs(a[i, j]))
            scale_d = max(scale_d, abs(d[i, j]))
    # --- Hessenberg form A = L S L⁻¹ by elimination; its characteristic polynomial is A's
    for i in range(n):
        for j in range(n):
            S[i, j] = a[i, j]
    _hessenberg_elimination(S, n)
    # --- Routh–Hurwitz on the characteristic polynomial (no eigenvalues)
    _charpoly_hessenberg(S, n, scale, P, c)
    stable_rh = _routh_table(c, n, row0, row1, new)
    by_rh[p] = stable_rh
    # --- the eigenvalues: where Routh–Hurwitz says unstable, the rightmost one by Newton's method from
    # the previous point's, if Routh's count certifies it (no Lyapunov solve follows), else all of them
    # by QR on the elimination form; where it says stable, from the real Schur form A = Z S Zᵀ with
    # orthogonal Z (Householder reduction, then QR with Schur vectors), shared with the Lyapunov solve
    certified = False
    lam = 0j
    # (not where max|A| is 0: Newton starts from track/max|A|, and numba raises on a complex division by zero)
    if not stable_rh and scale > 0.0 and track[0] == track[0]:
        lam, certified = _rightmost_by_newton(S, c, n, scale, track[0], hx, hdx, cs, row0, row1, new)
        # a "stable" verdict of the eigenvalue criterion comes from QR alone, independent of Routh's array
        certified = certified and lam.real >= -STABILITY_RTOL * scale
    if certified:
        mr = lam.real
        track[0] = lam
    else:
        if stable_rh:
            for i in range(n):
                for j in range(n):
                    S[i, j] = a[i, j]
            _hessenberg(S, ort, fscr, n)
            _hessenberg_finish(S, Z, ort, n)
        if _schur(S, Z, wr, wi, blk, n, stable_rh):
            k = 0
            for i in range(n):
                if wr[i] > wr[k]:
                    k = i
            mr = wr[k]
            track[0] = complex(mr, abs(wi[k]))
        else:
            mr = np.nan
            track[0] = complex(np.nan, np.nan)
    max_re[p] = mr
    by_newton[p] = certified
    by_eig[p] = mr < -STABILITY_RTOL * scale
    # --- noise physicality: D + (i/2)(AΩ + ΩAᵀ) + tol·I > 0 (lower triangle)
    tol = NOISE_RTOL * max(max(scale, scale_d), 1e-300)
    for i in range(n):
        for j in range(i + 1):
            # (AΩ)_ij with Ω = ⊕ [[0, 1], [−1, 0]]
            aw_ij = a[i, j - 1] if j % 2 == 1 else -a[i, j + 1]
            aw_ji = a[j, i - 1] if i % 2 == 1 else -a[j, i + 1]
            H[i, j] = d[i, j] + 0.5j * (aw_ij - aw_ji)
        H[i, i] += tol
    noise[p] = _cholesky_ok(H, n)
    if not (by_eig[p] and by_rh[p]):
        bona[p] = -1
        for k in range(n_pairs):
            en[p, k] = np.nan
        if keep_v:
            V[p, :, :] = np.nan
        return
    # --- Lyapunov: with X = Zᵀ V Z,  S X + X Sᵀ = −Zᵀ D Z;  V = Z X Zᵀ
    _matmul(d, Z, T, n)
    _matmul(Z.T, T, X, n)
    for i in range(n):
        for j in range(n):
            X[i, j] = -X[i, j]
    _lyapunov_schur(S, blk, X, n, Mx, b)
    _matmul(X, Z.T, T, n)
    vmax = 0.0
    for i in range(n):
        for j in range(i + 1):
            acc = 0.0
            acc2 = 0.0
            for l in range(n):
                acc += Z[i, l] * T[l, j]
                acc2 += Z[j, l] * T[l, i]
            v = 0.5 * (acc + acc2)
            M[i, j] = v
            M[j, i] = v
            vmax = max(vmax, abs(v))
    if keep_v:
        V[p, :, :] = M
    # --- bona fide: V + iΩ/2 + tol·I > 0
    tol_v = BONA_FIDE_RTOL * max(1.0, vmax)
    for i in range(n):
        for j in range(i + 1):
            H[i, j] = M[i, j]
        H[i, i] += tol_v
        if i % 2 == 1:
            H[i, i - 1] += -0.5j  # (iΩ/2)[2k+1, 2k] = −i/2
    bona[p] = 1 if _cholesky_ok(H, n) else 0
    for k in range(n_pairs):
        en[p, k] = _log_negativity_pair(M, pairs[k], W, K4, b)


@numba.njit(**_JIT)
def _block(A, D, pairs, lo, hi, max_re, by_newton, by_eig, by_rh, noise, bona, en, V, keep_v, continuation):
    """Points lo..hi-1 of the stacks A, D (N, n, n) (D may hold one matrix shared by every point): fill
    the output arrays in place.  Without ``continuation`` no point starts from the previous one's rightmost
    eigenvalue (see :func:`points_on_their_own`)."""
    scr = _scratch(A.shape[1])
    track = scr[23]
    shared_d = D.shape[0] == 1
    for p in range(lo, hi):
        if not continuation:
            track[0] = np.nan
        _point(A[p], D[0 if shared_d else p], p, pairs, max_re, by_newton, by_eig, by_rh, noise, bona, en, V, keep_v,
               scr)
    return hi - lo


@numba.njit(**_JIT)
def _paper_drift(q, a):
    """The drift of the paper's model from its coefficients q (one row of
    :func:`cascom_sim.models.paper.paper_drift_coefficients`): the layout of
    :func:`cascom_sim.models.paper.paper_drift` (Eq. 21 as derived from Eq. 8), written in place."""
    for i in range(8):
        for j in range(8):
            a[i, j] = 0.0
    kap, wm, a_xx, a_yy, jc, js = q[0], q[1], q[2], q[3], q[4], q[5]
    for j in range(2):
        k = 1 - j
        xa, ya, xb, yb = 2 * j, 2 * j + 1, 4 + 2 * j, 5 + 2 * j
        xk, yk = 2 * k, 2 * k + 1
        dj, lre, lim = q[6 + j], q[8 + 2 * j], q[9 + 2 * j]
        a[xa, xa] = -kap
        a[xa, ya] = dj
        a[ya, xa] = -dj
        a[ya, ya] = -kap
        a[xa, xb] = -lim
        a[ya, xb] = lre
        a[yb, xa] = lre
        a[yb, ya] = lim
        a[xa, xk] = -jc
        a[xa, yk] = js
        a[ya, xk] = -js
        a[ya, yk] = -jc
        a[xb, yb] = wm
        a[yb, xb] = -wm
        a[yb, yb] = a_yy
        a[xb, xb] = a_xx


#: per-point inputs of :func:`_paper_coefficients` (rad/s, rad, s⁻¹), in this order
PAPER_INPUTS = ("kappa_rad", "omega_m_rad", "gamma_m_rad", "g0", "eta", "phi", "theta1", "epsilon", "delta")


@numba.njit(**_JIT)
def _paper_coefficients(x, literal, brownian, q):
    """The drift coefficients of the paper's model at one point (the columns of
    :func:`cascom_sim.models.paper.paper_drift_coefficients`) from its inputs x (:data:`PAPER_INPUTS`):
    the mean fields of Eq. (16) as :func:`cascom_sim.models.meanfield.solve_cavity_fields` solves them
    (pumps ε e^{−iθ1} and ε, fed-through factor F = √η, or √(2ηκ) in the literal reading, cavity coupling
    K = 2κ√η e^{iφ}, effective detuning Δ in both cavities), then Λ_j = 2 g0 α_j.  Returns the photon
    numbers |α_1|², |α_2|²."""
    kap, wm, gm, g0, eta, phi, th1, eps, delta = x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8]
    phase = np.exp(1j * phi)
    d1 = eps * np.exp(-1j * th1)
    d2 = eps + 0j
    f = np.sqrt(2.0 * eta * kap) if literal else np.sqrt(eta)
    s1 = d1 + f * d2 * phase
    s2 = d2 + f * d1 * phase
    k = 2.0 * kap * np.sqrt(eta) * phase
    c = 1j * delta + kap
    det = c * c - k * k
    if det == 0:  # singular mean-field equations (e.g. η = 1/4, Δ = 0, φ = 0): numba's complex division
        # would raise ZeroDivisionError; NaN fields make the rate NaN, and the caller falls back to the refusal
        a1 = a2 = complex(np.nan, np.nan)
    else:
        a1 = (c * s1 - k * s2) / det
        a2 = (c * s2 - k * s1) / det
    amp = 2.0 * kap * np.sqrt(eta)
    q[0] = kap
    q[1] = wm
    q[2] = 0.0 if brownian else -gm
    q[3] = -gm
    q[4] = amp * np.cos(phi)
    q[5] = amp * np.sin(phi)
    q[6] = delta
    q[7] = delta
    q[8] = 2.0 * g0 * a1.real
    q[9] = 2.0 * g0 * a1.imag
    q[10] = 2.0 * g0 * a2.real
    q[11] = 2.0 * g0 * a2.imag
    return abs(a1) ** 2, abs(a2) ** 2


@numba.njit(**_JIT)
def _block_paper(X, D, pairs, lo, hi, max_re, by_newton, by_eig, by_rh, noise, bona, en, V, keep_v, continuation,
                 literal, brownian, photons, rate):
    """:func:`_block` for the paper's model, built point by point from its inputs X (N, 9)
    (:data:`PAPER_INPUTS`): no stack of drift matrices is ever stored.  Also fills the photon numbers
    (N, 2) and each point's largest rate max(max|A|, √max|D|) (N,), for the caller's overflow check."""
    scr = _scratch(8)
    track = scr[23]
    a = np.empty((8, 8))
    q = np.empty(12)
    shared_d = D.shape[0] == 1
    for p in range(lo, hi):
        if not continuation:
            track[0] = np.nan
        n1, n2 = _paper_coefficients(X[p], literal, brownian, q)
        photons[p, 0] = n1
        photons[p, 1] = n2
        _paper_drift(q, a)
        d = D[0 if shared_d else p]
        # NaN (e.g. 0/0) counts as not computable; numba's max(x, nan) is x, so NaN is caught entry by entry
        big = 0.0
        for i in range(12):
            v = abs(q[i])
            big = max(big, v) if v == v else np.inf
        for i in range(8):
            v = np.sqrt(abs(d[i, i]))
            big = max(big, v) if v == v else np.inf
        rate[p] = big
        _point(a, d, p, pairs, max_re, by_newton, by_eig, by_rh, noise, bona, en, V, keep_v, scr)
    return hi - lo


def _outputs(N: int, n: int, n_pairs: int, keep_covariance: bool) -> tuple[dict[str, np.ndarray], np.ndarray]:
    out = {
        "max_re_eigenvalue": np.empty(N),
        "max_re_by_newton": np.empty(N, dtype=np.bool_),
        "stable_eigenvalues": np.empty(N, dtype=np.bool_),
        "stable_routh_hurwitz": np.empty(N, dtype=np.bool_),
        "noise_physical": np.empty(N, dtype=np.bool_),
        "bona_fide": np.empty(N, dtype=np.int8),
        "E_N_formal": np.empty((N, n_pairs)),
    }
    V = np.empty((N, n, n)) if keep_covariance else np.empty((1, n, n))
    return out, V


def _plain(x: np.ndarray) -> np.ndarray:
    """x as a C-contiguous, writable float array: numba compiles (and caches) one version of a kernel per
    array type, and a read-only view (e.g. from ``np.broadcast_to``) is another type."""
    x = np.ascontiguousarray(x, dtype=float)
    return x if x.flags.writeable else x.copy()


_LOADED = False


def _is_cached(kernel) -> bool | None:
    """Whether numba's on-disk cache holds a compiled ``kernel`` for this source (None if that cannot be
    told: the check reads numba's cache index through its internals, and any change there only silences
    the note that compilation is under way)."""
    try:
        return bool(kernel._cache._cache_file._load_index())
    except Exception:
        return None


@contextlib.contextmanager
def _first_load():
    """numba's first compilation or cache load in a process imports scipy.linalg (~0.25 s, a tenth of a
    10⁶-point sweep) only to learn whether BLAS exists for its own ``np.convolve``/``np.correlate``; these
    kernels use no BLAS.  While they load, ``scipy.linalg.cython_blas`` is marked absent (``None`` in
    ``sys.modules``, Python's documented way) unless scipy.linalg is already imported: numba then takes its
    pure inner product there, and still imports scipy.linalg wherever else it needs BLAS (``np.dot``,
    ``np.linalg``), which this does not touch.

    Only while this is the process's only thread (e.g. the command line): the mark is process-wide, and
    another thread importing scipy.linalg during the load would fail with ModuleNotFoundError."""
    global _LOADED
    name = "scipy.linalg.cython_blas"
    mark = (not _LOADED and threading.active_count() == 1 and "scipy.linalg" not in sys.modules
            and name not in sys.modules)
    if mark:
        sys.modules[name] = None
    try:
        yield
    finally:
        _LOADED = True
        if mark and sys.modules.get(name, 0) is None:
            del sys.modules[name]


def _run(block_fn, first, D, pairs, N, n, threads, keep_covariance, extra=(), extra_out=()):
    """``block_fn(first[lo:hi], D, pairs, 0, hi − lo, *outputs[lo:hi], V, keep_covariance, continuation,
    *extra, *extra_out[lo:hi])`` over the N points, in blocks of :data:`KERNEL_BLOCK` claimed by threads
    (``continuation``: False inside :func:`cascom_sim.runs.executor.points_on_their_own`)."""
    D = np.asarray(D, dtype=float)
    # one diffusion matrix shared by every point (e.g. a sweep over detunings) is passed once, not N times
    shared = D.ndim == 2 or (N > 1 and D.strides[0] == 0) or D.shape[0] == 1
    # (a full stack is passed as it is: np.broadcast_to would make it a read-only view, which _plain copies)
    D = _plain((D if D.ndim == 2 else D[0])[None] if shared else D if D.shape == (N, n, n) else
               np.broadcast_to(D, (N, n, n)))
    pairs = np.ascontiguousarray(np.atleast_2d(pairs), dtype=np.int64)
    out, V = _outputs(N, n, pairs.shape[0], keep_covariance)
    continuation = continuation_allowed()
    per_point = [out[k] for k in ("max_re_eigenvalue", "max_re_by_newton", "stable_eigenvalues",
                                  "stable_routh_hurwitz",
                                  "noise_physical", "bona_fide", "E_N_formal")]

    def work(lo, hi):
        block_fn(first[lo:hi], D if shared else D[lo:hi], pairs, 0, hi - lo, *[a[lo:hi] for a in per_point],
                 V[lo:hi] if keep_covariance else V, keep_covariance, continuation, *extra,
                 *[a[lo:hi] for a in extra_out])

    if not _LOADED and _is_cached(block_fn) is False:
        warnings.warn("compiling the sweep kernel (once after installing or upgrading, 10-20 s; later runs load "
                      "it from numba's cache)", CascomWarning, stacklevel=3)
    with _first_load():  # a no-op once the kernels are loaded
        claim_blocks(work, N, KERNEL_BLOCK, threads)
    if keep_covariance:
        out["covariance"] = V
    return out


def steady_points(A: np.ndarray, D: np.ndarray, pairs: np.ndarray, threads: int = 1,
                  keep_covariance: bool = False) -> dict[str, np.ndarray]:
    """Stability, physicality, Lyapunov covariance and E_N of a stack of models.

    Parameters
    ----------
    A, D : ndarray, shape (N, n, n)
        Drift and diffusion matrices (s⁻¹); D may be one (n, n) matrix or a broadcast stack.
    pairs : int array, shape (P, 4)
        Quadrature indices (X, Y of the first mode, X, Y of the second) of each pair.
    threads : int
        Threads claiming blocks of :data:`KERNEL_BLOCK` points (results do not depend on it).
    keep_covariance : bool
        Also return V, shape (N, n, n) (NaN where unstable).

    Returns
    -------
    dict
        ``max_re_eigenvalue`` (N,), ``stable_eigenvalues``, ``stable_routh_hurwitz``, ``noise_physical``
        (bool, (N,)), ``bona_fide`` (int8: 1, 0, −1 where unstable), ``E_N_formal`` (N, P; NaN where
        unstable), ``max_re_by_newton`` (bool, (N,): the rightmost eigenvalue came from Newton's method
        started at the previous point's, not from QR) and, if asked, ``covariance``.  Points are taken in
        order within blocks of :data:`KERNEL_BLOCK` (each block's first point by QR), so neighbouring
        points of a sweep should be neighbours in the stack; the results agree with QR's to rounding.
    """
    A = _plain(A)
    return _run(_block, A, D, pairs, A.shape[0], A.shape[-1], threads, keep_covariance)


def paper_points(inputs: np.ndarray, D: np.ndarray, pairs: np.ndarray, units: str = "consistent",
                 bath: str = "paper", threads: int = 1, keep_covariance: bool = False) -> dict[str, np.ndarray]:
    """:func:`steady_points` for the paper's model, built inside the kernel point by point.

    Parameters
    ----------
    inputs : ndarray, shape (N, 9)
        Each point's :data:`PAPER_INPUTS` (see :func:`paper_inputs`).  The kernel solves the mean fields
        and lays out the drift itself (:func:`_paper_coefficients`, :func:`_paper_drift`; tested against
        :func:`cascom_sim.models.paper.paper_drift` on random points of every reading), without storing N
        8 × 8 matrices.
    D, pairs, threads, keep_covariance
        As :func:`steady_points`.
    units, bath
        The readings of :class:`cascom_sim.parameters.ModelOptions` (the coupling reading is in g0).

    Returns
    -------
    dict
        As :func:`steady_points`, with ``photon_numbers`` (N, 2) and ``rate`` (N,), each point's
        max(max|A|, √max|D|) (inf where not finite).
    """
    X = _plain(inputs)
    N = X.shape[0]
    photons, rate = np.empty((N, 2)), np.empty(N)
    out = _run(_block_paper, X, D, pairs, N, 8, threads, keep_covariance, (units == "literal", bath == "brownian"),
               (photons, rate))
    return {**out, "photon_numbers": photons, "rate": rate}


def paper_inputs(params, coupling: str = "paper") -> np.ndarray:
    """The :data:`PAPER_INPUTS` of a stack of points, shape (N, 9), from
    :class:`cascom_sim.parameters.Parameters` with fields of shape (N,) or scalars, in the ``coupling``
    reading of g0."""
    n = params.shape[0] if params.shape else 1
    X = np.empty((n, len(PAPER_INPUTS)))
    for k, name in enumerate(PAPER_INPUTS):
        X[:, k] = params.g0(coupling) if name == "g0" else getattr(params, name)
    return X

