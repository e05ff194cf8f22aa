"""Erlang B and C: the M/M/c results the simulator is checked against.

With Poisson arrivals (rate λ), exponential service (rate μ) and c servers, the offered load is
a = λ/μ. Erlang C gives the probability that an arrival has to wait and, from it, the mean wait
Wq = C / (cμ − λ). Factorials overflow long before c = 150, so C is computed from Erlang B with
the recursion B₀ = 1, B_k = a·B_{k−1} / (k + a·B_{k−1}), then C = B / (1 − ρ(1 − B)), ρ = a/c.

    >>> round(erlang_c(servers=3, offered_load=2.0), 6)  # FACTS.md: 4/9
    0.444444
"""

from __future__ import annotations


def erlang_b(servers: int, offered_load: float) -> float:
    """Blocking probability of M/M/c/c (no waiting room)."""
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = offered_load * blocking / (k + offered_load * blocking)
    return blocking


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arrival waits in M/M/c (requires offered_load < servers)."""
    if offered_load >= servers:
        raise ValueError(f"unstable queue: offered load {offered_load} ≥ {servers} servers")
    blocking = erlang_b(servers, offered_load)
    utilisation = offered_load / servers
    return blocking / (1.0 - utilisation * (1.0 - blocking))


def mean_wait_s(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Mean time in the queue (before service) in M/M/c, in the units of 1/rate."""
    waiting = erlang_c(servers, arrival_rate / service_rate)
    return waiting / (servers * service_rate - arrival_rate)
