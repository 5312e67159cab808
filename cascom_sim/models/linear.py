"""The one model type every solver takes: a linear Gaussian model with its own mode names.

A model is the Langevin equation ṙ = A r + noise with diffusion D for the quadrature vector
r = (X_1, Y_1, X_2, Y_2, …) of its modes (X = (c + c†)/√2, vacuum variance 1/2).  Models built
from a quadratic Hamiltonian and linear jump operators carry that (H, L) description too; they are
physical by construction.  The paper's model is given directly as (A, D).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..conventions import default_modes
from ..errors import ParameterError
from ..parameters import ModelOptions
from .engine import LindbladModel
from .meanfield import MeanFields

#: What a model is, as reported with every result.
MODEL_LABELS = ("paper", "two-channel", "network", "user")


@dataclass(frozen=True)
class LinearModel:
    """A linear Gaussian model ṙ = A r + noise with diffusion D, on named modes.

    Attributes
    ----------
    drift, diffusion : ndarray, shape (..., 2n, 2n)
        A (s⁻¹) and D (s⁻¹) in the quadrature ordering (X_1, Y_1, X_2, Y_2, …) of ``modes``.
    options : ModelOptions or None
        The readings used (units, coupling, bath) for models built from :class:`Parameters`;
        None for a model given directly (e.g. from QuTiP operators).
    mean_fields : MeanFields or None
        The mean fields the linearization is taken around.
    lindblad : LindbladModel or None
        The (H, L) description for models built from one (physical by construction);
        None for the paper's Langevin model.
    modes : tuple of str
        One name per mode, in quadrature order.  Defaults to ``('a1', 'a2', 'b1', 'b2')`` for four
        modes and ``('m1', …, 'mn')`` otherwise.
    label : str
        What the model is: one of :data:`MODEL_LABELS` (default: ``options.model``, else ``'user'``).
    network : Network or None
        For a network model, the nodes, links and channels it was built from.
    """

    drift: np.ndarray
    diffusion: np.ndarray
    options: ModelOptions | None = None
    mean_fields: MeanFields | None = None
    lindblad: LindbladModel | None = field(default=None, repr=False)
    modes: tuple[str, ...] | None = None
    label: str | None = None
    network: object | None = field(default=None, repr=False)

    def __post_init__(self):
        n = np.shape(self.drift)[-1] // 2
        modes = self.modes
        if modes is None:
            modes = self.lindblad.modes if self.lindblad is not None else default_modes(n)
        object.__setattr__(self, "modes", tuple(str(m) for m in modes))
        if len(self.modes) != n or len(set(self.modes)) != n:
            raise ParameterError("modes", ",".join(self.modes),
                                 f"{n} different names, one per mode of the {2 * n}×{2 * n} drift matrix")
        if self.label is None:
            object.__setattr__(self, "label", self.options.model if self.options is not None else "user")
        if self.label not in MODEL_LABELS:
            raise ParameterError("label", self.label, "one of " + ", ".join(MODEL_LABELS))

    @classmethod
    def from_lindblad(cls, lindblad: LindbladModel, *, label: str = "user", options: ModelOptions | None = None,
                      mean_fields: MeanFields | None = None) -> LinearModel:
        """The linear model of a quadratic Hamiltonian and linear jump operators, on their modes.

        A = Ω(H_m + Im Γ), D = Ω Re Γ Ωᵀ (see :mod:`cascom_sim.models.engine`); physical by construction.
        """
        A, D = lindblad.drift_and_diffusion()
        return cls(drift=A, diffusion=D, options=options, mean_fields=mean_fields, lindblad=lindblad,
                   modes=lindblad.modes, label=label)

    @property
    def name(self) -> str:
        """The model's label (kept for compatibility; prefer :attr:`label`)."""
        return self.label

    @property
    def n_modes(self) -> int:
        return len(self.modes)

    def __repr__(self) -> str:
        # the matrices are in .drift and .diffusion; printing them whole hides what the model is
        o = self.options
        readings = "" if o is None else f", units={o.units!r}, coupling={o.coupling!r}, bath={o.bath!r}"
        shape = np.shape(self.drift)
        batch = f", batch={shape[:-2]}" if len(shape) > 2 else ""
        return (f"LinearModel(label={self.label!r}, modes={self.modes}{readings}{batch}, "
                f"hamiltonian_and_jumps={'yes' if self.lindblad is not None else 'no'})")

    def index(self, mode: str | int) -> int:
        """Position of a mode; a :class:`ParameterError` listing this model's modes if it has no such mode."""
        from ..conventions import mode_index

        return mode_index(mode, self.modes, "mode")

    def describe(self) -> dict:
        """What the model is, for JSON and NetCDF outputs: label, modes and, when built from parameters,
        the readings used."""
        out = {"model": self.label, "modes": list(self.modes)}
        o = self.options
        out.update({"units_reading": o.units if o else None, "coupling": o.coupling if o else None,
                    "bath": o.bath if o else None})
        if self.network is not None:
            net = self.network.describe()
            out.update({"coupling": net["coupling"], "bath": "paper", "units_reading": "consistent",
                        "channels": net["channels"], "nodes": net["nodes"], "links": net["links"]})
        return out


def as_linear(model) -> LinearModel:
    """A :class:`LinearModel` from a LinearModel or a :class:`LindbladModel` (label 'user')."""
    if isinstance(model, LinearModel):
        return model
    if isinstance(model, LindbladModel):
        return LinearModel.from_lindblad(model)
    raise ParameterError("model", type(model).__name__, "a LinearModel or a LindbladModel")
