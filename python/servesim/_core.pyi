"""Type stubs for the compiled core, servesim._core (hand-written; see python/src)."""

import os
from collections.abc import Callable
from typing import Any, Literal

class Error(Exception):
    """Base of every error servesim raises on purpose."""

class ScenarioError(Error):
    """A scenario field is missing, of the wrong type or out of range.

    ``str(e)`` reads ``<path>: <detail>``.
    """

    path: str
    """Dotted path of the bad field, e.g. ``servers.web.workers``; may be empty."""
    detail: str
    """The message without the path."""

class UnstableSystemError(Error):
    """A steady-state answer was asked of a system that has none."""

class NotApplicableError(Error):
    """No analytic model covers this scenario; the message names the field."""

class EngineError(Error):
    """An engine failed for a reason that is not the scenario's fault."""

class Scenario:
    """A parsed and validated scenario (read-only)."""

    @property
    def name(self) -> str: ...
    @property
    def hosts(self) -> list[str]:
        """Host names, in file order."""
    @property
    def servers(self) -> list[str]:
        """Server names, in file order."""
    @property
    def endpoints(self) -> list[str]:
        """Endpoint names, in file order."""
    @property
    def databases(self) -> list[str]:
        """Database names, in file order."""
    @property
    def services(self) -> list[str]:
        """Downstream service names, in file order."""
    @property
    def duration(self) -> float:
        """Simulated seconds per replication."""
    @property
    def warmup(self) -> float | Literal["auto"]:
        """Seconds discarded at the start of each replication."""
    @property
    def replications(self) -> int: ...
    @property
    def seed(self) -> int: ...
    @property
    def uncertain(self) -> list[dict[str, Any]]:
        """The fields given as ranges: [{path, low, mid, high, confidence}] (the scenario holds the mids)."""
    def to_json(self) -> str:
        """The scenario as JSON in the scenario format, every setting explicit (the C++ writer)."""
    def validate(self) -> None:
        """Raises ScenarioError naming the first bad field."""

def parse_scenario(text: str, origin: str = "") -> Scenario:
    """Parses and validates a scenario from YAML or JSON text."""

def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Reads, parses and validates a scenario file."""

class ConfidenceInterval:
    """servesim::ConfidenceInterval: a mean over replications with its two-sided 95 %
    Student-t half-width. Without samples (no data) value and half_width are None."""

    def __init__(self, value: float, half_width: float, samples: int) -> None: ...
    @property
    def value(self) -> float | None:
        """the mean over replications, in the metric's unit; None without data"""
    @property
    def half_width(self) -> float | None:
        """half-width of the 95 % interval; 0 with one replication, None without data"""
    @property
    def samples(self) -> int:
        """replications it is computed from"""
    @property
    def lower(self) -> float | None:
        """value - half_width"""
    @property
    def upper(self) -> float | None:
        """value + half_width"""
    def __contains__(self, value: float) -> bool: ...

