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

**Many points.**  :func:`network_points` builds the network at S parameter points at once (sweeps, searches):
every step above runs on stacked arrays of shape (S, …) — one ``np.linalg.solve`` over the S mean-field
systems — and a point the network refuses is flagged instead of raising.  :func:`network_model` runs the
same functions on a batch of no points.
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
            if not _g0_ok(g):
                raise ParameterError("g0", self.g0, "g0/2π ≥ 0 (Hz), or unset to derive it from length")
            object.__setattr__(self, "g0", g)
        if self.params.shape:
            raise ParameterError("node parameters", "arrays", "scalars (one network at a time)")
        total = float(_split_total(self.params.kappa_r_fraction, self.params.kappa_l_fraction, f))
        if total > 1.0 + SPLIT_TOLERANCE:
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
        return _rates_at(self, {}, ())[0]


#: κ_R + κ_L + κ_p may exceed κ by this much (fractions given as rounded decimals)
SPLIT_TOLERANCE = 1e-12


def _fraction_ok(value) -> np.ndarray:
    v = np.asarray(value, dtype=float)
    return np.isfinite(v) & (v >= 0.0) & (v <= 1.0)


def _fraction(name, value) -> float:
    v = float(value)
    if not _fraction_ok(v):
        raise ParameterError(name, value, f"0 ≤ {name} ≤ 1")
    return v


def _g0_ok(value) -> np.ndarray:
    v = np.asarray(value, dtype=float)
    return np.isfinite(v) & (v >= 0.0)


def _split_total(kappa_r_fraction, kappa_l_fraction, kappa_pump_fraction):
    """(κ_R + κ_L + κ_p)/κ, which may not exceed 1 (+ :data:`SPLIT_TOLERANCE`)."""
    return np.asarray(kappa_r_fraction) + np.asarray(kappa_l_fraction) + np.asarray(kappa_pump_fraction)


def _valid(field_name: str, values: np.ndarray) -> np.ndarray:
    """Where each of ``values`` is allowed for the node or link field ``field_name`` (the checks of
    :class:`Parameters`, :class:`Node` and :class:`Link`), same shape as ``values``."""
    if field_name == "kappa_pump_fraction":
        return _fraction_ok(values)
    if field_name == "g0":
        return _g0_ok(values)
    spec = SPECS["dtheta_pi" if field_name == "pump_phase_pi" else field_name]
    try:
        spec.validate(values)  # one vectorized check: every value allowed (the usual case)
        return np.ones(np.shape(values), bool)
    except ParameterError:
        pass
    # some value is refused: find which, one distinct value at a time (a sweep axis holds few distinct values)
    distinct, where = np.unique(values, return_inverse=True)
    return np.array([_accepts(spec, v) for v in distinct], bool)[where.reshape(np.shape(values))]


def _accepts(spec, value) -> bool:
    try:
        spec.validate(float(value))
    except ParameterError:
        return False
    return True


def _node_rates(p: Parameters, kappa_pump_fraction, pump_phase_pi, g0, port: str, coupling: str) -> dict:
    """One node's rates (rad/s) and pump amplitude β (s^-1/2); every argument may be an array of points."""
    kap = p.kappa_rad
    kr, kl, kp = kap * p.kappa_r_fraction, kap * p.kappa_l_fraction, kap * np.asarray(kappa_pump_fraction)
    beta = p.photon_flux_amplitude * np.exp(-1j * np.pi * np.asarray(pump_phase_pi))
    return {"kappa": kap, "kappa_R": kr, "kappa_L": kl, "kappa_p": kp, "kappa_0": np.maximum(kap - kr - kl - kp, 0.0),
            "delta": p.delta, "omega_m": p.omega_m_rad, "gamma_m": p.gamma_m_rad, "n_m": p.n_m,
            "g0": p.g0(coupling) if g0 is None else 2 * np.pi * np.asarray(g0),
            "beta": beta * (0.0 if port == "none" else 1.0)}


