"""What a system *is*: linear Gaussian models and the ways to build one.

* :mod:`.linear` — :class:`LinearModel`, the one type every solver takes.
* :mod:`.engine` — a quadratic Hamiltonian and linear jump operators (H, L) → drift and diffusion (A, D).
* :mod:`.meanfield` — the classical mean fields the linearization is taken around.
* :mod:`.paper` — the source paper's Langevin model (its Eqs. 7, 8, 16, 27).
* :mod:`.cascade` — the physical two-channel cascade, built as (H, L).
* :mod:`.network` — N optomechanical nodes on chiral channels (SLH series product).
* :mod:`.qutip` — QuTiP operators in (:func:`from_qutip`) and out (:func:`to_qutip`).
* :mod:`.build` — the model selected by :class:`~cascom_sim.parameters.ModelOptions`.
"""

from .build import build_model
from .cascade import TwoChannelSpec, two_channel_model
from .engine import LindbladModel, drift_and_diffusion
from .linear import LinearModel
from .meanfield import MeanFields, mean_fields, mean_fields_from_bare_detuning
from .network import Link, Network, Node, network_model
from .paper import paper_model
from .qutip import from_qutip, to_qutip

__all__ = ["LinearModel", "LindbladModel", "MeanFields", "TwoChannelSpec", "build_model", "drift_and_diffusion",
           "mean_fields", "mean_fields_from_bare_detuning", "paper_model", "two_channel_model",
           "from_qutip", "to_qutip", "Link", "Network", "Node", "network_model"]