class ErrorCounts:
    """servesim::ErrorCounts (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    refused: int  # connections refused: the accept backlog was full
    client_timeout: int  # the client gave up after workload.client_timeout
    unavailable: int  # HTTP 503: above uvicorn's limit_concurrency
    worker_killed: int  # the Gunicorn worker timeout killed the worker serving it
    pool_timeout: int  # no database connection within the pool's timeout
    downstream: int  # a downstream service call failed (HTTP 502)
    out_of_memory: int  # the process serving it went past the server's memory_limit and was killed
    total: int  # failed attempts of every cause

class LatencyStats:
    """servesim::LatencyStats (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    mean: float | None  # mean response time, s
    p50: float | None  # median response time, s (histogram: within 0.39 %)
    p90: float | None  # 90th percentile, s
    p95: float | None  # 95th percentile, s
    p99: float | None  # 99th percentile, s
    p999: float | None  # 99.9th percentile, s
    max: float | None  # largest response time, s

class LittleCheck:
    """servesim::LittleCheck (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    mean_in_system: float  # L: time-average requests queued or in service
    throughput: float  # lambda: completions per second
    mean_response: float  # W: mean time in the server, s
    relative_error: float  # |L - lambda W| / max(L, lambda W); a few percent or more on a long run points at a bug

class Stability:
    """servesim::Stability (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    stable: bool  # the servers kept up with the offered load
    resource: str  # the saturated resource by scenario path ('servers.web.workers', 'hosts.app.cpu'); empty if stable
    capacity: float  # req/s the saturated server answered; 0 if stable
    excess_rate: float  # req/s beyond capacity: queue growth plus requests turned away; 0 if stable

class EndpointStats:
    """servesim::EndpointStats (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    name: str  # the endpoint
    completed: int  # requests answered in the measured window
    throughput: float  # completed / measured duration, req/s
    within_slo: int  # of the completed, answered within the endpoint's SLO from the first attempt (all without an SLO)
    goodput: float  # within_slo / measured duration, req/s
    retries: int  # attempts sent that retried a failed one
    failed: int  # requests whose last allowed attempt failed too
    errors: ErrorCounts  # failed attempts, by cause
    latency: LatencyStats  # response times, s

class ServerStats:
    """servesim::ServerStats (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    name: str  # the server
    worker_busy_fraction: float  # mean fraction of the request runners at work (worker threads for gunicorn sync and  gthread, event loops for uvicorn and gevent), [0, 1]
    gil_busy_fraction: float  # mean fraction of time each process's GIL is held, averaged over processes, [0, 1]
    mean_queue_length: float  # time-average requests waiting: in the backlog, for a thread or for the event loop
    mean_in_system: float  # time-average requests queued or in service
    queued_fraction: float  # fraction of served requests that waited before service began (M/M/c: Erlang C), [0, 1]
    recycled: int  # processes that reached max_requests in the measured window
    memory_killed: int  # processes killed for going past memory_limit in the measured window
    restart_rate: float  # (recycled + memory_killed) per second, 1/s
    peak_memory: float  # largest resident memory of one of its processes in the measured window, bytes

class BalancedServerStats:
    """servesim::BalancedServerStats (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    name: str  # the server
    sent: int  # requests sent to it in the measured window
    share: float  # sent / all the balancer sent, [0, 1]; 0 if it sent none

class BalancerStats:
    """servesim::BalancerStats (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    name: str  # the balancer
    servers: list[BalancedServerStats]  # its servers, in the balancer's order

class HostStats:
    """servesim::HostStats (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    name: str  # the host
    cpu_utilization: float  # busy core-seconds / (cores * seconds), [0, 1]

class DatabaseStats:
    """servesim::DatabaseStats (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    name: str  # the database
    utilization: float  # mean fraction of its connections executing a query, [0, 1]
    mean_queue_length: float  # time-average queries waiting at the database for one of its connections
    mean_pool_wait: float  # mean seconds a checkout waited for a pooled connection (0 for those served at once;  timed-out checkouts excluded)
    pool_wait_fraction: float  # fraction of checkouts that had to wait for a pooled connection, [0, 1]
    queries: int  # queries completed in the measured window
    pool_timeouts: int  # checkouts that waited out the pool's timeout

class ServiceStats:
    """servesim::ServiceStats (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    name: str  # the service
    mean_in_use: float  # time-average calls in progress: the concurrency in use (at most its `concurrency`)
    mean_queue_length: float  # time-average calls waiting for a concurrency slot (0 without a cap)
    calls: int  # calls completed in the measured window, failed or not
    errors: int  # of which failed (the service's error_rate)

class CacheStats:
    """servesim::CacheStats (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    name: str  # the cache store
    utilization: float  # mean fraction of its command threads at work, [0, 1]
    mean_queue_length: float  # time-average commands waiting for a command thread
    mean_wait: float | None  # mean seconds a command waited for a thread (Little's law); None (no data) without commands
    mean_response: float | None  # mean seconds from a command's arrival to its answer (Little's law); None (no data) without commands
    commands: int  # commands completed in the measured window

class ConnectionStats:
    """servesim::ConnectionStats (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    name: str  # the connection group
    server: str  # the server holding its connections
    opened: int  # connections opened in the measured window (with count and no warm-up: all of them, at t = 0)
    refused: int  # connections refused: no process had room (limit_concurrency, worker_connections, file descriptors, or no idle sync worker); a count group's reconnection attempts included
    dropped: int  # connections dropped by a killed process (memory_limit, the arbiter, graceful_timeout) in the measured window
    mean_open: float  # time-average connections open
    messages: int  # messages (stream chunks) handled in the measured window
    messages_dropped: int  # messages running or queued when their process was killed, in the measured window
    message_rate: float  # messages / measured duration, messages/s
    message_latency: LatencyStats  # a message's wait for the loop or worker plus its phases, s
    memory: float  # mean_open times the server's memory.connection, bytes

class BrokerStats:
    """servesim::BrokerStats (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    name: str  # the broker
    utilization: float  # mean fraction of its command threads at work, [0, 1]
    mean_queue_length: float  # time-average publishes waiting for a command thread
    mean_wait: float | None  # mean seconds a publish waited for a thread (Little's law); None (no data) without publishes
    mean_response: float | None  # mean seconds from a publish to its acknowledgement (Little's law); None (no data) without publishes
    messages: int  # tasks published in the measured window

class TaskPoolStats:
    """servesim::TaskPoolStats (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    name: str  # the task pool
    completed: int  # tasks that ended in the measured window
    throughput: float  # completed / measured duration, tasks/s
    utilization: float  # mean fraction of its worker processes running a task, [0, 1]
    mean_queue_length: float  # time-average tasks published and not yet taken
    queue_growth: float  # tasks/s the queue grew by through the second half of the measured window (about 0 when it keeps up)
    wait: LatencyStats  # seconds from publish to a worker taking the task
    run: LatencyStats  # seconds a worker took to run the task

class ModelServerStats:
    """servesim::ModelServerStats (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    name: str  # the model server
    batches: int  # batches started in the measured window
    inferences: int  # requests in those batches
    batch_rate: float  # batches / measured duration, batches/s
    throughput: float  # inferences / measured duration, requests/s
    mean_batch_size: float | None  # inferences / batches; None (no data) without batches
    batch_sizes: list[int]  # batches by size: element k counts batches of k + 1 requests, up to max_batch_size
    utilization: float  # mean fraction of its instances running a batch, [0, 1]
    mean_queue_length: float  # time-average requests waiting for a batch
    queue_delay: LatencyStats  # seconds from a request's arrival to its batch's start

class IntervalStats:
    """servesim::IntervalStats (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    start: float  # start of the interval, s since the run began
    end: float  # end of the interval, s
    arrivals: int  # attempts sent, retries included
    retries: int  # of which retries of failed attempts
    completed: int  # requests answered in the interval
    within_slo: int  # of which within their endpoint's SLO
    errors: int  # failed attempts
    throughput: float  # completed / (end - start), req/s
    mean_latency: float | None  # mean response time of the requests completed in it, s; None (no data) if none
    p50: float | None  # their median, s, within 3.1 %; None (no data) if none
    p99: float | None  # their 99th percentile, s, within 3.1 %; None (no data) if none
    mean_queue_length: list[float]  # per server: time-average requests waiting
    worker_busy_fraction: list[float]  # per server: fraction of its threads or event loops at work, [0, 1]
    cpu_utilization: list[float]  # per host: busy fraction of its cores, [0, 1]

class LatencyBatch:
    """servesim::LatencyBatch (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    start: float  # start of its first interval, s since the run began
    end: float  # end of its last interval, s
    completed: int  # requests answered in it
    p50: float | None  # their median, s, within 0.39 %; None (no data) if none
    p90: float | None  # their 90th percentile, s, within 0.39 %; None (no data) if none
    p99: float | None  # their 99th percentile, s, within 0.39 %; None (no data) if none
    p999: float | None  # their 99.9th percentile, s, within 0.39 %; None (no data) if none

class ReplicationResult:
    """servesim::ReplicationResult (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    index: int  # the replication's index (its random streams' key)
    warmup: float  # seconds discarded at the start
    measured_duration: float  # seconds measured after warm-up
    arrivals: int  # attempts sent in the measured window, retries included
    retries: int  # of which retries of failed attempts
    completed: int  # requests answered in the measured window
    throughput: float  # completed / measured_duration, req/s
    within_slo: int  # of the completed, within their endpoint's SLO
    goodput: float  # within_slo / measured_duration, req/s
    failed: int  # requests that failed on every allowed attempt
    errors: ErrorCounts  # failed attempts, by cause
    latency: LatencyStats  # response times, s
    endpoints: list[EndpointStats]  # per endpoint, in scenario order
    servers: list[ServerStats]  # per server, in scenario order
    hosts: list[HostStats]  # per host, in scenario order
    databases: list[DatabaseStats]  # per database, in scenario order
    services: list[ServiceStats]  # per downstream service, in scenario order
    caches: list[CacheStats]  # per cache store, in scenario order
    connections: list[ConnectionStats]  # per connection group, in scenario order
    brokers: list[BrokerStats]  # per message broker, in scenario order
    task_workers: list[TaskPoolStats]  # per task pool, in scenario order
    model_servers: list[ModelServerStats]  # per model server, in scenario order
    balancers: list[BalancerStats]  # per balancer, in scenario order
    little: LittleCheck  # Little's law check on the measured window
    timeline: list[IntervalStats]  # time-series intervals over the whole run, warm-up included
    latency_batches: list[LatencyBatch]  # the measured intervals in batches, with each batch's own latency quantiles (plan's batch means)
    events: int  # events the engine processed (for benchmarks)
    stability: Stability  # whether the servers kept up (judged by simulate())

class LatencySummary:
    """servesim::LatencySummary (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    mean: ConfidenceInterval  # mean response time, s
    p50: ConfidenceInterval  # median response time, s
    p90: ConfidenceInterval  # 90th percentile, s
    p95: ConfidenceInterval  # 95th percentile, s
    p99: ConfidenceInterval  # 99th percentile, s
    p999: ConfidenceInterval  # 99.9th percentile, s
    max: float | None  # largest response time over all replications, s
    def values(self) -> LatencyStats:
        """The values (means over replications) and max, as LatencyStats."""

class EndpointSummary:
    """servesim::EndpointSummary (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    name: str  # the endpoint
    completed: int  # requests answered, summed over replications
    throughput: ConfidenceInterval  # completed per second, req/s
    goodput: ConfidenceInterval  # completions within the endpoint's SLO per second, req/s
    retries: int  # retry attempts, summed over replications
    failed: int  # requests that failed every attempt, summed
    errors: ErrorCounts  # failed attempts by cause, summed over replications
    latency: LatencySummary  # response times, s

class ServerSummary:
    """servesim::ServerSummary (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    name: str  # the server
    worker_busy_fraction: ConfidenceInterval  # mean fraction of its request runners (threads or event loops) at work, [0, 1]
    gil_busy_fraction: ConfidenceInterval  # mean fraction of time its processes' GILs are held, [0, 1]
    mean_queue_length: ConfidenceInterval  # time-average requests waiting (backlog, for a thread or for the event loop)
    queued_fraction: ConfidenceInterval  # fraction of served requests that waited before service began, [0, 1]
    recycled: int  # processes restarted at max_requests, summed over replications
    memory_killed: int  # processes killed past memory_limit, summed over replications
    restart_rate: ConfidenceInterval  # processes recycled or killed per second, 1/s
    peak_memory: float  # largest resident memory of one of its processes over all replications, bytes

class BalancedServerSummary:
    """servesim::BalancedServerSummary (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    name: str  # the server
    sent: int  # requests sent to it, summed over replications
    share: ConfidenceInterval  # its share of the balancer's requests, [0, 1]

class BalancerSummary:
    """servesim::BalancerSummary (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    name: str  # the balancer
    servers: list[BalancedServerSummary]  # its servers, in the balancer's order

class HostSummary:
    """servesim::HostSummary (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    name: str  # the host
    cpu_utilization: ConfidenceInterval  # busy fraction of its cores, [0, 1]
    static_memory: float  # resident memory of its server processes and their threads, bytes
    memory: float  # static_memory plus memory.connection x time-average requests in its servers, bytes

class DatabaseSummary:
    """servesim::DatabaseSummary (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    name: str  # the database
    utilization: ConfidenceInterval  # mean fraction of its connections executing a query, [0, 1]
    mean_queue_length: ConfidenceInterval  # time-average queries waiting at the database
    mean_pool_wait: ConfidenceInterval  # mean wait of a checkout for a pooled connection, s
    pool_wait_fraction: ConfidenceInterval  # fraction of checkouts that waited, [0, 1]
    queries: int  # queries completed, summed over replications
    pool_timeouts: int  # checkouts that timed out, summed over replications

class ServiceSummary:
    """servesim::ServiceSummary (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    name: str  # the service
    mean_in_use: ConfidenceInterval  # time-average calls in progress
    mean_queue_length: ConfidenceInterval  # time-average calls waiting for a concurrency slot
    calls: int  # calls completed, summed over replications
    errors: int  # of which failed, summed over replications

class CacheSummary:
    """servesim::CacheSummary (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    name: str  # the cache store
    utilization: ConfidenceInterval  # mean fraction of its command threads at work, [0, 1]
    mean_queue_length: ConfidenceInterval  # time-average commands waiting for a command thread
    mean_wait: ConfidenceInterval  # mean wait of a command for a thread, s
    mean_response: ConfidenceInterval  # mean time from a command's arrival to its answer, s
    commands: int  # commands completed, summed over replications

class ConnectionSummary:
    """servesim::ConnectionSummary (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    name: str  # the connection group
    server: str  # the server holding its connections
    opened: int  # connections opened, summed over replications
    refused: int  # connections refused, summed over replications
    dropped: int  # connections dropped by killed processes, summed over replications
    mean_open: ConfidenceInterval  # time-average connections open
    messages: int  # messages (stream chunks) handled, summed over replications
    messages_dropped: int  # messages lost with killed processes, summed over replications
    message_rate: ConfidenceInterval  # messages handled per second
    message_latency: LatencySummary  # a message's wait for the loop or worker plus its phases, s
    memory: ConfidenceInterval  # memory its open connections hold (mean_open x memory.connection), bytes

class BrokerSummary:
    """servesim::BrokerSummary (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    name: str  # the broker
    utilization: ConfidenceInterval  # mean fraction of its command threads at work, [0, 1]
    mean_queue_length: ConfidenceInterval  # time-average publishes waiting for a command thread
    mean_wait: ConfidenceInterval  # mean wait of a publish for a thread, s
    mean_response: ConfidenceInterval  # mean time from a publish to its acknowledgement, s
    messages: int  # tasks published, summed over replications

class TaskPoolSummary:
    """servesim::TaskPoolSummary (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    name: str  # the task pool
    completed: int  # tasks that ended, summed over replications
    throughput: ConfidenceInterval  # tasks/s
    utilization: ConfidenceInterval  # mean fraction of its worker processes running a task, [0, 1]
    mean_queue_length: ConfidenceInterval  # time-average tasks published and not yet taken
    queue_growth: ConfidenceInterval  # tasks/s the queue grew by through the second half of the window
    wait: LatencySummary  # seconds from publish to a worker taking the task
    run: LatencySummary  # seconds a worker took to run the task

class ModelServerSummary:
    """servesim::ModelServerSummary (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    name: str  # the model server
    batches: int  # batches started, summed over replications
    inferences: int  # requests in those batches, summed over replications
    batch_rate: ConfidenceInterval  # batches/s
    throughput: ConfidenceInterval  # inferences/s
    mean_batch_size: ConfidenceInterval  # requests per batch
    batch_sizes: list[int]  # batches by size, summed over replications: element k counts batches of k + 1 requests
    utilization: ConfidenceInterval  # mean fraction of its instances running a batch, [0, 1]
    mean_queue_length: ConfidenceInterval  # time-average requests waiting for a batch
    queue_delay: LatencySummary  # seconds from a request's arrival to its batch's start

class Result:
    """servesim::Result (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    scenario: str  # the scenario's name
    seed: int  # the seed the replications' random streams derive from
    completed: int  # requests answered in the measured windows, summed
    throughput: ConfidenceInterval  # completed requests per second of measured time, req/s
    goodput: ConfidenceInterval  # completions within their endpoint's SLO per second (all completions without one), req/s
    retries: int  # retry attempts sent, summed over replications
    failed: int  # requests that failed on every allowed attempt, summed
    errors: ErrorCounts  # failed attempts by cause, summed over replications
    error_rate: float  # failed attempts / (completed + failed attempts), pooled, [0, 1]: the share of answers that were errors
    failure_rate: float  # failed / (completed + failed), pooled, [0, 1]: requests that got no answer however often tried
    latency: LatencySummary  # response times, s
    endpoints: list[EndpointSummary]  # per endpoint, in scenario order
    servers: list[ServerSummary]  # per server, in scenario order
    hosts: list[HostSummary]  # per host, in scenario order
    databases: list[DatabaseSummary]  # per database, in scenario order
    services: list[ServiceSummary]  # per downstream service, in scenario order
    caches: list[CacheSummary]  # per cache store, in scenario order
    connections: list[ConnectionSummary]  # per connection group, in scenario order
    brokers: list[BrokerSummary]  # per message broker, in scenario order
    task_workers: list[TaskPoolSummary]  # per task pool, in scenario order
    model_servers: list[ModelServerSummary]  # per model server, in scenario order
    balancers: list[BalancerSummary]  # per balancer, in scenario order
    little: LittleCheck  # Little's law check, means over replications
    stability: Stability  # whether the servers kept up; unstable if any replication is
    replications: list[ReplicationResult]  # each replication's own numbers

class Prediction:
    """servesim::Prediction (read-only; its C++ field list, docs in help())."""

    fields: tuple[str, ...]
    scenario: str  # the scenario's name
    server: str  # the server modelled
    host: str  # its host
    model: str  # the queueing model used, in words
    assumptions: list[str]  # what the numbers take for granted
    saturated: bool  # the offered load reaches the saturation rate: the backlog is full and the excess is refused  (open workloads; closed ones saturate gracefully)
    offered_rate: float  # open: the workload's rate; closed: throughput + errors, req/s
    throughput: float  # completed requests per second, req/s
    saturation_rate: float  # the most the server completes per second, req/s
    saturation_population: float | None  # closed workloads: N* = (E[S] + Z) x saturation_rate, the users at which the server saturates  (Lazowska et al. 1984, 5.2); None for open ones
    error_rate: float  # share of requests refused (backlog full) or answered 503, [0, 1]
    error_kind: str  # what the errors are: 'refused' (backlog full) or 'unavailable' (503 above limit_concurrency)
    latency: LatencyStats  # response time, s: exact mean within the model, percentiles from a two-moment (gamma) fit;  max is +inf
    worker_busy_fraction: float  # busy slots (workers, threads) or event-loop busy fraction, [0, 1]
    cpu_utilization: float  # busy fraction of the host's cores, [0, 1]
    mean_in_system: float  # requests queued or in service, whole server
    mean_queue_length: float  # requests waiting for a slot, whole server
    queued_fraction: float  # accepted requests that waited for a slot, [0, 1]
    def to_json(self, indent: int = 2) -> str:
        """The prediction as JSON text (indent < 0: one line)."""
    def summary(self) -> str:
        """A readable table of the prediction, its model and its assumptions."""


def result_to_json(result: Result, indent: int = -1) -> str:
    """The result's JSON (servesim::to_json); indent < 0: one line."""

def result_from_json(text: str) -> Result:
    """Reads a result's JSON back; EngineError names a missing or unknown key."""
def document_to_json(text: str, origin: str = "") -> str:
    """A YAML or JSON document as JSON text, read as the C++ parsers read it."""

class Comparison:
    """A parsed and validated comparison (read-only)."""

    @property
    def name(self) -> str: ...
    @property
    def question(self) -> str: ...
    @property
    def hosts(self) -> list[str]: ...
    @property
    def deployments(self) -> list[str]: ...
    @property
    def databases(self) -> list[str]: ...
    @property
    def services(self) -> list[str]: ...
    @property
    def brokers(self) -> list[str]: ...
    @property
    def task_workers(self) -> list[str]: ...
    @property
    def cases(self) -> list[str]: ...
    @property
    def users(self) -> list[int]: ...
    def connection_groups(self, case: str) -> list[str]:
        """The names of a case's connection groups, in file order (none for most cases)."""
    def scenario(self, deployment: str, case: str, users: int) -> Scenario:
        """The scenario of one deployment, case and number of users."""

def parse_comparison(text: str, origin: str = "") -> Comparison:
    """Parses and validates a comparison from YAML or JSON text."""

def load_comparison(path: str | os.PathLike[str]) -> Comparison:
    """Reads, parses and validates a comparison file."""

def simulate(
    scenario: Scenario,
    threads: int = 0,
    seed: int | None = None,
    replications: int | None = None,
    on_progress: Callable[[float], None] | None = None,
    engine: str = "native",
    process_timeout: float = 0.0,
) -> Result:
    """Runs ``engine`` ('native' or 'simgrid'; GIL released); returns the result record.

    ``on_progress`` gets the fraction done in (0, 1]; an exception from it, or
    Ctrl-C, cancels the run. ``process_timeout``: 'simgrid' only, wall-clock
    seconds per replication's process, 0 = no limit."""

def cancel_simulations() -> None:
    """Stops every simulate() running in this process within 50 ms (KeyboardInterrupt)."""

def engine_available(engine: str) -> bool:
    """Whether ``engine`` ('native' or 'simgrid') can run here."""

Station = tuple[str, str, float, int]
"""(name, kind 'queue' | 'delay' | 'multi_server', demand s, servers)."""
UserClass = tuple[str, int, float, list[float]]
"""(name, users, think time s, demands s per station)."""

class _Analytic:
    """The submodule servesim._core.analytic: queueing models (see servesim.analytic).
    Times in seconds, rates per second; structs come back as dicts."""

    @staticmethod
    def erlang_b(servers: int, offered_load: float) -> float: ...
    @staticmethod
    def erlang_c(servers: int, offered_load: float) -> float: ...
    @staticmethod
    def mmc(arrival_rate: float, service_rate: float, servers: int) -> dict[str, float]: ...
    @staticmethod
    def mmc_wait_quantile(arrival_rate: float, service_rate: float, servers: int, p: float) -> float: ...
    @staticmethod
    def mmc_response_quantile(arrival_rate: float, service_rate: float, servers: int,
                              p: float) -> float: ...
    @staticmethod
    def mmc_response_exceedance(arrival_rate: float, service_rate: float, servers: int,
                                response: float) -> float: ...
    @staticmethod
    def mmc_servers_for_mean_wait(arrival_rate: float, service_rate: float,
                                  max_mean_wait: float) -> int: ...
    @staticmethod
    def mmc_servers_for_wait_probability(arrival_rate: float, service_rate: float,
                                         max_wait_probability: float) -> int: ...
    @staticmethod
    def mmc_servers_for_response_quantile(arrival_rate: float, service_rate: float, p: float,
                                          max_response: float) -> int: ...
    @staticmethod
    def mmck(arrival_rate: float, service_rate: float, servers: int, capacity: int) -> dict[str, float]: ...
    @staticmethod
    def mmck_ctmc(arrival_rate: float, service_rate: float, servers: int,
                  capacity: int) -> dict[str, float]: ...
    @staticmethod
    def mmcn(users: int, think_time: float, service_rate: float, servers: int) -> dict[str, float]: ...
    @staticmethod
    def mg1_mean_response(arrival_rate: float, mean_service: float, service_scv: float) -> float: ...
    @staticmethod
    def mg1_ps_mean_response(arrival_rate: float, mean_work: float) -> float: ...
    @staticmethod
    def mgc_ps_mean_response(arrival_rate: float, mean_work: float, cores: int) -> float: ...
    @staticmethod
    def ggc(arrival_rate: float, arrival_scv: float, mean_service: float, service_scv: float,
            servers: int, method: str) -> dict[str, float]: ...
    @staticmethod
    def mva(stations: list[Station], users: int, think_time: float, method: str) -> dict[str, Any]: ...
    @staticmethod
    def mva_curve(stations: list[Station], users: int, think_time: float) -> list[dict[str, Any]]: ...
    @staticmethod
    def mva_multiclass(stations: list[Station], classes: list[UserClass],
                       method: str) -> dict[str, Any]: ...
    @staticmethod
    def closed_network_bounds(stations: list[Station], users: int,
                              think_time: float) -> dict[str, float]: ...
    @staticmethod
    def usl_fit(concurrency: list[float], throughput: list[float], amdahl: bool) -> dict[str, float]: ...
    @staticmethod
    def usl_throughput(concurrency: float, sigma: float, kappa: float, lambda_: float) -> float: ...
    @staticmethod
    def estimate(scenario: Scenario) -> Prediction:
        """servesim::estimate: the analytic Prediction (see servesim.estimation)."""

analytic: _Analytic

class _Plan:
    """The submodule servesim._core.plan: overrides, resource loads, saturation
    (see servesim.saturation). Structs come back as dicts."""

    @staticmethod
    def with_overrides(scenario: Scenario, overrides: list[tuple[str, str]]) -> Scenario: ...
    @staticmethod
    def scenario_text(scenario: Scenario) -> str: ...
    @staticmethod
    def resource_loads(scenario: Scenario) -> list[dict[str, Any]]: ...
    @staticmethod
    def bottlenecks(scenario: Scenario, result: Result) -> list[dict[str, Any]]: ...
    @staticmethod
    def saturation_population(scenario: Scenario) -> float: ...
    @staticmethod
    def parse_slo_term(metric: str, value: str) -> tuple[str, float]: ...
    @staticmethod
    def find_saturation(scenario: Scenario, slo: list[tuple[str, str]], tolerance: float = 0.02,
                        engine: str = "native", seed: int | None = None, threads: int = 0,
                        on_progress: Callable[[float], None] | None = None,
                        draws: int = 0) -> dict[str, Any]: ...

    @staticmethod
    def cheapest(scenario: Scenario, spec: str | None = None, engine: str = "native",
                 seed: int | None = None, confirm_replications: int = 3, prune: bool = True,
                 threads: int = 0,
                 on_progress: Callable[[int, int], None] | None = None,
                 draws: int | None = None, confidence: float = 0.95) -> dict[str, Any]:
        """servesim::plan: the cheapest candidate of the plan's space meeting its SLO, as a dict
        (spec, load, feasible, chosen, candidates, scenario (the chosen Scenario), result (its
        Result) or None,
        simulations, wall_seconds, explanation); `spec` is a plan: section whose keys replace
        the scenario's own."""

plan: _Plan
"""Overrides, bottlenecks and saturation searches (see servesim.saturation)."""