def _rates_at(net: Network, values: dict[str, np.ndarray], batch: tuple) -> tuple[dict, dict, np.ndarray]:
    """Per-node rates, per-link transmissions and where the network can be built, at points of shape ``batch``.

    ``values`` maps assignment names (as :func:`apply_assignments`: unqualified first, then ``nodeK.``/``linkK.``)
    to arrays of shape ``batch``.  A point the network refuses (a value out of range, κ_R + κ_L + κ_p > κ,
    decay into a channel it lacks) has ``built`` False and is given the network's own values, so that its
    numbers stay finite.

    Returns
    -------
    rates : dict of ndarray, shape batch + (N,)
        κ, κ_R, κ_L, κ_p, κ_0, Δ, ω_m, γ_m, n_m, g0 (rad/s) and pump amplitudes β_j (s^-1/2).
    links : dict of ndarray, shape batch + (N − 1,)
        ``eta`` and ``phi_pi`` of each link.
    built : ndarray of bool, shape batch
    """
    every_node, every_link, per = _grouped(values)
    built = np.ones(batch, bool)
    for name, v in values.items():
        built &= _valid(name.rpartition(".")[2], v)
    node_values = [{**every_node, **per.get(("node", j), {})} for j in range(net.n_nodes)]
    for nd, vals in zip(net.nodes, node_values):
        fr = {f: vals.get(f, getattr(nd.params, f)) for f in ("kappa_r_fraction", "kappa_l_fraction")}
        built &= _split_total(*fr.values(), vals.get("kappa_pump_fraction", nd.kappa_pump_fraction)) \
            <= 1.0 + SPLIT_TOLERANCE
        for c in ("R", "L"):
            if c not in net.channel_names:
                built &= ~np.greater(fr[f"kappa_{c.lower()}_fraction"], 0.0)

    def at(vals: dict, name: str, own):  # the points' values where built, the network's own elsewhere
        return np.where(built, vals[name], own) if name in vals else own

    per_node: dict[str, list] = {}
    for j, (nd, vals) in enumerate(zip(net.nodes, node_values)):
        changed = {f: at(vals, f, getattr(nd.params, f)) for f in NODE_PARAMETERS if f in vals}
        p = nd.params.replace(**changed) if changed else nd.params
        g0 = at(vals, "g0", 0.0 if nd.g0 is None else nd.g0) if "g0" in vals else nd.g0
        r = _node_rates(p, at(vals, "kappa_pump_fraction", nd.kappa_pump_fraction),
                        at(vals, "pump_phase_pi", nd.pump_phase_pi), g0, net.pump_port(j), net.coupling)
        for k, v in r.items():
            per_node.setdefault(k, []).append(v)
    link_values = [{**every_link, **per.get(("link", k), {})} for k in range(net.n_nodes - 1)]
    per_link = {f: [at(vals, f, getattr(lk, f)) for lk, vals in zip(net.links, link_values)] for f in LINK_PARAMETERS}
    return _stacked(per_node, batch), _stacked(per_link, batch), built


def _stacked(columns: dict[str, list], batch: tuple) -> dict[str, np.ndarray]:
    """Per node (or link) values, each a scalar or an array of shape ``batch``, as arrays batch + (N,)."""
    if not batch:  # one network: plain arrays, without the cost of broadcasting each value
        return {k: np.array(v) if v else np.zeros(0) for k, v in columns.items()}
    return {k: np.stack([np.broadcast_to(x, batch) for x in v], axis=-1) if v else np.zeros(batch + (0,))
            for k, v in columns.items()}


# -------------------------------------------------------------------- the channels, node by node
def _channel_fields(net: Network, channel: str, rates: dict, links: dict) -> tuple[np.ndarray, np.ndarray, list, list]:
    """For one channel: the field arriving at each node, and the jump operators it leaves (at points of any
    batch shape: ``rates`` and ``links`` as returned by :func:`_rates_at`).

    Returns (C_in, d_in, jumps, labels): a_in,c,j = Σ_k C_in[..., j, k] a_k + d_in[..., j] (d: the pumps,
    classical), and the loss/output jump operators as complex coefficient vectors on (a_1 … a_N), shape
    batch + (N,) (a link of η = 1 loses nothing: its jump is zero).
    """
    n = net.n_nodes
    batch = rates["kappa"].shape[:-1]
    kc = np.sqrt(2.0 * rates[f"kappa_{channel}"])
    C_in = np.zeros(batch + (n, n), complex)
    d_in = np.zeros(batch + (n,), complex)
    cur = np.zeros(batch + (n,), complex)  # the travelling field (operator part), on the cavity modes
    cur_d = np.zeros(batch, complex)  # the travelling pump amplitude
    jumps, labels = [], []
    order = net.order(channel)
    for pos, j in enumerate(order):
        if pos > 0:
            k = min(order[pos - 1], j)
            eta = links["eta"][..., k]
            t = np.sqrt(eta) * np.exp(1j * np.pi * links["phi_pi"][..., k])
            jumps.append(np.sqrt(1.0 - eta)[..., None] * cur)
            labels.append(f"channel {channel}: loss in link {k + 1}")
            cur, cur_d = t[..., None] * cur, t * cur_d
        if net.pump_port(j) == channel:
            cur_d = cur_d + rates["beta"][..., j]
        C_in[..., j, :], d_in[..., j] = cur, cur_d
        # the node's output: a_out = a_in − √(2κ_c) a (mean fields); SLH L → L_in + √(2κ_c) a (operators)
        cur = cur.copy()
        cur[..., j] += kc[..., j]
    jumps.append(cur)
    labels.append(f"channel {channel}: output")
    return C_in, d_in, jumps, labels


