"""Time-dependent drives as data: pump envelopes, phases, frequency offsets and modulated parameters.

A :class:`Drive` says how the pumps and parameters of a model change in time; it holds no physics of
its own.  Pump j's complex amplitude relative to the constant amplitude of :class:`Parameters`
(ε_j = √(2κP/ħω_d) e^{−iθ_j}) is

    c_j(t) = √(P_j(t)/P) · exp(−i [θ_j(t) + 2π δf_j t]),

where P_j(t)/P is the product of the pump's envelope factors (each a :class:`Envelope`), θ_j(t) an
extra phase (a constant, or a user function) and δf_j a frequency offset (Hz) of the pump from the
frame's drive frequency ω_d.  Modulated parameters (:class:`Modulation`) multiply or shift one model
parameter by a sinusoid, e.g. the mechanical spring constant for a parametric drive.

Envelopes (factors of P_j(t)/P; t in s):

* ``constant``:  1
* ``ramp``:      switch-on with time constant τ at t_on:  0 for t < t_on, 1 − e^{−(t−t_on)/τ} after
  (τ = 0: a step, the quench).
* ``pulse``:     on at t_on for ``duration`` with exponential edges of time constant τ (τ = 0: square).
* ``sine``:      1 + depth · cos(2π f t + φ₀), 0 ≤ depth ≤ 1 (a power modulation).
* ``function``:  a user callable t ↦ factor ≥ 0 (vectorised over t), given in Python only.

TOML form (``cascom evolve --drive FILE.toml``)::

    [[pump]]                 # pump 1 (repeat the table for pump 2; a missing pump is constant)
    phase_pi = 0.0           # extra phase θ_j/π added to the parameters' phase
    frequency_offset = 0.0   # δf_j (Hz)
    envelope = [ {kind = "ramp", tau = 2e-8}, {kind = "sine", depth = 0.5, frequency = 177e6} ]

    [[modulation]]
    name = "spring"          # one of MODULATED_PARAMETERS
    depth = 0.01
    frequency = 177e6        # Hz
    phase_pi = 0.0
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..errors import ParameterError

ENVELOPE_KINDS = ("constant", "ramp", "pulse", "sine", "function")

#: Parameters that may be modulated, with what the modulation does (``m(t) = depth·cos(2πft + φ₀)``):
MODULATED_PARAMETERS = {
    "spring": "mechanical spring constant k(t) = k(1 + m(t)) of every mirror: the parametric drive "
              "(Ẏb gains −m(t) ω_m Xb)",
    "detuning": "bare cavity detuning Δ_c(t) = Δ_c + m(t) ω_m of every cavity (depth in units of ω_m)",
}


#: drive times (ramp constants, switch-on times, pulse lengths) and frequencies beyond these cannot be
#: integrated in any useful time next to the nanosecond scales of the models (and 1/f underflows)
MAX_DRIVE_TIME = 1e6  # s
MAX_DRIVE_FREQUENCY = 1e15  # Hz, above optical carriers: no rotating-frame modulation is faster


def _finite(name: str, value, allowed: str, low: float = -math.inf, low_inclusive: bool = True,
            high: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ParameterError(name, value, allowed)
    v = float(value)
    if not math.isfinite(v) or (v < low if low_inclusive else v <= low) or v > high:
        raise ParameterError(name, value, allowed)
    return v


@dataclass(frozen=True, kw_only=True)
class Envelope:
    """One factor of a pump's power envelope P_j(t)/P (see the module docstring for the shapes).

    Attributes
    ----------
    kind : {'constant', 'ramp', 'pulse', 'sine', 'function'}
    tau : float
        Time constant of the ramp / pulse edges, s (≥ 0).
    t_on : float
        Switch-on time, s (≥ 0).
    duration : float
        Pulse length, s (> 0 for pulses).
    depth : float
        Modulation depth of ``sine``, 0 ≤ depth ≤ 1.
    frequency : float
        Modulation frequency of ``sine``, Hz (> 0).
    phase_pi : float
        Phase φ₀/π of ``sine``.
    function : callable or None
        ``function(t) -> factor`` for ``kind='function'``.
    """

    kind: str = "constant"
    tau: float = 0.0
    t_on: float = 0.0
    duration: float = 0.0
    depth: float = 0.0
    frequency: float = 0.0
    phase_pi: float = 0.0
    function: Callable | None = field(default=None, compare=False)

    def __post_init__(self):
        if not isinstance(self.kind, str) or self.kind not in ENVELOPE_KINDS:
            raise ParameterError("envelope.kind", self.kind, "one of " + ", ".join(ENVELOPE_KINDS))
        set_ = lambda n, v: object.__setattr__(self, n, v)  # noqa: E731
        set_("tau", _finite("envelope.tau", self.tau, "0 ≤ tau ≤ 1e6 (s)", 0.0, high=MAX_DRIVE_TIME))
        set_("t_on", _finite("envelope.t_on", self.t_on, "0 ≤ t_on ≤ 1e6 (s)", 0.0, high=MAX_DRIVE_TIME))
        set_("duration", _finite("envelope.duration", self.duration, "0 ≤ duration ≤ 1e6 (s)", 0.0, high=MAX_DRIVE_TIME))
        set_("depth", _finite("envelope.depth", self.depth, "0 ≤ depth ≤ 1", 0.0, high=1.0))
        set_("frequency", _finite("envelope.frequency", self.frequency, "0 ≤ frequency ≤ 1e15 (Hz)", 0.0, high=MAX_DRIVE_FREQUENCY))
        set_("phase_pi", _finite("envelope.phase_pi", self.phase_pi, "a finite number (π rad)"))
        if self.kind == "pulse" and self.duration <= 0:
            raise ParameterError("envelope.duration", self.duration, "0 < duration ≤ 1e6 (s) for a pulse")
        if self.kind == "sine" and self.frequency <= 0:
            raise ParameterError("envelope.frequency", self.frequency, "0 < frequency ≤ 1e15 (Hz) for kind='sine'")
        if self.kind == "function" and not callable(self.function):
            raise ParameterError("envelope.function", self.function, "a callable t -> factor ≥ 0")

    def __call__(self, t) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        if self.kind == "constant":
            return np.ones_like(t)
        if self.kind == "ramp":
            return _switch(t - self.t_on, self.tau)
        if self.kind == "pulse":
            on = _switch(t - self.t_on, self.tau)
            end = self.t_on + self.duration
            at_end = _switch(np.asarray(self.duration), self.tau)
            off = at_end * (np.exp(-np.clip(t - end, 0, None) / self.tau) if self.tau > 0 else 0.0)
            return np.where(t < end, on, off)
        if self.kind == "sine":
            return 1.0 + self.depth * np.cos(2 * np.pi * self.frequency * t + np.pi * self.phase_pi)
        val = np.asarray(self.function(t), dtype=float)
        if np.any(~np.isfinite(val)) or np.any(val < 0):
            raise ParameterError("envelope.function", self.function, "a callable returning finite factors ≥ 0")
        return np.broadcast_to(val, t.shape).copy()

    def value(self, t: float) -> float:
        """The factor at one time (a fast scalar path for the integrators' right-hand sides)."""
        if self.kind == "constant":
            return 1.0
        if self.kind == "sine":
            return 1.0 + self.depth * math.cos(2 * math.pi * self.frequency * t + math.pi * self.phase_pi)
        if self.kind == "ramp":
            s = t - self.t_on
            return 0.0 if s < 0 else (1.0 if self.tau == 0 else -math.expm1(-s / self.tau))
        return float(self(t))

    @property
    def breakpoints(self) -> tuple[float, ...]:
        """Times where the envelope or its derivative jumps (integrators stop there)."""
        if self.kind == "ramp":
            return (self.t_on,)
        if self.kind == "pulse":
            return (self.t_on, self.t_on + self.duration)
        return ()

    @property
    def period(self) -> float | None:
        """Period (s) if periodic (``sine``), 0 if constant, None otherwise."""
        if self.kind == "constant":
            return 0.0
        return 1.0 / self.frequency if self.kind == "sine" else None

    @property
    def time_scales(self) -> tuple[float, ...]:
        """Time scales the output grid must resolve (s)."""
        out = []
        if self.kind in ("ramp", "pulse") and self.tau > 0:
            out.append(self.tau)
        if self.kind == "pulse":
            out.append(self.duration)
        if self.kind == "sine":
            out.append(1.0 / self.frequency)
        return tuple(out)


def _switch(s, tau):
    """0 for s < 0, 1 − e^{−s/τ} for s ≥ 0 (a step for τ = 0)."""
    s = np.asarray(s, dtype=float)
    if tau == 0:
        return np.where(s >= 0, 1.0, 0.0)
    return np.where(s >= 0, -np.expm1(-np.clip(s, 0, None) / tau), 0.0)


@dataclass(frozen=True, kw_only=True)
class PumpDrive:
    """How one pump changes in time: envelope factors (multiplied), extra phase, frequency offset.

    Attributes
    ----------
    envelope : tuple of Envelope
        Factors of P_j(t)/P; empty = constant power.
    phase_pi : float
        Constant extra phase θ_j/π (added to the parameters' phase).
    phase_function : callable or None
        Extra time-dependent phase t ↦ θ_j(t) in rad (Python only).
    frequency_offset : float
        δf_j (Hz): the pump's frequency minus the frame's ω_d/2π.
    """

    envelope: tuple[Envelope, ...] = ()
    phase_pi: float = 0.0
    phase_function: Callable | None = field(default=None, compare=False)
    frequency_offset: float = 0.0

    def __post_init__(self):
        env = self.envelope
        if isinstance(env, Envelope):
            env = (env,)
        if not all(isinstance(e, Envelope) for e in env):
            raise ParameterError("pump.envelope", env, "a sequence of Envelope factors")
        object.__setattr__(self, "envelope", tuple(env))
        object.__setattr__(self, "phase_pi", _finite("pump.phase_pi", self.phase_pi, "a finite number (π rad)"))
        object.__setattr__(self, "frequency_offset",
                           _finite("pump.frequency_offset", self.frequency_offset, "|offset| ≤ 1e15 (Hz)", -MAX_DRIVE_FREQUENCY, high=MAX_DRIVE_FREQUENCY))
        if self.phase_function is not None and not callable(self.phase_function):
            raise ParameterError("pump.phase_function", self.phase_function, "a callable t -> phase (rad)")

    def power_factor(self, t) -> np.ndarray:
        """P_j(t)/P, shape of ``t``."""
        out = np.ones_like(np.asarray(t, dtype=float))
        for e in self.envelope:
            out = out * e(t)
        return out

    def amplitude_scalar(self, t: float) -> complex:
        """c_j(t) at one time (scalar fast path)."""
        p = 1.0
        for e in self.envelope:
            p *= e.value(t)
        phase = math.pi * self.phase_pi + 2 * math.pi * self.frequency_offset * t
        if self.phase_function is not None:
            phase += float(self.phase_function(t))
        return math.sqrt(p) * complex(math.cos(phase), -math.sin(phase))

    def amplitude_factor(self, t) -> np.ndarray:
        """c_j(t) = √(P_j(t)/P) e^{−i[θ_j(t) + 2π δf_j t]}, complex, shape of ``t``."""
        t = np.asarray(t, dtype=float)
        phase = np.pi * self.phase_pi + 2 * np.pi * self.frequency_offset * t
        if self.phase_function is not None:
            phase = phase + np.asarray(self.phase_function(t), dtype=float)
        return np.sqrt(self.power_factor(t)) * np.exp(-1j * phase)


@dataclass(frozen=True, kw_only=True)
class Modulation:
    """A sinusoidally modulated model parameter, m(t) = depth · cos(2π f t + π·phase_pi).

    ``name`` is one of :data:`MODULATED_PARAMETERS` (what the modulation does is documented there).
    """

    name: str
    depth: float
    frequency: float
    phase_pi: float = 0.0

    def __post_init__(self):
        if not isinstance(self.name, str) or self.name not in MODULATED_PARAMETERS:
            raise ParameterError("modulation.name", self.name, "one of " + ", ".join(MODULATED_PARAMETERS))
        object.__setattr__(self, "depth", _finite("modulation.depth", self.depth, "a finite number"))
        object.__setattr__(self, "frequency", _finite("modulation.frequency", self.frequency,
                                                      "0 < frequency ≤ 1e15 (Hz)", 0.0, low_inclusive=False,
                                                      high=MAX_DRIVE_FREQUENCY))
        object.__setattr__(self, "phase_pi", _finite("modulation.phase_pi", self.phase_pi, "a finite number (π rad)"))

    def __call__(self, t) -> np.ndarray:
        return self.depth * np.cos(2 * np.pi * self.frequency * np.asarray(t, dtype=float) + np.pi * self.phase_pi)


@dataclass(frozen=True, kw_only=True)
class Drive:
    """Everything that changes in time: one :class:`PumpDrive` per pump and the modulated parameters.

    Pumps not listed are constant; ``Drive()`` is the constant drive (the steady state's).
    """

    pumps: tuple[PumpDrive, ...] = ()
    modulations: tuple[Modulation, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "pumps", tuple(self.pumps))
        object.__setattr__(self, "modulations", tuple(self.modulations))
        if not all(isinstance(p, PumpDrive) for p in self.pumps):
            raise ParameterError("drive.pumps", self.pumps, "a sequence of PumpDrive")
        if not all(isinstance(m, Modulation) for m in self.modulations):
            raise ParameterError("drive.modulations", self.modulations, "a sequence of Modulation")

    def pump(self, j: int) -> PumpDrive:
        return self.pumps[j] if j < len(self.pumps) else PumpDrive()

    def amplitude_factors(self, t, n_pumps: int) -> np.ndarray:
        """c_j(t) for j < n_pumps, shape (..., n_pumps) complex."""
        return np.stack([self.pump(j).amplitude_factor(t) for j in range(n_pumps)], axis=-1)

    def power_factors(self, t, n_pumps: int) -> np.ndarray:
        return np.stack([self.pump(j).power_factor(t) for j in range(n_pumps)], axis=-1)

    def modulation(self, name: str, t) -> np.ndarray:
        """Sum of the modulations of parameter ``name`` at ``t`` (0 if none)."""
        if not self.modulations:
            return 0.0 if np.ndim(t) == 0 else np.zeros(np.shape(t))
        out = np.zeros_like(np.asarray(t, dtype=float))
        for m in self.modulations:
            if m.name == name:
                out = out + m(t)
        return out

    @property
    def breakpoints(self) -> tuple[float, ...]:
        return tuple(sorted({b for p in self.pumps for e in p.envelope for b in e.breakpoints}))

    @property
    def is_constant(self) -> bool:
        return (not self.modulations and all(
            not p.envelope or all(e.kind == "constant" for e in p.envelope) for p in self.pumps)
            and all(p.frequency_offset == 0 and p.phase_function is None for p in self.pumps))

    @property
    def period(self) -> float | None:
        """Common period T (s) of a periodic drive, None if not periodic (or constant).

        Frequencies (Hz) of the envelope factors, frequency offsets and modulations must be commensurate
        (ratios of small integers, to 1e-9): T = 1/gcd of the frequencies.
        """
        freqs = []
        for p in self.pumps:
            if p.phase_function is not None:
                return None
            for e in p.envelope:
                if e.period is None:
                    return None
                if e.period > 0:
                    freqs.append(e.frequency)
            if p.frequency_offset != 0:
                freqs.append(abs(p.frequency_offset))
        freqs += [m.frequency for m in self.modulations]
        if not freqs:
            return None
        f0 = freqs[0]
        if not all(math.isfinite(f / f0) for f in freqs):  # e.g. 5e-324 Hz next to 1 MHz: not commensurate
            return None
        ratios = [Fraction(f / f0).limit_denominator(64) for f in freqs]
        if any(abs(float(r) - f / f0) > 1e-9 * f / f0 for r, f in zip(ratios, freqs)):
            return None
        den = math.lcm(*(r.denominator for r in ratios))
        num = math.gcd(*(int(r * den) for r in ratios))
        return den / (num * f0)

    @property
    def time_scales(self) -> tuple[float, ...]:
        out = [s for p in self.pumps for e in p.envelope for s in e.time_scales]
        out += [1.0 / abs(p.frequency_offset) for p in self.pumps if p.frequency_offset]
        out += [1.0 / m.frequency for m in self.modulations]
        return tuple(out)

    @property
    def end_of_changes(self) -> float:
        """Last breakpoint (s): after it a non-periodic drive only relaxes (0 if none)."""
        return max(self.breakpoints, default=0.0)

    def describe(self) -> dict:
        """A JSON-able description (user functions are named, not serialised)."""
        def env(e):
            d = {"kind": e.kind}
            for k in ("tau", "t_on", "duration", "depth", "frequency", "phase_pi"):
                if getattr(e, k):
                    d[k] = getattr(e, k)
            if e.function is not None:
                d["function"] = getattr(e.function, "__name__", "callable")
            return d
        return {"pumps": [{"envelope": [env(e) for e in p.envelope], "phase_pi": p.phase_pi,
                           "frequency_offset": p.frequency_offset} for p in self.pumps],
                "modulations": [{"name": m.name, "depth": m.depth, "frequency": m.frequency,
                                 "phase_pi": m.phase_pi} for m in self.modulations],
                "period": self.period}


# ----------------------------------------------------------------------------- construction helpers
def ramp_drive(tau: float, n_pumps: int = 2) -> Drive:
    """Every pump switched on at t = 0 with time constant τ (s)."""
    return Drive(pumps=tuple(PumpDrive(envelope=(Envelope(kind="ramp", tau=tau),)) for _ in range(n_pumps)))


def parse_modulate(text: str) -> Modulation | Envelope:
    """Parse the ``--modulate NAME:DEPTH:FREQ`` shortcut.

    ``NAME`` is a modulated parameter (``spring``, ``detuning``) or ``power`` (a sine envelope on every
    pump); ``FREQ`` in Hz.
    """
    parts = text.split(":")
    allowed = "NAME:DEPTH:FREQ with NAME among power, " + ", ".join(MODULATED_PARAMETERS) + ", FREQ in Hz"
    if len(parts) != 3:
        raise ParameterError("--modulate", text, allowed)
    name = parts[0].strip()
    try:
        depth, freq = float(parts[1]), float(parts[2])
    except ValueError:
        raise ParameterError("--modulate", text, allowed) from None
    if name not in MODULATED_PARAMETERS and name != "power":
        raise ParameterError("--modulate", text, allowed)
    try:
        if name == "power":
            return Envelope(kind="sine", depth=depth, frequency=freq)
        return Modulation(name=name, depth=depth, frequency=freq)
    except ParameterError as exc:  # name what the user typed, not the envelope/modulation field inside
        field = "DEPTH" if exc.name.endswith("depth") else "FREQ"
        rule = str(exc.allowed).replace(" for kind='sine'", "")
        raise ParameterError("--modulate", text, f"NAME:DEPTH:FREQ with {field}: {rule}") from None


def combine(drive: Drive | None, *, ramp: float | None = None, modulate=(), n_pumps: int = 2) -> Drive:
    """``drive`` with a switch-on ramp and ``--modulate`` items added to every pump."""
    drive = Drive() if drive is None else drive
    extra_env: list[Envelope] = []
    mods = list(drive.modulations)
    if ramp is not None:
        extra_env.append(Envelope(kind="ramp", tau=ramp))
    for item in modulate:
        item = parse_modulate(item) if isinstance(item, str) else item
        (extra_env if isinstance(item, Envelope) else mods).append(item)
    pumps = []
    for j in range(max(n_pumps, len(drive.pumps))):
        p = drive.pump(j)
        pumps.append(PumpDrive(envelope=p.envelope + tuple(extra_env), phase_pi=p.phase_pi,
                               phase_function=p.phase_function, frequency_offset=p.frequency_offset))
    return Drive(pumps=tuple(pumps), modulations=tuple(mods))


def drive_from_mapping(data: dict, where: str = "drive") -> Drive:
    """A :class:`Drive` from the TOML layout of the module docstring (unknown keys rejected)."""
    unknown = set(data) - {"pump", "modulation"}
    if unknown:
        k = sorted(unknown)[0]
        raise ParameterError(f"{where}.{k}", data[k], "tables [[pump]] and [[modulation]] only")
    for k in ("pump", "modulation"):
        if not isinstance(data.get(k, []), list):
            raise ParameterError(f"{where}.{k}", data[k], f"an array of tables [[{k}]]")
    pumps = []
    for i, p in enumerate(data.get("pump", [])):
        if not isinstance(p, dict):
            raise ParameterError(f"{where}.pump", p, "a table")
        bad = set(p) - {"envelope", "phase_pi", "frequency_offset"}
        if bad:
            k = sorted(bad)[0]
            raise ParameterError(f"pump[{i}].{k}", p[k], "envelope, phase_pi, frequency_offset")
        env = []
        if not isinstance(p.get("envelope", []), list):
            raise ParameterError(f"pump[{i}].envelope", p["envelope"], "an array of tables [{kind = ..., ...}, ...]")
        for e in p.get("envelope", []):
            if not isinstance(e, dict):
                raise ParameterError(f"pump[{i}].envelope", e, "a table {kind = ..., ...}")
            bad = set(e) - {"kind", "tau", "t_on", "duration", "depth", "frequency", "phase_pi"}
            if bad:
                k = sorted(bad)[0]
                raise ParameterError(f"pump[{i}].envelope.{k}", e[k], "kind, tau, t_on, duration, depth, "
                                                                     "frequency, phase_pi")
            if e.get("kind") == "function":
                raise ParameterError(f"pump[{i}].envelope.kind", "function", "a kind usable from TOML: "
                                     "constant, ramp, pulse, sine (user functions from Python only)")
            env.append(Envelope(**e))
        pumps.append(PumpDrive(envelope=tuple(env), phase_pi=p.get("phase_pi", 0.0),
                               frequency_offset=p.get("frequency_offset", 0.0)))
    mods = []
    for m in data.get("modulation", []):
        if not isinstance(m, dict):
            raise ParameterError(f"{where}.modulation", m, "a table")
        bad = set(m) - {"name", "depth", "frequency", "phase_pi"}
        if bad:
            k = sorted(bad)[0]
            raise ParameterError(f"modulation.{k}", m[k], "name, depth, frequency, phase_pi")
        if "name" not in m or "depth" not in m or "frequency" not in m:
            raise ParameterError("modulation", m, "a table with name, depth and frequency")
        mods.append(Modulation(**m))
    return Drive(pumps=tuple(pumps), modulations=tuple(mods))


def load_drive(path: str | Path) -> Drive:
    """Read a drive from a TOML file (layout in the module docstring)."""
    p = Path(path)
    if not p.is_file():
        raise ParameterError("--drive", str(path), "an existing TOML file")
    try:
        data = tomllib.loads(p.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ParameterError("--drive", str(path), f"valid TOML ({exc})") from None
    return drive_from_mapping(data)
