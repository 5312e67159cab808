"""Cascaded networks of N optomechanical nodes, built with the SLH series product.

Node j is a cavity (mode a_j) with a movable mirror (mode b_j).  Its cavity decays at κ_j, split into

* κ_R,j into channel R, a chiral fibre that runs node 1 → 2 → … → N,
* κ_L,j into channel L, running node N → … → 1,
* κ_p,j into a pump port of its own (used only by a pump that enters there),
* κ_0,j elsewhere (κ_0 = κ − κ_R − κ_L − κ_p ≥ 0).

``channels`` selects ``'both'``, ``'R'`` (one way 1 → N) or ``'L'`` (one way N → 1); an absent channel
takes no decay.  Link k (between nodes k and k + 1) transmits the amplitude √η_k with phase φ_k, in
both channels.

**Construction (SLH).**  Along each channel the field is accumulated node by node (Gough & James, IEEE
TAC 54, 2530 (2009); Gardiner, PRL 70, 2269 (1993); Carmichael, PRL 70, 2273 (1993)).  With L_in the
field arriving at node j (a linear combination of upstream cavity modes) and l_j = √(2κ_c,j) a_j,
the series product (1, L_in, H) ◁ (1, l_j, 0) gives

    L → L_in + l_j,     H → H + (1/2i)(l_j† L_in − L_in† l_j),

and link k then splits the field into √η_k e^{iφ_k} L (travelling on) and the jump operator
√(1 − η_k) L (lost).  The field leaving the last node is the channel's output jump operator.  Each
node adds √(2κ_0) a_j, √(2κ_p) a_j, and the mechanical bath √(2γ_m(n_m + 1)) b_j, √(2γ_m n_m) b_j†
(the paper's bath), and its linearized optomechanical Hamiltonian Δ_j a†a + ω_m b†b − g0(α* a + α a†)
(b + b†).  The model is physical by construction.  For two nodes and both channels this is exactly the
two-channel cascade of :mod:`cascom_sim.models.cascade`.

**Mean fields.**  With the paper's input–output convention a_out = a_in − √(2κ) a (its Eq. 4), each
pump j (power P_j, phase θ_j, flux amplitude β_j = √(P_j/ħω_d) e^{−iθ_j}) enters through a named port:

* ``'R'`` or ``'L'``: channel R (or L) just before node j — it then also reaches every node downstream;
* ``'own'``: the node's own pump port, rate κ_p,j;
* ``'none'``: no pump.

The classical fields obey ȧ_j = −(iΔ_j + κ_j) a_j + Σ_c √(2κ_c,j) a_in,c,j (+ √(2κ_p,j) β_j), with
a_in,c,j = √η e^{iφ} (a_in,c,prev − √(2κ_c,prev) a_prev) (+ β_j if pump j enters channel c there), a
linear system for α at the effective detunings Δ_j (the paper's scan variable).

**Relation to the paper's model.**  At η = 0 the nodes are independent.  A node whose pump enters its
own port with κ_p = κ (``pump_port='own'``, ``kappa_pump_fraction=1``, hence κ_R = κ_L = 0) has the
paper's α = ε e^{−iθ}/(iΔ + κ) with ε = √(2κ P/ħω_d), and the paper's optical damping κ and noise κ: the
network then equals the paper's model in α, A, D and E_N.  A pump entering through a channel of rate
κ_c < κ gives instead α scaled by √(κ_c/κ) (photon number by κ_c/κ): the two models differ even at
η = 0.  For η > 0 they always differ (the paper's noise is not physical; docs/networks.md).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ParameterError
from ..parameters import SPECS, Parameters, read_toml
from .engine import LindbladModel, drift_and_diffusion, hamiltonian_from_ladder, ladder_to_quadrature_vector
from .linear import LinearModel
from .meanfield import MeanFields

CHANNELS = ("both", "R", "L")
PUMP_PORTS = ("R", "L", "own", "none")
COUPLINGS = ("paper", "standard")
#: Node parameters taken from :class:`Parameters` (per node).
NODE_PARAMETERS = ("kappa", "kappa_r_fraction", "kappa_l_fraction", "detuning", "omega_m", "gamma_m", "mass",
                   "length", "wavelength", "temperature", "power")
#: Node parameters of the network only.
NODE_EXTRAS = ("kappa_pump_fraction", "pump_phase_pi", "pump_port", "g0")
LINK_PARAMETERS = ("eta", "phi_pi")


@dataclass(frozen=True, kw_only=True)
class Node:
    """One optomechanical node.

    Attributes
    ----------
    params : Parameters
        Its physical parameters (units as in :class:`Parameters`): kappa and its split
        (``kappa_r_fraction``, ``kappa_l_fraction``), detuning (effective, Δ/ω_m), omega_m, gamma_m, mass,
        length, wavelength, temperature, power.  ``eta``, ``phi_pi``, ``dtheta_pi`` are not used (links
        and ``pump_phase_pi`` hold them).
    kappa_pump_fraction : float
        κ_p/κ, the node's own pump port (counted in κ).
    pump_phase_pi : float
        θ_j/π, the pump's phase.
    pump_port : {'R', 'L', 'own', 'none'} or None
        Where the pump enters; None picks the channel that reaches this node first (R for node 1, L for
        node N when both channels exist, R otherwise for a chain with R, L for a chain with only L).
    g0 : float or None
        Single-photon coupling g0/2π in Hz; None derives it from length, mass and wavelength.
    """

    params: Parameters = field(default_factory=Parameters)
    kappa_pump_fraction: float = 0.0
    pump_phase_pi: float = 0.0
    pump_port: str | None = None
    g0: float | None = None

    def __post_init__(self):
        f = _fraction("kappa_pump_fraction", self.kappa_pump_fraction)
        object.__setattr__(self, "kappa_pump_fraction", f)
        object.__setattr__(self, "pump_phase_pi", SPECS["dtheta_pi"].validate(self.pump_phase_pi))
        if self.pump_port is not None and self.pump_port not in PUMP_PORTS:
            raise ParameterError("pump_port", self.pump_port, "one of " + ", ".join(PUMP_PORTS))
        if self.g0 is not None:
            g = float(self.g0)
            if not np.isfinite(g) or g < 0:
                raise ParameterError("g0", self.g0, "g0/2π ≥ 0 (Hz), or unset to derive it from length")
            object.__setattr__(self, "g0", g)
        if self.params.shape:
            raise ParameterError("node parameters", "arrays", "scalars (one network at a time)")
        total = float(self.params.kappa_r_fraction + self.params.kappa_l_fraction) + f
        if total > 1.0 + 1e-12:
            raise ParameterError("kappa_r_fraction + kappa_l_fraction + kappa_pump_fraction", total,
                                 "≤ 1 (the rest, κ_0, is loss to elsewhere)")

    @classmethod
    def from_values(cls, values: dict[str, Any], base: Node | None = None) -> Node:
        """A node from name → value pairs among :data:`NODE_PARAMETERS` and :data:`NODE_EXTRAS`."""
        base = cls() if base is None else base
        p_vals = {k: v for k, v in values.items() if k in NODE_PARAMETERS}
        extras = {k: v for k, v in values.items() if k in NODE_EXTRAS}
        unknown = set(values) - set(p_vals) - set(extras)
        if unknown:
            name = sorted(unknown)[0]
            where = ("a link parameter: set it as linkK." + name + " or " + name) if name in LINK_PARAMETERS \
                else "a node parameter among " + ", ".join(NODE_PARAMETERS + NODE_EXTRAS)
            raise ParameterError(name, values[name], where)
        return dataclasses.replace(base, params=base.params.replace(**p_vals), **extras)

    def values(self) -> dict[str, Any]:
        d = {k: getattr(self.params, k) for k in NODE_PARAMETERS}
        d.update({k: getattr(self, k) for k in NODE_EXTRAS})
        return d


@dataclass(frozen=True, kw_only=True)
class Link:
    """The fibre between node k and node k + 1: amplitude transmission √η and phase φ (both channels)."""

    eta: float = 1.0
    phi_pi: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "eta", SPECS["eta"].validate(self.eta))
        object.__setattr__(self, "phi_pi", SPECS["phi_pi"].validate(self.phi_pi))


@dataclass(frozen=True, kw_only=True)
class Network:
    """N optomechanical nodes on chiral channels; see the module docstring.

    Attributes
    ----------
    nodes : tuple of Node
    links : tuple of Link
        N − 1 links, link k joins node k and node k + 1.
    channels : {'both', 'R', 'L'}
    coupling : {'paper', 'standard'}
        g0 convention for nodes whose g0 is derived from their length (see :meth:`Parameters.g0`).
    """

    nodes: tuple[Node, ...]
    links: tuple[Link, ...] = ()
    channels: str = "both"
    coupling: str = "paper"

    def __post_init__(self):
        nodes = tuple(self.nodes)
        if len(nodes) < 1:
            raise ParameterError("nodes", len(nodes), "at least one node")
        links = tuple(self.links) if self.links else tuple(Link() for _ in range(len(nodes) - 1))
        if len(links) != len(nodes) - 1:
            raise ParameterError("links", len(links), f"{len(nodes) - 1} links for {len(nodes)} nodes")
        if self.channels not in CHANNELS:
            raise ParameterError("channels", self.channels, "one of " + ", ".join(CHANNELS))
        if self.coupling not in COUPLINGS:
            raise ParameterError("coupling", self.coupling, "one of " + ", ".join(COUPLINGS))
        object.__setattr__(self, "nodes", nodes)
        object.__setattr__(self, "links", links)
        for j, nd in enumerate(nodes):
            port = self.pump_port(j)
            if port in ("R", "L") and port not in self.channel_names:
                raise ParameterError(f"node{j + 1}.pump_port", port,
                                     "a channel this network has (" + ", ".join(self.channel_names) + "), 'own' or "
                                                                                                     "'none'")
            for c in ("R", "L"):
                if c not in self.channel_names and float(getattr(nd.params, f"kappa_{c.lower()}_fraction")) > 0:
                    raise ParameterError(f"node{j + 1}.kappa_{c.lower()}_fraction",
                                         float(getattr(nd.params, f"kappa_{c.lower()}_fraction")),
                                         f"0: this network has no channel {c} (channels = {self.channels!r})")

    @classmethod
    def uniform(cls, n: int, params: Parameters | None = None, *, channels: str = "both", coupling: str = "paper",
                eta: float | None = None, phi_pi: float | None = None, **node_extras) -> Network:
        """n identical nodes with parameters ``params`` and identical links (η, φ default to ``params``')."""
        params = Parameters() if params is None else params
        if not (isinstance(n, (int, np.integer)) and n >= 1):
            raise ParameterError("nodes", n, "an integer ≥ 1")
        node = Node(params=params, **node_extras)
        link = Link(eta=params.eta if eta is None else eta, phi_pi=params.phi_pi if phi_pi is None else phi_pi)
        return cls(nodes=(node,) * n, links=(link,) * (n - 1), channels=channels, coupling=coupling)

    # ---------------------------------------------------------------- structure
    @property
    def n_nodes(self) -> int:
        return len(self.nodes)

    @property
    def channel_names(self) -> tuple[str, ...]:
        return ("R", "L") if self.channels == "both" else (self.channels,)

    @property
    def modes(self) -> tuple[str, ...]:
        n = self.n_nodes
        return tuple(f"a{j + 1}" for j in range(n)) + tuple(f"b{j + 1}" for j in range(n))

    def pump_port(self, j: int) -> str:
        port = self.nodes[j].pump_port
        if port is not None:
            return port
        if self.channels == "both":
            return "L" if (j == self.n_nodes - 1 and j > 0) else "R"
        return self.channels

    def order(self, channel: str) -> list[int]:
        """Nodes in the order channel ``channel`` passes them."""
        n = self.n_nodes
        return list(range(n)) if channel == "R" else list(range(n - 1, -1, -1))

    def link_between(self, j: int, k: int) -> Link:
        return self.links[min(j, k)]

    def replace_nodes(self, values: dict[str, Any], which: int | None = None) -> Network:
        """A copy with node parameters changed on node ``which`` (0-based) or on every node."""
        nodes = tuple(Node.from_values(values, nd) if which is None or j == which else nd
                      for j, nd in enumerate(self.nodes))
        return dataclasses.replace(self, nodes=nodes)

    def replace_links(self, values: dict[str, Any], which: int | None = None) -> Network:
        unknown = set(values) - set(LINK_PARAMETERS)
        if unknown:
            name = sorted(unknown)[0]
            raise ParameterError(name, values[name], "a link parameter among " + ", ".join(LINK_PARAMETERS))
        links = tuple(dataclasses.replace(lk, **values) if which is None or k == which else lk
                      for k, lk in enumerate(self.links))
        return dataclasses.replace(self, links=links)

    def describe(self) -> dict:
        """Nodes, links and channels as plain values (for JSON and NetCDF)."""
        nodes = []
        for j, nd in enumerate(self.nodes):
            d = {k: (float(v) if isinstance(v, (int, float, np.floating)) else v) for k, v in nd.values().items()}
            d["pump_port"] = self.pump_port(j)
            d["name"] = f"node{j + 1}"
            d["modes"] = [f"a{j + 1}", f"b{j + 1}"]
            nodes.append(d)
        return {"channels": self.channels, "coupling": self.coupling, "nodes": nodes,
                "links": [{"name": f"link{k + 1}", "between": [f"node{k + 1}", f"node{k + 2}"], "eta": lk.eta,
                           "phi_pi": lk.phi_pi} for k, lk in enumerate(self.links)]}

    # ---------------------------------------------------------------- per-node rates (rad/s)
    def rates(self) -> dict[str, np.ndarray]:
        """κ, κ_R, κ_L, κ_p, κ_0, Δ, ω_m, γ_m, n_m, g0 (rad/s) and pump amplitudes β_j (s^-1/2), one entry per node."""
        out: dict[str, list] = {k: [] for k in ("kappa", "kappa_R", "kappa_L", "kappa_p", "kappa_0", "delta",
                                                "omega_m", "gamma_m", "n_m", "g0", "beta")}
        for j, nd in enumerate(self.nodes):
            p = nd.params
            kap = float(p.kappa_rad)
            kr, kl, kp = kap * float(p.kappa_r_fraction), kap * float(p.kappa_l_fraction), kap * nd.kappa_pump_fraction
            out["kappa"].append(kap)
            out["kappa_R"].append(kr)
            out["kappa_L"].append(kl)
            out["kappa_p"].append(kp)
            out["kappa_0"].append(max(kap - kr - kl - kp, 0.0))
            out["delta"].append(float(p.delta))
            out["omega_m"].append(float(p.omega_m_rad))
            out["gamma_m"].append(float(p.gamma_m_rad))
            out["n_m"].append(float(p.n_m))
            out["g0"].append(2 * np.pi * nd.g0 if nd.g0 is not None else float(p.g0(self.coupling)))
            port = self.pump_port(j)
            amp = float(p.photon_flux_amplitude) * np.exp(-1j * np.pi * nd.pump_phase_pi)
            out["beta"].append(0.0 if port == "none" else amp)
        return {k: np.asarray(v) for k, v in out.items()}


def _fraction(name, value) -> float:
    v = float(value)
    if not (np.isfinite(v) and 0.0 <= v <= 1.0):
        raise ParameterError(name, value, f"0 ≤ {name} ≤ 1")
    return v


# -------------------------------------------------------------------- the channels, node by node
def _channel_fields(net: Network, channel: str, rates) -> tuple[np.ndarray, np.ndarray, list, list]:
    """For one channel: the field arriving at each node, and the jump operators it leaves.

    Returns (C_in, d_in, jumps, labels): a_in,c,j = Σ_k C_in[j, k] a_k + d_in[j] (d: the pumps, classical),
    and the loss/output jump operators as complex coefficient vectors on (a_1 … a_N).
    """
    n = net.n_nodes
    kc = rates[f"kappa_{channel}"]
    C_in = np.zeros((n, n), complex)
    d_in = np.zeros(n, complex)
    cur = np.zeros(n, complex)  # the travelling field (operator part), on the cavity modes
    cur_d = 0.0 + 0.0j  # the travelling pump amplitude
    jumps, labels = [], []
    order = net.order(channel)
    for pos, j in enumerate(order):
        if pos > 0:
            lk = net.link_between(order[pos - 1], j)
            t = np.sqrt(lk.eta) * np.exp(1j * np.pi * lk.phi_pi)
            if lk.eta < 1.0:
                jumps.append(np.sqrt(1.0 - lk.eta) * cur)
                labels.append(f"channel {channel}: loss in link {min(order[pos - 1], j) + 1}")
            cur, cur_d = t * cur, t * cur_d
        if net.pump_port(j) == channel:
            cur_d = cur_d + rates["beta"][j]
        C_in[j], d_in[j] = cur, cur_d
        # the node's output: a_out = a_in − √(2κ_c) a (mean fields); SLH L → L_in + √(2κ_c) a (operators)
        cur = cur.copy()
        cur[j] += np.sqrt(2.0 * kc[j])
    jumps.append(cur)
    labels.append(f"channel {channel}: output")
    return C_in, d_in, jumps, labels


def network_mean_fields(net: Network) -> MeanFields:
    """α_j, β_j at the effective detunings of the nodes (module docstring, Mean fields)."""
    r = net.rates()
    n = net.n_nodes
    M = -np.diag(1j * r["delta"] + r["kappa"])
    s = np.sqrt(2.0 * r["kappa_p"]) * np.where([net.pump_port(j) == "own" for j in range(n)], r["beta"], 0.0)
    for c in net.channel_names:
        C_in, d_in, _, _ = _channel_fields(net, c, r)
        # a_in as operators is Σ C a with SLH's sign (L_in = … + √(2κ) a); the classical field leaving a node
        # is a_in − √(2κ) a, i.e. the same travelling sum with the cavity term's sign flipped
        kc = np.sqrt(2.0 * r[f"kappa_{c}"])
        M -= kc[:, None] * C_in
        s = s + kc * d_in
    alpha = np.linalg.solve(M, -s)
    beta = 1j * r["g0"] * np.abs(alpha) ** 2 / (1j * r["omega_m"] + r["gamma_m"])
    bare = r["delta"] + 2.0 * r["g0"] * beta.real
    return MeanFields(alpha=alpha, beta=beta, delta=r["delta"], bare_detuning=bare, units="consistent")


def network_lindblad(net: Network, alpha: np.ndarray) -> LindbladModel:
    """Quadrature H_m and jump vectors of the linearized network, modes (a_1 … a_N, b_1 … b_N)."""
    r = net.rates()
    n = net.n_nodes
    d = 4 * n
    H = np.zeros((d, d))
    # ladder-form Hamiltonian ½ ξ† M ξ for the cavity–cavity terms, ξ = (a_1, a_1†, …, b_N, b_N†)
    Mc = np.zeros((d, d), complex)
    for j in range(n):
        xa, ya, xb, yb = 2 * j, 2 * j + 1, 2 * (n + j), 2 * (n + j) + 1
        H[xa, xa] = H[ya, ya] = r["delta"][j]
        H[xb, xb] = H[yb, yb] = r["omega_m"][j]
        lam = 2.0 * r["g0"][j] * alpha[j]
        H[xa, xb] = H[xb, xa] = -lam.real
        H[ya, xb] = H[xb, ya] = -lam.imag
    jumps, labels = [], []

    def on_modes(coeff_a: np.ndarray) -> np.ndarray:
        lam = np.zeros(d, complex)
        lam[0 : 2 * n : 2] = coeff_a
        return ladder_to_quadrature_vector(lam)

    for c in net.channel_names:
        C_in, _, js, ls = _channel_fields(net, c, r)
        kc = np.sqrt(2.0 * r[f"kappa_{c}"])
        # series product: H += (1/2i)(l_j† L_in − L_in† l_j) = Σ_k (1/2i) kc_j C_jk a_j† a_k + h.c.
        for j in range(n):
            for k in range(n):
                g = kc[j] * C_in[j, k] / 2j
                if g != 0:
                    # g a_j† a_k + g* a_k† a_j, as ½ ξ† M ξ (M[2j, 2k] = g, M[2k+1, 2j+1] = g, and h.c.)
                    Mc[2 * j, 2 * k] += g
                    Mc[2 * k + 1, 2 * j + 1] += g
                    Mc[2 * k, 2 * j] += np.conj(g)
                    Mc[2 * j + 1, 2 * k + 1] += np.conj(g)
        for vec, lab in zip(js, ls):
            if np.any(vec != 0):
                jumps.append(on_modes(vec))
                labels.append(lab)
    H = H + hamiltonian_from_ladder(Mc)
    for j in range(n):
        for name, rate in (("pump port", r["kappa_p"][j]), ("other loss", r["kappa_0"][j])):
            if rate > 0:
                e = np.zeros(n, complex)
                e[j] = np.sqrt(2.0 * rate)
                jumps.append(on_modes(e))
                labels.append(f"node {j + 1}: {name} √(2κ) a{j + 1}")
        for dag, occ, lab in ((0, r["n_m"][j] + 1.0, "√(2γ_m(n_m+1)) b"), (1, r["n_m"][j], "√(2γ_m n_m) b†")):
            rate = 2.0 * r["gamma_m"][j] * occ
            if rate > 0:
                lam = np.zeros(d, complex)
                lam[2 * (n + j) + dag] = np.sqrt(rate)
                jumps.append(ladder_to_quadrature_vector(lam))
                labels.append(f"node {j + 1}: mirror {lab}{j + 1}")
    return LindbladModel(hamiltonian=H, jumps=np.array(jumps).reshape(-1, d), modes=net.modes, labels=tuple(labels))


def network_model(net: Network, mf: MeanFields | None = None) -> LinearModel:
    """The linearized network as a :class:`LinearModel` (label ``'network'``, modes a1 … aN, b1 … bN)."""
    mf = network_mean_fields(net) if mf is None else mf
    lind = network_lindblad(net, np.asarray(mf.alpha))
    A, D = drift_and_diffusion(lind.hamiltonian, lind.jumps)
    return LinearModel(drift=A, diffusion=D, mean_fields=mf, lindblad=lind, modes=net.modes, label="network",
                       network=net)


# -------------------------------------------------------------------- files and overrides
NETWORK_KEYS = ("nodes", "channels", "coupling", "pair") + LINK_PARAMETERS


def _value(name: str, value):
    """A number for a numeric field, a string for pump_port."""
    field_name = name.rsplit(".", 1)[-1]
    if field_name == "pump_port":
        return str(value).strip().strip("'\"")
    if isinstance(value, bool):
        raise ParameterError(name, value, "a number")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ParameterError(name, value, "a number") from None


def apply_assignment(net: Network, name: str, value) -> Network:
    """``nodeK.field``, ``linkK.field`` or ``field`` (every node, or every link for eta/phi_pi) set to ``value``.

    Raises
    ------
    ParameterError
        Naming the qualified parameter, for an unknown node, link or field, or an invalid value.
    """
    value = _value(name, value)
    scope, _, field_name = name.rpartition(".")
    try:
        if scope == "":
            if field_name in LINK_PARAMETERS:
                return net.replace_links({field_name: value})
            return net.replace_nodes({field_name: value})
        for kind, count in (("node", net.n_nodes), ("link", net.n_nodes - 1)):
            if scope.startswith(kind) and scope[len(kind):].isdigit():
                k = int(scope[len(kind):])
                if not 1 <= k <= count:
                    raise ParameterError(name, value, f"{kind}1 … {kind}{count}" if count else f"no {kind}s here")
                if field_name in LINK_PARAMETERS and kind == "node":
                    SPECS[field_name].validate(value)
                    raise ParameterError(name, value, f"{field_name} belongs to links: link1.{field_name} … or "
                                                      f"{field_name} for every link")
                return (net.replace_nodes if kind == "node" else net.replace_links)({field_name: value}, k - 1)
        raise ParameterError(name, value, "nodeK.NAME, linkK.NAME or NAME")
    except ParameterError as exc:
        if exc.name == name:
            raise
        raise ParameterError(name, value, exc.allowed) from None


#: Numeric node fields of a network that are not :class:`Parameters` (``pump_port`` is a word, not a number).
NODE_NUMERIC_EXTRAS = tuple(f for f in NODE_EXTRAS if f != "pump_port")


def numeric_names(net: Network) -> tuple[str, ...]:
    """Every name a number can be assigned to in ``net`` (sweeps, searches): ``detuning`` (every node),
    ``node2.detuning``, ``eta`` (every link), ``link1.phi_pi``, …"""
    fields = NODE_PARAMETERS + NODE_NUMERIC_EXTRAS
    return (fields + LINK_PARAMETERS + tuple(f"node{j + 1}.{f}" for j in range(net.n_nodes) for f in fields)
            + tuple(f"link{k + 1}.{f}" for k in range(net.n_nodes - 1) for f in LINK_PARAMETERS))


def describe_numeric_names(net: Network) -> str:
    """:func:`numeric_names` in one line, for error messages."""
    n = net.n_nodes
    nodes = "node1.NAME" if n == 1 else f"node1.NAME … node{n}.NAME"
    links = (f"eta, phi_pi (every link) or link1.eta … link{n - 1}.phi_pi" if n > 1 else "no links")
    return (f"NAME (every node) or {nodes} with NAME among " + ", ".join(NODE_PARAMETERS + NODE_NUMERIC_EXTRAS)
            + f"; {links}")


def apply_assignments(net: Network, values: dict[str, Any]) -> Network:
    """Several :func:`apply_assignment` at once, one rebuild per node and link (the optimizer's hot loop).

    Unqualified names (every node, or every link for eta/phi_pi) are applied first, then ``nodeK.``/``linkK.``
    ones, so a qualified value wins over an unqualified one.  Names and values are validated as by
    :func:`apply_assignment` (call it once per name first for its error messages).
    """
    every_node, every_link = {}, {}
    per: dict[tuple[str, int], dict] = {}
    for name, value in values.items():
        scope, _, field_name = name.rpartition(".")
        if scope == "":
            (every_link if field_name in LINK_PARAMETERS else every_node)[field_name] = value
        else:
            kind = "node" if scope.startswith("node") else "link"
            per.setdefault((kind, int(scope[len(kind):]) - 1), {})[field_name] = value
    nodes = tuple(Node.from_values({**every_node, **per.get(("node", j), {})}, nd)
                  if every_node or ("node", j) in per else nd for j, nd in enumerate(net.nodes))
    links = tuple(dataclasses.replace(lk, **{**every_link, **per.get(("link", k), {})})
                  if every_link or ("link", k) in per else lk for k, lk in enumerate(net.links))
    return dataclasses.replace(net, nodes=nodes, links=links)


def network_from_mapping(data: dict) -> tuple[Network, dict]:
    """A network from a TOML-like mapping: ``[network]``, ``[node]`` (every node), ``[nodeK]``, ``[link]``, ``[linkK]``.

    Returns the network and the remaining settings of ``[network]`` (e.g. ``pair``).
    """
    data = dict(data)
    top = dict(data.pop("network", {}))
    unknown = set(top) - set(NETWORK_KEYS)
    if unknown:
        k = sorted(unknown)[0]
        raise ParameterError(f"network.{k}", top[k], "a key among " + ", ".join(NETWORK_KEYS))
    n = top.pop("nodes", None)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ParameterError("network.nodes", n, "an integer ≥ 1 (the number of nodes)")
    every = dict(data.pop("node", {}))
    every_link = {k: top.pop(k) for k in LINK_PARAMETERS if k in top}
    every_link.update(data.pop("link", {}))
    per_node = {}
    per_link = {}
    for key in list(data):
        for kind, store, count in (("node", per_node, n), ("link", per_link, n - 1)):
            if key.startswith(kind) and key[len(kind):].isdigit():
                k = int(key[len(kind):])
                if not 1 <= k <= count:
                    raise ParameterError(key, "…", f"{kind}1 … {kind}{count}")
                store[k - 1] = dict(data.pop(key))
    if data:
        k = sorted(data)[0]
        raise ParameterError(k, data[k], "tables [network], [node], [nodeK], [link], [linkK]")
    base = Node.from_values({k: _value(k, v) for k, v in every.items()})
    nodes = tuple(Node.from_values({k: _value(f"node{j + 1}.{k}", v) for k, v in per_node.get(j, {}).items()}, base)
                  for j in range(n))
    link = Link(**{k: _value(k, v) for k, v in every_link.items()})
    links = tuple(dataclasses.replace(link, **{k: _value(f"link{j + 1}.{k}", v)
                                               for k, v in per_link.get(j, {}).items()}) for j in range(n - 1))
    settings = {k: top.pop(k) for k in ("pair",) if k in top}
    net = Network(nodes=nodes, links=links, channels=top.get("channels", "both"), coupling=top.get("coupling", "paper"))
    return net, settings


def load_network(path) -> tuple[Network, dict]:
    """A network from a TOML file (see ``examples/chain3.toml`` and docs/networks.md)."""
    data = read_toml(path, "model-file")
    if "network" not in data and any(k in data for k in ("options", *SPECS)):
        raise ParameterError("model-file", str(path), "a network file ([network], [node], …); this one holds "
                                                      "parameters: give it with --config")
    return network_from_mapping(data)


def initial_network_covariance(net: Network) -> np.ndarray:
    """Optical vacuum and each mirror thermal at its own n_m, shape (4N, 4N), in the order of ``net.modes``."""
    r = net.rates()
    occ = np.concatenate([np.zeros(net.n_nodes), r["n_m"]])
    return np.diag(np.repeat(occ + 0.5, 2))
