"""The exact M/M/c mean response the benchmarks check the engines against.

Written here, apart from servesim's own solvers, so that a benchmark's check
does not lean on the library it measures.
"""

from __future__ import annotations


def erlang_c_mean_response(lam: float, mean_service: float, servers: int) -> float:
    """Exact M/M/c mean response time in seconds (Erlang C)."""
    a = lam * mean_service
    rho = a / servers
    term = 1.0
    total = 1.0
    for k in range(1, servers):
        term *= a / k
        total += term
    last = term * a / servers / (1 - rho)
    wait_probability = last / (total + last)
    return wait_probability * mean_service / (servers * (1 - rho)) + mean_service
