"""Result records: the compiled core's own records, re-exported.

Every record is the C++ struct itself, bound read-only with pybind11 from its
field list (``libsim/include/servesim/metrics/fields.hpp``): one property per
field, documented with its unit, listed in the class attribute ``fields``. So
the JSON keys, the engines' child-process documents and these attributes can
not drift apart (docs/results.md). Times are in seconds, rates in req/s.

"No data" (a statistic of nothing, e.g. the latency of a run that completed
no request) is None on a record; frames show it as NaN, the summary as
"no data".

Examples
--------
>>> result = ss.simulate("scenarios/two-sync-workers.yaml", seed=1)
>>> server = result.record.servers[0]
>>> server.name, "worker_busy_fraction" in ss.records.ServerSummary.fields
('web', True)
"""

from __future__ import annotations

from typing import Any

from servesim._core import (
    BalancedServerStats,
    BalancedServerSummary,
    BalancerStats,
    BalancerSummary,
    BrokerStats,
    BrokerSummary,
    CacheStats,
    CacheSummary,
    ConfidenceInterval,
    ConnectionStats,
    ConnectionSummary,
    DatabaseStats,
    DatabaseSummary,
    EndpointStats,
    EndpointSummary,
    ErrorCounts,
    HostStats,
    HostSummary,
    IntervalStats,
    LatencyBatch,
    LatencyStats,
    LatencySummary,
    LittleCheck,
    ModelServerStats,
    ModelServerSummary,
    Prediction,
    ReplicationResult,
    ServerStats,
    ServerSummary,
    ServiceStats,
    ServiceSummary,
    Stability,
    TaskPoolStats,
    TaskPoolSummary,
)

__all__ = [
    "BalancedServerStats", "BalancedServerSummary", "BalancerStats", "BalancerSummary",
    "BrokerStats", "BrokerSummary", "CacheStats", "CacheSummary", "ConfidenceInterval", "ConnectionStats", "ConnectionSummary",
    "DatabaseStats", "DatabaseSummary", "EndpointStats", "EndpointSummary",
    "ErrorCounts", "HostStats", "HostSummary", "IntervalStats", "LatencyBatch", "LatencyStats", "LatencySummary",
    "LittleCheck", "ModelServerStats", "ModelServerSummary", "Prediction", "ReplicationResult", "ServerStats", "ServerSummary",
    "ServiceStats", "ServiceSummary", "Stability", "TaskPoolStats", "TaskPoolSummary", "as_dict",
]

LATENCY_STATS = LatencyStats.fields
"""``("mean", "p50", "p90", "p95", "p99", "p999", "max")``, in the field list's order."""


def as_dict(record: Any) -> dict[str, Any]:
    """A record's fields as a dict, in its field list's order (nested records stay records).

    >>> ss.records.as_dict(ss.simulate("scenarios/two-sync-workers.yaml", seed=1).latency)["p99"] > 0
    True
    """
    return {name: getattr(record, name) for name in type(record).fields}
