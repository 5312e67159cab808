"""Steady state of a linear model: stability, Lyapunov covariance, physicality, E_N."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..gaussian import covariance as gaussian
from ..gaussian.lyapunov import lyapunov_residual, solve_lyapunov
from ..gaussian.stability import StabilityReport, assess_stability
from ..models import LindbladModel, LinearModel, build_model
from ..models.linear import as_linear
from ..parameters import ModelOptions, Parameters


@dataclass(frozen=True)
class SteadyState:
    """Steady state of one parameter point, with the conventions and checks that qualify it.

    ``covariance`` and ``E_N`` are None when the point is unstable (no steady state).
    ``E_N`` is also None when the covariance is not bona fide; its formal value is then in
    ``E_N_formal`` and ``warnings`` says why.  ``parameters`` and ``options`` are None for a model
    not built from :class:`Parameters` (e.g. from QuTiP operators); ``occupations`` and ``purities``
    follow ``modes``.
    """

    parameters: Parameters | None
    options: ModelOptions | None
    pair: tuple[str, str]
    model: LinearModel = field(repr=False)
    stability: StabilityReport
    noise_physical: bool
    noise_min_eigenvalue: float
    covariance: np.ndarray | None = field(repr=False)
    bona_fide: bool | None
    bona_fide_min_eigenvalue: float | None
    E_N: float | None
    E_N_formal: float | None
    E_N_symplectic: float | None
    occupations: np.ndarray | None
    purities: np.ndarray | None
    lyapunov_residual: float | None
    warnings: tuple[str, ...] = ()

    @property
    def stable(self) -> bool:
        return self.stability.stable

    @property
    def modes(self) -> tuple[str, ...]:
        return self.model.modes

    @property
    def drift(self) -> np.ndarray:
        return self.model.drift

    @property
    def diffusion(self) -> np.ndarray:
        return self.model.diffusion

    @property
    def alpha(self) -> np.ndarray:
        return self.model.mean_fields.alpha

    def __repr__(self) -> str:
        en = "—" if self.E_N is None else f"{self.E_N:.6g}"
        o = self.options
        readings = "" if o is None else f"units={o.units!r}, coupling={o.coupling!r}, bath={o.bath!r}, "
        return (f"SteadyState(model={self.model.label!r}, modes={self.modes}, {readings}pair={self.pair}, "
                f"stable={self.stable}, noise_physical={self.noise_physical}, "
                f"bona_fide={self.bona_fide}, E_N={en})")


def _warnings(stab: StabilityReport, noise_ok: bool, bona: bool | None) -> tuple[str, ...]:
    w = []
    if not stab.agree:
        w.append(f"stability criteria disagree (eigenvalues: {stab.by_eigenvalues}, "
                 f"Routh-Hurwitz: {stab.by_routh_hurwitz}); treated as unstable")
    if not stab.stable:
        w.append(f"unstable: max Re(eigenvalue of A) = {stab.max_re_eigenvalue:.4g} 1/s; no steady state")
    if not noise_ok:
        w.append("noise not physical: D + (i/2)(AΩ + ΩAᵀ) is not positive semidefinite, so no quantum "
                 "(Lindblad) evolution has this drift and diffusion")
    if bona is False:
        w.append("covariance not bona fide (V + iΩ/2 has a negative eigenvalue): E_N withheld")
    return tuple(w)


def _finite(x) -> float | None:
    """A float, or None where the value is not finite (never printed as a number)."""
    x = float(x)
    return x if np.isfinite(x) else None


def analyse(model: LinearModel | LindbladModel, params: Parameters | None = None,
            pair: Sequence[str] | str | None = None) -> SteadyState:
    """Stability, Lyapunov covariance and the physicality checks of one built model.

    Parameters
    ----------
    model : LinearModel or LindbladModel
        A single point (drift shape (2n, 2n)) on any number of modes.
    params : Parameters, optional
        The parameters it was built from, reported with the result.
    pair : two of ``model.modes``, optional
        Default: ``b1, b2`` when the model has them, the only pair of a two-mode model.

    Raises
    ------
    ParameterError
        When a mode of ``pair`` is not among ``model.modes`` (the message lists them).
    """
    model = as_linear(model)
    pair = gaussian.resolve_pair(pair, model.modes)
    if np.ndim(model.drift) != 2:
        from ..errors import ParameterError

        raise ParameterError("model", f"drift of shape {np.shape(model.drift)}",
                             "a single point (2n×2n); use cascom_sim.sweep for grids")
    A, D = model.drift, model.diffusion
    stab = assess_stability(A)
    noise_min = float(gaussian.noise_physicality_min_eigenvalue(A, D))
    noise_ok = bool(gaussian.is_noise_physical(A, D))
    V = bona = lam = en = en_formal = en_sym = occ = pur = res = None
    if stab.stable:
        V = solve_lyapunov(A, D)
        lam = float(gaussian.bona_fide_min_eigenvalue(V))
        bona = bool(gaussian.is_bona_fide(V))
        en_formal = _finite(gaussian.log_negativity(V, pair, model.modes))
        en_sym = _finite(gaussian.log_negativity_symplectic(V, pair, model.modes))
        en = en_formal if bona else None
        occ = gaussian.occupations(V)
        pur = gaussian.purities(V)
        res = float(lyapunov_residual(A, V, D))
    return SteadyState(parameters=params, options=model.options, pair=pair, model=model, stability=stab,
                       noise_physical=noise_ok, noise_min_eigenvalue=noise_min, covariance=V,
                       bona_fide=bona, bona_fide_min_eigenvalue=lam, E_N=en, E_N_formal=en_formal,
                       E_N_symplectic=en_sym, occupations=occ, purities=pur, lyapunov_residual=res,
                       warnings=_warnings(stab, noise_ok, bona) + (
                           ("E_N not determined in double precision: V is numerically singular",)
                           if stab.stable and en_formal is None else ()))


def steady_state(params: Parameters | LinearModel | LindbladModel | None = None, options: ModelOptions | None = None,
                 pair: Sequence[str] | str | None = None) -> SteadyState:
    """Steady state of a model, or of the selected model at one parameter point.

    Parameters
    ----------
    params : Parameters, LinearModel or LindbladModel
        A model of any size, or a single parameter point (scalar fields) for the model selected by
        ``options``; defaults to the paper's Fig. 2(a) point at Δθ = 0.25π.
    options : ModelOptions
        Model and readings for ``Parameters``; defaults to the paper's model, consistent units, paper
        coupling and bath.  Not allowed with a model (it is already built).
    pair : two mode names
        The pair whose logarithmic negativity is reported, among the model's modes (default ``b1, b2``).

    Examples
    --------
    >>> s = steady_state(Parameters(detuning=1.4, dtheta_pi=0.25))
    >>> s.options.units
    'consistent'
    """
    if isinstance(params, (LinearModel, LindbladModel)):
        if options is not None:
            from ..errors import ParameterError

            raise ParameterError("options", options, "None when a built model is given")
        return analyse(params, None, pair)
    params = Parameters() if params is None else params
    options = ModelOptions() if options is None else options
    if params.shape:
        raise ValueError("steady_state takes a single parameter point; use cascom_sim.sweep for grids")
    return analyse(build_model(params, options), params, pair)


def steady_states_from_bare_detuning(params: Parameters, bare_detuning: float, options: ModelOptions | None = None,
                                     pair: Sequence[str] | str | None = None) -> list[SteadyState]:
    """Every mean-field branch for a bare detuning Δ_c/ω_m, each with its stability and E_N.

    Several entries mean optical bistability; typically only some branches are stable.
    ``params.detuning`` is ignored (the effective detunings follow from Δ_c).
    """
    from ..models.meanfield import mean_fields_from_bare_detuning

    options = ModelOptions() if options is None else options
    out = []
    for mf in mean_fields_from_bare_detuning(params, bare_detuning, options):
        out.append(analyse(build_model(params, options, mf), params, pair))
    return out
