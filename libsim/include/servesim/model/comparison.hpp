#pragma once
/// @file comparison.hpp
/// A comparison: the same endpoints (cases) on several deployments at several
/// numbers of users. Every deployment x case x users is an ordinary Scenario
/// with a closed workload (Comparison::scenario). Load one with
/// servesim::load_comparison (io/comparison_parser.hpp).

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "servesim/core/distribution.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim {

/**
 * Deployments x cases x numbers of users.
 *
 * `deployments` are servers (their `name` names the deployment); `cases` are
 * endpoints without a `server`, since each runs alone on every deployment;
 * a case may also hold long-lived connections (`connections`, by case name),
 * which every deployment then holds beside its HTTP users. `hosts`,
 * `databases`, `services`, `brokers`, `task_workers` and `run` go into every
 * scenario as they are, so a case can `enqueue` tasks. A case becomes an
 * endpoint of a deployment by the rule of case_on_server().
 *
 * Example:
 * @code
 * Comparison comparison = load_comparison("scenarios/flask_vs_fastapi.yaml");
 * Scenario run = comparison.scenario("flask", "io-bound", 100);
 * @endcode
 */
struct Comparison {
  std::string name = "comparison";
  std::string question;  ///< what the comparison answers; may be empty
  std::vector<Host> hosts;
  std::vector<Server> deployments;
  std::vector<Database> databases;
  std::vector<Service> services;
  std::vector<Broker> brokers;
  std::vector<TaskPool> task_workers;  ///< task pools; a case's `enqueue` phases name their tasks
  std::vector<Endpoint> cases;         ///< `server` is empty
  /// A case's connection groups (WebSockets, streaming responses), by case
  /// name; each group's `server` is empty. Cases without any are absent.
  std::map<std::string, std::vector<ConnectionGroup>> connections;
  std::vector<int> users;       ///< concurrent users, in file order, each >= 1 and listed once
  Distribution think_time = Distribution::constant(0.0);  ///< seconds between an answer and the next request
  std::optional<double> client_timeout;                   ///< seconds after which a user gives up
  RunConfig run;

  /**
   * The scenario of one run: the comparison's hosts, databases, services,
   * brokers, task pools and run settings; the deployment as its one server;
   * the case, adapted to it (case_on_server()), as its one endpoint, and the
   * case's connection groups held by that server (their phases adapted the
   * same way); `users` closed-loop users with the comparison's think time and
   * client timeout. Named
   * `<name>: <deployment>, <case>, <users> users`.
   * @throws std::invalid_argument for an unknown deployment or case
   * @throws ScenarioError when the scenario is invalid (validate() has
   *         checked every listed combination)
   */
  [[nodiscard]] Scenario scenario(const std::string& deployment, const std::string& case_name,
                                  int users) const;

  /**
   * Checks the comparison, with the paths of a comparison file
   * (`deployments.flask.host`, `cases.read.phases[0].db`,
   * `cases.chat.connections.room.messages`, `users[1]`), then
   * every deployment x case x users scenario, so a bad comparison fails before
   * any run. @throws ScenarioError naming the first bad field
   */
  void validate() const;
};

/**
 * A case as an endpoint of `server`: only Uvicorn runs `async def`, so on
 * other kinds `style` is dropped; where the endpoint runs on a thread
 * (Gunicorn sync and gthread workers, or `style: sync` on Uvicorn) a
 * `blocking_io` phase blocks that thread alone, which is an `io` phase, in a
 * cache's `hit` and `miss` phases too. gevent keeps it (an unpatched call
 * stalls its loop). `db` and `call` phases stay: the engines already run them
 * as the server would.
 */
[[nodiscard]] Endpoint case_on_server(const Endpoint& case_endpoint, const Server& server);

}  // namespace servesim
