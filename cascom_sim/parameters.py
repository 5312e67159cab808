"""Physical parameters and model options (docs/conventions.md), validated on construction.

Inputs follow the interface contract: frequencies as ``f = ω/2π`` in Hz, lengths in m,
power in W (each pump), mass in kg, temperature in K, phases in units of π and the
effective detuning in units of the mechanical frequency (Δ/ω_m).  Every field may be a
scalar or a NumPy array; arrays broadcast against each other, which is how sweeps
evaluate many parameter points at once.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .conventions import HBAR, K_B, SPEED_OF_LIGHT, TWO_PI
from .errors import ParameterError


@dataclass(frozen=True)
class ParameterSpec:
    """Unit, default, allowed range and meaning of one parameter."""

    name: str
    unit: str
    default: float
    low: float
    high: float = math.inf
    low_inclusive: bool = True
    high_inclusive: bool = True
    description: str = ""
    #: (smallest, largest) |value| other than 0 the computation survives: beyond them a derived rate
    #: (g0, ε, Δ, n_m, …) overflows, underflows or loses every digit (e.g. cos of a phase of 1e300·π)
    representable: tuple[float, float] = (0.0, math.inf)

    def allowed(self) -> str:
        lo = "≤" if self.low_inclusive else "<"
        hi = "≤" if self.high_inclusive else "<"
        unit = "dimensionless" if self.unit == "1" else self.unit
        if math.isinf(self.low) and math.isinf(self.high):
            return f"a finite number ({unit})"
        if math.isinf(self.high):
            return f"{self.low:g} {lo} {self.name} < inf ({unit})"
        return f"{self.low:g} {lo} {self.name} {hi} {self.high:g} ({unit})"

    def survivable(self) -> str:
        lo, hi = self.representable
        return f"{self.allowed()}, with {lo:g} ≤ |{self.name}| ≤ {hi:g} where nonzero (beyond, derived rates " \
               "overflow, underflow or lose precision)"

    def validate(self, value: Any) -> Any:
        """The value as a float (or float array), or :class:`ParameterError`.

        Only real numbers count: bools, strings, bytes and complex numbers are refused even where
        NumPy would convert them (``True`` is not a temperature, ``"1e-3"`` is not a mass).
        """
        if type(value) in (float, int, np.float64):
            # scalar fast path (networks rebuild their nodes' parameters per optimizer member); anything
            # it does not accept falls through to the general checks and their messages
            v = float(value)
            mag = abs(v)
            lo, hi = self.representable
            if (math.isfinite(v) and (v >= self.low if self.low_inclusive else v > self.low)
                    and (v <= self.high if self.high_inclusive else v < self.high)
                    and (mag == 0 or lo <= mag <= hi)):
                return v
        if isinstance(value, (bool, np.bool_, str, bytes, np.str_, np.bytes_)):
            raise ParameterError(self.name, value, "a real number: " + self.allowed())
        try:
            raw = np.asarray(value)
            if raw.dtype.kind not in "iuf":
                raise TypeError
            arr = raw.astype(float)
        except (TypeError, ValueError, OverflowError):
            raise ParameterError(self.name, value, "a real number: " + self.allowed()) from None
        if arr.size == 0:
            raise ParameterError(self.name, value, self.allowed())
        bad = ~np.isfinite(arr)
        bad |= (arr < self.low) if self.low_inclusive else (arr <= self.low)
        bad |= (arr > self.high) if self.high_inclusive else (arr >= self.high)
        if np.any(bad):
            first = arr[bad].flat[0] if arr.ndim else float(arr)
            raise ParameterError(self.name, float(first), self.allowed())
        lo, hi = self.representable
        mag = np.abs(arr)
        bad = (mag != 0) & ((mag < lo) | (mag > hi))
        if np.any(bad):
            first = arr[bad].flat[0] if arr.ndim else float(arr)
            raise ParameterError(self.name, float(first), self.survivable())
        return float(arr) if arr.ndim == 0 else arr


_INF = math.inf
SPECS: dict[str, ParameterSpec] = {
    s.name: s
    for s in [
        ParameterSpec("omega_m", "Hz", 88.54e6, 0.0, low_inclusive=False, representable=(1e-3, 1e18),
                      description="mechanical frequency ω_m/2π"),
        ParameterSpec("kappa", "Hz", 45e6, 0.0, low_inclusive=False, representable=(1e-3, 1e18),
                      description="optical amplitude decay rate κ/2π"),
        ParameterSpec("gamma_m", "Hz", 2.2e3, 0.0, representable=(1e-12, 1e18), description="mechanical damping rate γ_m/2π"),
        ParameterSpec("wavelength", "m", 780e-9, 0.0, low_inclusive=False, representable=(1e-15, 1e6),
                      description="pump and cavity wavelength λ (ω_d = ω_c = 2πc/λ)"),
        ParameterSpec("power", "W", 15e-3, 0.0, representable=(1e-40, 1e12), description="input power P of each pump"),
        ParameterSpec("length", "m", 100e-3, 0.0, low_inclusive=False, representable=(1e-15, 1e6), description="cavity length l"),
        ParameterSpec("mass", "kg", 20e-12, 0.0, low_inclusive=False, representable=(1e-35, 1e6),
                      description="effective mass m of each movable mirror"),
        ParameterSpec("eta", "1", 1.0, 0.0, 1.0, description="fibre transmission η between the cavities"),
        ParameterSpec("phi_pi", "π rad", 0.8, -_INF, representable=(0.0, 1e6), description="fibre phase φ/π"),
        ParameterSpec("dtheta_pi", "π rad", 0.25, -_INF, representable=(0.0, 1e6),
                      description="pump phase difference Δθ/π = (θ1 − θ2)/π, θ2 = 0"),
        ParameterSpec("temperature", "K", 0.1, 0.0, representable=(0.0, 1e9), description="mechanical bath temperature T"),
        ParameterSpec("detuning", "ω_m", 1.4, -_INF, representable=(0.0, 1e6), description="effective detuning Δ/ω_m"),
        ParameterSpec("kappa_r_fraction", "1", 0.5, 0.0, 1.0,
                      description="two-channel model: κ_R/κ, decay into the 1→2 fibre channel"),
        ParameterSpec("kappa_l_fraction", "1", 0.5, 0.0, 1.0,
                      description="two-channel model: κ_L/κ, decay into the 2→1 fibre channel"),
    ]
}

MODELS = ("paper", "two-channel")
UNITS_READINGS = ("consistent", "literal")
COUPLINGS = ("paper", "standard")
BATHS = ("paper", "brownian")


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ParameterError(name, value, "one of " + ", ".join(choices))
    return value


@dataclass(frozen=True, kw_only=True)
class ModelOptions:
    """Which model and which readings of the paper's text are used.

    Parameters
    ----------
    model : {'paper', 'two-channel'}
        ``paper``: the Langevin model of Eqs. (8), (21), (27).  ``two-channel``: the
        physically consistent bidirectional SLH cascade (docs/derivation.md, "Two-channel cascade").
    units : {'consistent', 'literal'}
        Reading of the drive fed through the fibre (Eqs. 4, 7, 16; docs/conventions.md, "Units readings").
        ``consistent``: ε/√(2κ) is the input amplitude, so the fed-through drive is √η·ε.
        ``literal``: √(2ηκ)·ε exactly as printed, evaluated in SI numbers.
    coupling : {'paper', 'standard'}
        ``paper``: g0 = (ω_c/l)√(ħ/(m ω_m)) as printed; ``standard``: with the zero-point
        motion √(ħ/(2 m ω_m)), √2 smaller (docs/conventions.md, "Coupling").
    bath : {'paper', 'brownian'}
        ``paper``: both mechanical quadratures damped at γ_m (Eqs. 2, 27); ``brownian``:
        quantum Brownian motion, momentum damping and diffusion only (docs/conventions.md, "Mechanical bath").
    """

    model: str = "paper"
    units: str = "consistent"
    coupling: str = "paper"
    bath: str = "paper"

    def __post_init__(self) -> None:
        _check_choice("model", self.model, MODELS)
        _check_choice("units", self.units, UNITS_READINGS)
        _check_choice("coupling", self.coupling, COUPLINGS)
        _check_choice("bath", self.bath, BATHS)

    def describe(self) -> dict[str, str]:
        return dataclasses.asdict(self)


def _default(name: str):
    return field(default=SPECS[name].default)


@dataclass(frozen=True, kw_only=True)
class Parameters:
    """Physical parameters of the cascaded system (defaults: the paper's Fig. 1(d) and Sec. III).

    All inputs are validated on construction; a :class:`ParameterError` names the
    parameter, the value and the allowed range.  Fields may be arrays that broadcast.
    """

    omega_m: Any = _default("omega_m")
    kappa: Any = _default("kappa")
    gamma_m: Any = _default("gamma_m")
    wavelength: Any = _default("wavelength")
    power: Any = _default("power")
    length: Any = _default("length")
    mass: Any = _default("mass")
    eta: Any = _default("eta")
    phi_pi: Any = _default("phi_pi")
    dtheta_pi: Any = _default("dtheta_pi")
    temperature: Any = _default("temperature")
    detuning: Any = _default("detuning")
    kappa_r_fraction: Any = _default("kappa_r_fraction")
    kappa_l_fraction: Any = _default("kappa_l_fraction")

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            object.__setattr__(self, f.name, SPECS[f.name].validate(getattr(self, f.name)))
        total = np.asarray(self.kappa_r_fraction) + np.asarray(self.kappa_l_fraction)
        if np.any(total > 1.0 + 1e-12):
            raise ParameterError("kappa_r_fraction + kappa_l_fraction", float(np.max(total)),
                                 "≤ 1 (the rest, κ_0, is loss to elsewhere)")

    # ------------------------------------------------------------------ construction
    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    def replace(self, **changes: Any) -> Parameters:
        unknown = set(changes) - set(self.names())
        if unknown:
            name = sorted(unknown)[0]
            raise ParameterError(name, changes[name], "a parameter name among " + ", ".join(self.names()))
        return dataclasses.replace(self, **changes)

    def take(self, points) -> Parameters:
        """The points ``points`` (a slice or indices) of a 1-D stack of N points (fields of shape (N,), or
        scalars or shape (1,), which broadcast and are kept as they are).

        Not validated again (every value was when this object was made): a block of a sweep costs
        microseconds instead of the ~0.4 ms of a full validation.
        """
        n = self.shape[0] if self.shape else 1
        out = object.__new__(type(self))
        for name in self.names():
            v = getattr(self, name)
            object.__setattr__(out, name, v[points] if np.ndim(v) == 1 and len(v) == n else v)
        return out

    @classmethod
    def from_mapping(cls, values: dict[str, Any], base: Parameters | None = None) -> Parameters:
        """Build from a name → value mapping, rejecting unknown names."""
        return (base or cls()).replace(**values)

    @property
    def shape(self) -> tuple[int, ...]:
        return np.broadcast_shapes(*(np.shape(getattr(self, n)) for n in self.names()))

    def as_dict(self) -> dict[str, Any]:
        out = {}
        for n in self.names():
            v = getattr(self, n)
            out[n] = v.tolist() if isinstance(v, np.ndarray) else v
        return out

    # ------------------------------------------------------------------ derived (angular, SI)
    @property
    def omega_m_rad(self):
        """ω_m in rad/s."""
        return TWO_PI * np.asarray(self.omega_m)

    @property
    def kappa_rad(self):
        """κ in rad/s (amplitude decay rate, Eq. 2)."""
        return TWO_PI * np.asarray(self.kappa)

    @property
    def gamma_m_rad(self):
        """γ_m in rad/s."""
        return TWO_PI * np.asarray(self.gamma_m)

    @property
    def omega_c(self):
        """Cavity (and drive) angular frequency ω_c = ω_d = 2πc/λ, rad/s."""
        return TWO_PI * SPEED_OF_LIGHT / np.asarray(self.wavelength)

    @property
    def delta(self):
        """Effective detuning Δ in rad/s (Δ = detuning · ω_m)."""
        return np.asarray(self.detuning) * self.omega_m_rad

    @property
    def phi(self):
        return np.pi * np.asarray(self.phi_pi)

    @property
    def theta1(self):
        """θ1 = Δθ (rad); θ2 = 0 by convention."""
        return np.pi * np.asarray(self.dtheta_pi)

    def g0(self, coupling: str = "paper"):
        """Single-photon coupling g0 in rad/s.

        ``paper``: g0 = (ω_c/l)√(ħ/(m ω_m)) as printed below Eq. (1);
        ``standard``: (ω_c/l)√(ħ/(2 m ω_m)), the zero-point motion of x = x_zpf(b + b†).
        """
        _check_choice("coupling", coupling, COUPLINGS)
        x = np.sqrt(HBAR / (np.asarray(self.mass) * self.omega_m_rad))
        if coupling == "standard":
            x = x / np.sqrt(2.0)
        return self.omega_c / np.asarray(self.length) * x

    @property
    def epsilon(self):
        """Drive amplitude |ε| = √(2κP/(ħω_d)) in s⁻¹ (below Eq. 1)."""
        return np.sqrt(2.0 * self.kappa_rad * np.asarray(self.power) / (HBAR * self.omega_c))

    @property
    def photon_flux_amplitude(self):
        """|β| = √(P/(ħω_d)) in s^-1/2, the pump's input amplitude (|ε| = √(2κ)|β|)."""
        return np.sqrt(np.asarray(self.power) / (HBAR * self.omega_c))

    @property
    def n_m(self):
        """Thermal phonon number n_m = 1/(exp(ħω_m/k_B T) − 1); 0 at T = 0."""
        t = np.asarray(self.temperature, dtype=float)
        with np.errstate(divide="ignore", over="ignore"):
            x = HBAR * self.omega_m_rad / (K_B * t)
            n = 1.0 / np.expm1(x)
        return np.where(t > 0, n, 0.0)

    def derived(self, coupling: str = "paper") -> dict[str, Any]:
        """Derived quantities, SI angular units, for reports."""
        vals = {
            "omega_m_rad_s": self.omega_m_rad,
            "kappa_rad_s": self.kappa_rad,
            "gamma_m_rad_s": self.gamma_m_rad,
            "omega_c_rad_s": self.omega_c,
            "g0_rad_s": self.g0(coupling),
            "epsilon_per_s": self.epsilon,
            "n_m": self.n_m,
            "delta_rad_s": self.delta,
        }
        return {k: (float(v) if np.ndim(v) == 0 else np.asarray(v).tolist()) for k, v in vals.items()}


def unknown_name_hint(name: str) -> str:
    """What to say about a name that is not a parameter: the nearest names, and where node/link names live."""
    import difflib

    if "." in name and name.split(".", 1)[0].rstrip("0123456789") in ("node", "link"):
        return "; nodeK./linkK. names belong to a network: give its file with --model-file"
    aliases = {"delta": "detuning", "p": "power", "t": "temperature", "m": "mass", "l": "length",
               "phi": "phi_pi", "dtheta": "dtheta_pi", "delta_theta": "dtheta_pi", "omega": "omega_m",
               "gamma": "gamma_m", "lambda": "wavelength", "lam": "wavelength", "kappa_r": "kappa_r_fraction",
               "kappa_l": "kappa_l_fraction"}
    if name.lower() in aliases:
        return f"; did you mean {aliases[name.lower()]!r}?"
    close = difflib.get_close_matches(name, list(SPECS), n=2, cutoff=0.6)
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def parse_assignment(text: str) -> tuple[str, float]:
    """Parse ``NAME=VALUE`` (the ``--set`` syntax) into a name and a float."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name or not value.strip():
        raise ParameterError("--set", text, "NAME=VALUE with NAME among " + ", ".join(Parameters.names()))
    if name not in SPECS:
        raise ParameterError(name, value.strip(), "a parameter name among " + ", ".join(Parameters.names())
                             + unknown_name_hint(name))
    try:
        return name, float(value)
    except ValueError:
        raise ParameterError(name, value.strip(), "a real number: " + SPECS[name].allowed()) from None


def read_toml(path: str | Path, what: str) -> dict[str, Any]:
    """The mapping in a TOML file; a :class:`ParameterError` named ``what`` if it is missing or not TOML."""
    p = Path(path)
    if not p.is_file():
        raise ParameterError(what, str(path), "an existing TOML file")
    try:
        return tomllib.loads(p.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ParameterError(what, str(path), f"valid TOML ({exc})") from None


def load_config(path: str | Path) -> tuple[dict[str, Any], dict[str, str]]:
    """Read a TOML file: top-level parameter names, optional ``[options]`` table.

    Returns
    -------
    (parameters, options) : tuple of dict
    """
    data = read_toml(path, "--config")
    if isinstance(data.get("network"), dict) or "node" in data or "nodes" in data or "links" in data:
        raise ParameterError("config", str(path), "a file of parameters; this one describes a network: "
                                                  "give it with --model-file")
    options = data.pop("options", {})
    if "parameters" in data and isinstance(data["parameters"], dict):
        data = {**data.pop("parameters"), **data}
    for name, value in data.items():
        if name not in SPECS and isinstance(value, dict):  # a table: [option], [Options], [params] …
            raise ParameterError(f"[{name}]", str(path), "a parameter file whose only tables are [options] "
                                 "(model, units, coupling, bath, pair) and [parameters]")
        if name not in SPECS:
            raise ParameterError(name, value, "a parameter name among " + ", ".join(Parameters.names())
                                 + unknown_name_hint(name))
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParameterError(name, value, "a real number: " + SPECS[name].allowed())
    allowed_opts = {"model", "units", "coupling", "bath", "pair"}
    for key in options:
        if key not in allowed_opts:
            raise ParameterError(f"options.{key}", options[key], "one of " + ", ".join(sorted(allowed_opts)))
    return {k: float(v) for k, v in data.items()}, dict(options)
