"""Build the model selected by :class:`~cascom_sim.parameters.ModelOptions` from parameters."""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError
from ..parameters import SPECS, ModelOptions, Parameters
from .cascade import two_channel_model
from .linear import LinearModel
from .meanfield import MeanFields
from .paper import paper_model


def build_model(params: Parameters, options: ModelOptions = ModelOptions(),
                mf: MeanFields | None = None) -> LinearModel:
    """The model selected by ``options.model``.

    Raises
    ------
    ParameterError
        When the parameters, each within its own range, combine into rates the linear algebra cannot
        survive (non-finite, or above :data:`RATE_LIMIT`); it names the most extreme parameter.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        model = two_channel_model(params, options, mf) if options.model == "two-channel" else \
            paper_model(params, options, mf)
    check_computable(model.drift, model.diffusion, params)
    return model


#: largest |entry| of A (1/s) and √|entry| of D accepted: the characteristic polynomial of an 8×8 drift
#: holds products of eight rates, which must stay below the double-precision overflow (1e308)
RATE_LIMIT = 1e30


def check_computable(A, D, params: Parameters) -> None:
    """Refuse drift/diffusion matrices that are not finite or whose rates would overflow downstream."""
    A = np.asarray(A)
    D = np.asarray(D)
    with np.errstate(invalid="ignore", over="ignore"):
        # a whole-stack test first (max/min propagate NaN, no |·| temporaries); per point only to report
        size = max(np.max(A), -np.min(A), np.sqrt(max(np.max(D), -np.min(D))))
        if np.isfinite(size) and size <= RATE_LIMIT:
            return
        size = np.maximum(np.max(np.abs(A), axis=(-2, -1)), np.sqrt(np.max(np.abs(D), axis=(-2, -1))))
    worst = float(np.nanmax(np.where(np.isfinite(size), size, np.inf)))
    name, value = _most_extreme(params)
    raise ParameterError(name, value, f"values whose derived rates stay representable (here the drift/diffusion "
                                      f"reach {worst:.3g} 1/s, limit {RATE_LIMIT:.0e}); {SPECS[name].survivable()}")


def _most_extreme(params: Parameters) -> tuple[str, float]:
    """The parameter farthest (in decades) from its default: the likely cause of an overflow."""
    best, score = "power", -1.0
    value = float(np.max(params.power))
    for name in params.names():
        v = np.abs(np.asarray(getattr(params, name), dtype=float))
        d = abs(SPECS[name].default)
        if d == 0:
            continue
        with np.errstate(divide="ignore"):
            dec = np.abs(np.log10(np.where(v > 0, v, d) / d))
        k = int(np.argmax(dec))
        if float(dec.flat[k]) > score:
            best, score, value = name, float(dec.flat[k]), float(np.asarray(getattr(params, name)).flat[k])
    return best, value
