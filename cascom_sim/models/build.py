"""Build the model selected by :class:`~cascom_sim.parameters.ModelOptions` from parameters."""

from __future__ import annotations

from ..parameters import ModelOptions, Parameters
from .cascade import two_channel_model
from .linear import LinearModel
from .meanfield import MeanFields
from .paper import paper_model


def build_model(params: Parameters, options: ModelOptions = ModelOptions(),
                mf: MeanFields | None = None) -> LinearModel:
    """The model selected by ``options.model``."""
    if options.model == "two-channel":
        return two_channel_model(params, options, mf)
    return paper_model(params, options, mf)
