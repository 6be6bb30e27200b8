#pragma once
// The route of a request through its server: the endpoint's phases turned
// into steps that say what runs where. One Python thread runs Python code at
// a time per process (the GIL), so a step also says whether it needs the GIL;
// on a free-threaded server none does, and Python steps take its slowdown longer.
// A cache lookup becomes a branch: the hit's steps, a jump past the miss's,
// then the miss's steps. An enqueue becomes a command at the broker, then a
// hand-over of the task to its pool (awaited with `wait`). An inference is
// awaited as a call is. A task pool runs
// as a Gunicorn sync server would (one task per process, FIFO), on a server
// of its own that no endpoint names.

#include <cstdint>
#include <vector>

#include "servesim/core/distribution.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim::detail {

/// What a step does. The steps that take no time come last (see is_instant).
enum class StepKind : std::uint8_t {
  cpu,        ///< Python code: the process's GIL and a core
  cpu_nogil,  ///< native code: a core only
  wait,       ///< time passes, no CPU (network, sleep)
  query,      ///< a database query: a pooled connection, then the database's queue
  call,       ///< a downstream service call: its concurrency slot, then its latency
  await_task,  ///< hand task `target` to its pool and wait until a worker has run it
  infer,      ///< queue at model server `target` until the batch holding it is done
  respond,    ///< the response leaves: latency is measured here (takes no time)
  branch,     ///< with `probability` go on (a cache hit), else go to step `target` (takes no time)
  jump,       ///< go to step `target` (takes no time)
  enqueue,    ///< hand task `target` to its pool and go on (takes no time)
};

/// Whether the engine handles the step on the spot: respond, branch, jump, enqueue.
[[nodiscard]] constexpr bool is_instant(StepKind kind) noexcept { return kind >= StepKind::respond; }

/// What a step runs on, and holds while it runs.
enum class RunsOn : std::uint8_t {
  thread,  ///< a thread of the process (a worker's, or the thread pool's)
  loop,    ///< the process's event loop thread
  none,    ///< nothing: an awaited wait
};

struct Step {
  StepKind kind;
  RunsOn runs_on;
  bool new_connection_only;  ///< skipped when the request reuses a keep-alive connection
  Distribution duration;     ///< seconds at speed 1.0; query: at the database; call: the latency
  /// query: a database; call: a service, or after them a cache store or a
  /// broker (see call_stations); branch, jump: a step; enqueue, await_task:
  /// a task, numbered over the pools in scenario order; infer: a model
  /// server (indices)
  std::uint32_t target;
  double probability;        ///< branch: of going on to the next step
  int threads = 1;           ///< cpu_nogil: threads sharing its work (duration is their CPU time in all)
  /// cpu: resumes a request after a wait, so it costs the server's
  /// wait_crowding per request its process holds more (rules/wait_crowding.hpp)
  bool crowded = false;
};

/// The steps of a request to `endpoint` of a valid `scenario` on `server`:
/// connection set-up and framework overhead, the phases placed by the
/// server's kind and the endpoint's style, the response, then any background work.
[[nodiscard]] std::vector<Step> build_route(const Scenario& scenario, const Endpoint& endpoint,
                                            const Server& server);

/// The steps of a request a uvicorn server turns away with 503 above
/// limit_concurrency: its event loop reads the request and answers.
[[nodiscard]] std::vector<Step> build_rejection_route(const Server& server);

/// What call steps queue at, by target: the scenario's services, then one per
/// cache store, then one per broker (its command threads as the concurrency,
/// its command time as the latency, no errors). Both engines run a store or
/// a broker as they run a service.
[[nodiscard]] std::vector<Service> call_stations(const Scenario& scenario);

/// The servers task pools run as, one per pool in scenario order: Gunicorn
/// sync with `concurrency` workers on the pool's host, an unbounded backlog
/// (the broker's queue), no overheads and no worker timeout.
[[nodiscard]] std::vector<Server> task_pool_servers(const Scenario& scenario);

/// A task as numbered by enqueue steps, with the pool that runs it.
struct TaskRef {
  const Task* task;
  std::uint32_t pool;  ///< index in Scenario::task_workers
};
/// Every task of a valid scenario, pools in order, each pool's tasks in order.
[[nodiscard]] std::vector<TaskRef> task_refs(const Scenario& scenario);

/// The steps of `task` on its pool's server (task_pool_servers): its phases
/// on the worker's thread; no response (the end of the route is the task's).
[[nodiscard]] std::vector<Step> build_task_route(const Scenario& scenario, const Task& task, const Server& pool);

/// Whether the server's processes run requests on an event loop (uvicorn, gevent).
[[nodiscard]] bool has_event_loop(const Server& server) noexcept;

}  // namespace servesim::detail