def _channels(net: Network, rates: dict, links: dict) -> dict:
    return {c: _channel_fields(net, c, rates, links) for c in net.channel_names}


def _solve(M: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x with M x = b for stacked systems M (..., n, n), b (..., n), and where each was solved.

    One system alone raises :class:`numpy.linalg.LinAlgError` when singular; in a stack the singular ones get
    NaN (found one at a time: that happens only on a set of measure zero, e.g. a dark mode at zero detuning).
    """
    try:
        return np.linalg.solve(M, b[..., None])[..., 0], np.ones(M.shape[:-2], bool)
    except np.linalg.LinAlgError:
        if M.ndim == 2:
            raise
    x = np.full(b.shape, np.nan, complex)
    solved = np.zeros(M.shape[:-2], bool)
    for ix in np.ndindex(M.shape[:-2]):
        try:
            x[ix], solved[ix] = np.linalg.solve(M[ix], b[ix]), True
        except np.linalg.LinAlgError:
            pass
    return x, solved


def _mean_fields(net: Network, rates: dict, channels: dict) -> tuple[MeanFields, np.ndarray]:
    """α_j, β_j at the nodes' effective detunings (module docstring, Mean fields), at points of any batch shape;
    and where the linear system for α could be solved."""
    r = rates
    n = net.n_nodes
    i = np.arange(n)
    M = np.zeros(r["kappa"].shape + (n,), complex)
    M[..., i, i] = -(1j * r["delta"] + r["kappa"])
    own = np.array([net.pump_port(j) == "own" for j in range(n)])
    s = np.sqrt(2.0 * r["kappa_p"]) * np.where(own, r["beta"], 0.0)
    for c, (C_in, d_in, _, _) in channels.items():
        # a_in as operators is Σ C a with SLH's sign (L_in = … + √(2κ) a); the classical field leaving a node
        # is a_in − √(2κ) a, i.e. the same travelling sum with the cavity term's sign flipped
        kc = np.sqrt(2.0 * r[f"kappa_{c}"])
        M -= kc[..., :, None] * C_in
        s = s + kc * d_in
    alpha, solved = _solve(M, -s)
    beta = 1j * r["g0"] * np.abs(alpha) ** 2 / (1j * r["omega_m"] + r["gamma_m"])
    bare = r["delta"] + 2.0 * r["g0"] * beta.real
    return MeanFields(alpha=alpha, beta=beta, delta=r["delta"], bare_detuning=bare, units="consistent"), solved


def _lindblad(net: Network, rates: dict, channels: dict, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray, list]:
    """Quadrature H_m (..., 4N, 4N), every jump vector (..., K, 4N) — zero ones included, so that every point
    of a stack has the same K — and their labels; modes (a_1 … a_N, b_1 … b_N)."""
    r = rates
    n = net.n_nodes
    d = 4 * n
    batch = np.shape(alpha)[:-1]
    j = np.arange(n)
    xa, ya, xb, yb = 2 * j, 2 * j + 1, 2 * (n + j), 2 * (n + j) + 1
    H = np.zeros(batch + (d, d))
    H[..., xa, xa] = H[..., ya, ya] = r["delta"]
    H[..., xb, xb] = H[..., yb, yb] = r["omega_m"]
    lam = 2.0 * r["g0"] * alpha
    H[..., xa, xb] = H[..., xb, xa] = -lam.real
    H[..., ya, xb] = H[..., xb, ya] = -lam.imag
    # ladder-form Hamiltonian ½ ξ† M ξ for the cavity–cavity terms, ξ = (a_1, a_1†, …, b_N, b_N†)
    Mc = np.zeros(batch + (d, d), complex)
    ev, od = slice(0, 2 * n, 2), slice(1, 2 * n, 2)  # a_j and a_j† in ξ
    ladder, labels = [], []
    for c, (C_in, _, js, ls) in channels.items():
        # series product: H += (1/2i)(l_j† L_in − L_in† l_j) = Σ_jk G_jk a_j† a_k + h.c., G_jk = kc_j C_jk / 2i,
        # as ½ ξ† M ξ: M[2j, 2k] = M[2k+1, 2j+1] = G_jk and the Hermitian conjugates
        G = np.sqrt(2.0 * r[f"kappa_{c}"])[..., :, None] * C_in / 2j
        Gt = np.swapaxes(G, -1, -2)
        Mc[..., ev, ev] += G + Gt.conj()
        Mc[..., od, od] += Gt + G.conj()
        for vec in js:
            coeff = np.zeros(batch + (d,), complex)
            coeff[..., ev] = vec
            ladder.append(coeff)
        labels += ls
    H = H + hamiltonian_from_ladder(Mc)
    for jj in range(n):
        for name, rate in (("pump port", r["kappa_p"][..., jj]), ("other loss", r["kappa_0"][..., jj])):
            coeff = np.zeros(batch + (d,), complex)
            coeff[..., 2 * jj] = np.sqrt(2.0 * rate)
            ladder.append(coeff)
            labels.append(f"node {jj + 1}: {name} √(2κ) a{jj + 1}")
        for dag, occ, lab in ((0, r["n_m"][..., jj] + 1.0, "√(2γ_m(n_m+1)) b"), (1, r["n_m"][..., jj], "√(2γ_m n_m) b†")):
            coeff = np.zeros(batch + (d,), complex)
            coeff[..., 2 * (n + jj) + dag] = np.sqrt(2.0 * r["gamma_m"][..., jj] * occ)
            ladder.append(coeff)
            labels.append(f"node {jj + 1}: mirror {lab}{jj + 1}")
    return H, ladder_to_quadrature_vector(np.stack(ladder, axis=-2)), labels


def network_mean_fields(net: Network) -> MeanFields:
    """α_j, β_j at the effective detunings of the nodes (module docstring, Mean fields).

    Raises
    ------
    numpy.linalg.LinAlgError
        When the linear system for α is singular.
    """
    r, links, _ = _rates_at(net, {}, ())
    return _mean_fields(net, r, _channels(net, r, links))[0]


def network_lindblad(net: Network, alpha: np.ndarray) -> LindbladModel:
    """Quadrature H_m and jump vectors of the linearized network, modes (a_1 … a_N, b_1 … b_N); jumps that
    vanish (a lossless link, an empty port, a mirror at n_m = 0's heating) are left out."""
    r, links, _ = _rates_at(net, {}, ())
    return _one_lindblad(net, r, _channels(net, r, links), alpha)


def _one_lindblad(net: Network, rates: dict, channels: dict, alpha) -> LindbladModel:
    H, jumps, labels = _lindblad(net, rates, channels, np.asarray(alpha))
    keep = np.any(jumps != 0, axis=-1)
    return LindbladModel(hamiltonian=H, jumps=jumps[keep], modes=net.modes,
                         labels=tuple(lab for lab, k in zip(labels, keep) if k))


def network_model(net: Network, mf: MeanFields | None = None) -> LinearModel:
    """The linearized network as a :class:`LinearModel` (label ``'network'``, modes a1 … aN, b1 … bN).

    One point of :func:`network_points` (the same functions, on a batch of no points).
    """
    r, links, _ = _rates_at(net, {}, ())
    channels = _channels(net, r, links)
    mf = _mean_fields(net, r, channels)[0] if mf is None else mf
    lind = _one_lindblad(net, r, channels, mf.alpha)
    A, D = drift_and_diffusion(lind.hamiltonian, lind.jumps)
    return LinearModel(drift=A, diffusion=D, mean_fields=mf, lindblad=lind, modes=net.modes, label="network",
                       network=net)


@dataclass(frozen=True, kw_only=True)
class NetworkPoints:
    """A network at S parameter points, built together (:func:`network_points`).

    Attributes
    ----------
    drift, diffusion : ndarray, shape (S, 4N, 4N)
        A and D (s⁻¹) of each point, modes (a_1 … a_N, b_1 … b_N); NaN where not built.
    mean_fields : MeanFields
        α, β, Δ and bare detunings, shape (S, N); NaN where not built.
    built : ndarray of bool, shape (S,)
        False where the network cannot be built at that point (a value out of range, κ_R + κ_L + κ_p > κ,
        decay into a channel it lacks, a singular mean-field system): where :func:`apply_assignments` and
        :func:`network_model` would raise.
    modes : tuple of str
    """

    drift: np.ndarray
    diffusion: np.ndarray
    mean_fields: MeanFields
    built: np.ndarray
    modes: tuple[str, ...]

    @property
    def photon_numbers(self) -> np.ndarray:
        """|α_j|², shape (S, N); NaN where not built."""
        return self.mean_fields.photon_numbers

    def __repr__(self) -> str:
        S, N = np.shape(self.mean_fields.alpha)
        return f"NetworkPoints({S} points, {N} nodes, built at {int(np.sum(self.built))})"


def network_points(net: Network, points: dict[str, Any]) -> NetworkPoints:
    """The network at many parameter points at once, as stacked arrays (sweeps and searches over networks).

    Point k is ``network_model(apply_assignments(net, {name: points[name][k], …}))``: the same mean fields
    (one stacked ``np.linalg.solve``), Hamiltonian and jump operators, and (A, D), without a Python loop over
    points.

    Parameters
    ----------
    net : Network
        Every parameter not in ``points``.
    points : dict
        Assignment name (``node2.detuning``, ``link1.phi_pi``, ``power`` for every node, … — see
        :func:`numeric_names`) → values, shape (S,) or scalars; qualified names win over unqualified ones.

    Returns
    -------
    NetworkPoints
        A point where the network cannot be built has ``built`` False and NaN numbers (no error is raised).

    Raises
    ------
    ParameterError
        For a name the network does not have, or values that are not numbers of one shape (S,).
    """
    allowed = numeric_names(net)
    values = {}
    for name, v in points.items():
        if name not in allowed:
            raise ParameterError(name, v, f"a name of this network ({net.n_nodes} nodes): "
                                 + describe_numeric_names(net))
        try:
            values[name] = np.atleast_1d(np.asarray(v, dtype=float))
        except (TypeError, ValueError):
            raise ParameterError(name, v, "numbers") from None
    try:
        batch = np.broadcast_shapes(*(a.shape for a in values.values())) if values else (1,)
    except ValueError:
        batch = None
    if batch is None or len(batch) != 1:
        raise ParameterError("points", {k: np.shape(v) for k, v in values.items()}, "arrays of one shape (S,)")
    values = {k: np.broadcast_to(a, batch) for k, a in values.items()}
    r, links, built = _rates_at(net, values, batch)
    channels = _channels(net, r, links)
    mf, solved = _mean_fields(net, r, channels)
    built = built & solved
    H, jumps, _ = _lindblad(net, r, channels, mf.alpha)
    A, D = drift_and_diffusion(H, jumps)
    bad = ~built
    if np.any(bad):  # nothing of the stand-in values may show
        A[bad] = D[bad] = np.nan
        mf = MeanFields(**{f: (np.where(bad[:, None], np.nan, getattr(mf, f)) if f != "units" else mf.units)
                           for f in ("alpha", "beta", "delta", "bare_detuning", "units")})
    return NetworkPoints(drift=A, diffusion=D, mean_fields=mf, built=built, modes=net.modes)


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


def _grouped(values: dict[str, Any]) -> tuple[dict, dict, dict]:
    """Assignments by where they act: every node, every link, and (``'node'``/``'link'``, 0-based index) → fields."""
    every_node, every_link = {}, {}
    per: dict[tuple[str, int], dict] = {}
    for name, value in values.items():
        scope, _, field_name = name.rpartition(".")
        if scope == "":
            (every_link if field_name in LINK_PARAMETERS else every_node)[field_name] = value
        else:
            kind = "node" if scope.startswith("node") else "link"
            per.setdefault((kind, int(scope[len(kind):]) - 1), {})[field_name] = value
    return every_node, every_link, per


def apply_assignments(net: Network, values: dict[str, Any]) -> Network:
    """Several :func:`apply_assignment` at once, one rebuild per node and link (the optimizer's hot loop).

    Unqualified names (every node, or every link for eta/phi_pi) are applied first, then ``nodeK.``/``linkK.``
    ones, so a qualified value wins over an unqualified one.  Names and values are validated as by
    :func:`apply_assignment` (call it once per name first for its error messages).
    """
    every_node, every_link, per = _grouped(values)
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
