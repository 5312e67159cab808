"""cascom_sim: linearized cascaded cavity optomechanics.

Steady states (Lyapunov), covariance and Langevin dynamics, and a truncated-Fock QuTiP
cross-check, for the phase-controlled cascade of Liu et al., Phys. Rev. A 109, 023519 (2024).
"""

from ._version import __version__
from .conventions import MODES, QUADRATURES, symplectic_form
from .errors import CascomError, CascomWarning, ParameterError, UnphysicalModelError, UnstableSystemError
from .gaussian import (
    assess_stability,
    bona_fide_min_eigenvalue,
    check_bona_fide,
    is_bona_fide,
    is_noise_physical,
    log_negativity,
    log_negativity_symplectic,
    noise_physicality_min_eigenvalue,
    occupations,
    purities,
    solve_lyapunov,
    solve_lyapunov_reference,
    symplectic_eigenvalues,
)
from .models import (
    LindbladModel,
    LinearModel,
    Link,
    MeanFields,
    Network,
    Node,
    build_model,
    drift_and_diffusion,
    from_qutip,
    mean_fields,
    mean_fields_from_bare_detuning,
    network_model,
    paper_model,
    to_qutip,
)
from .parameters import ModelOptions, Parameters, load_config
from .solvers.steady import SteadyState, analyse, steady_state, steady_states_from_bare_detuning

__all__ = [
    "__version__",
    "MODES", "QUADRATURES", "symplectic_form", "LindbladModel", "drift_and_diffusion",
    "CascomError", "CascomWarning", "ParameterError", "UnphysicalModelError", "UnstableSystemError",
    "bona_fide_min_eigenvalue", "check_bona_fide", "is_bona_fide", "is_noise_physical", "log_negativity",
    "log_negativity_symplectic", "noise_physicality_min_eigenvalue", "occupations", "purities",
    "symplectic_eigenvalues", "solve_lyapunov", "solve_lyapunov_reference", "MeanFields", "mean_fields",
    "mean_fields_from_bare_detuning", "LinearModel", "build_model", "from_qutip", "to_qutip", "Link", "Network", "Node", "network_model", "paper_model", "ModelOptions",
    "Parameters", "load_config", "assess_stability", "SteadyState", "analyse", "steady_state", "steady_states_from_bare_detuning",
]
