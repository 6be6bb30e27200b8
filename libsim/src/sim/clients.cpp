// The native engine's clients: timeouts, failed attempts, retries after
// their backoff, and closed-loop users' next sends.

#include "sim/engine.hpp"

namespace servesim::detail {

void NativeSimulation::on_client_timeout(std::uint32_t id, std::uint32_t generation) {
  Request& request = requests_[id];
  if (request.generation != generation || request.responded) return;  // answered in time
  request.timed_out = true;
  fail_request(id, Failure::client_timeout);
}

// Counts the failed attempt, which the client learns of `news_delay`
// seconds from now; it retries if its policy allows. Otherwise the request
// has failed, and a closed-loop user moves on: after a refusal it tries
// again later, otherwise it thinks as after an answer. Either way its
// connection is gone. May grow the request pool: callers re-read
// requests_[id] afterwards.
void NativeSimulation::fail_request(std::uint32_t id, Failure failure, double news_delay) {
  const Request& request = requests_[id];
  const std::uint32_t user = request.user;
  tally_.attempt_failed(request.endpoint, failure);
  if (user != kNoUser) connection_idle_since_[user] = kNoConnection;
  if (retries_.again(request.attempt)) {
    schedule_retry(id, news_delay);
    return;
  }
  tally_.request_failed(request.endpoint);
  if (user == kNoUser) return;
  schedule_next_send(user, news_delay + delay_after_failure(failure));
}

// The retry is a new attempt (the failed one may still be in a server,
// e.g. after a client timeout), sent once the client has learnt of the
// failure and its backoff has passed.
void NativeSimulation::schedule_retry(std::uint32_t failed, double news_delay) {
  const Request before = requests_[failed];
  const std::uint32_t id = requests_.acquire();
  Request& retry = requests_[id];
  retry.endpoint = before.endpoint;
  retry.user = before.user;
  retry.first_sent = before.first_sent;
  retry.attempt = static_cast<std::uint8_t>(before.attempt + 1);
  calendar_.schedule(now_ + news_delay + retries_.backoff(before.attempt), EventType::retry_send, id);
}

void NativeSimulation::schedule_next_send(std::uint32_t user, double extra_delay) {
  const double think = scenario_.workload.closed->think_time.sample(think_rng_);
  calendar_.schedule(now_ + think + extra_delay, EventType::user_send, user);
}

}  // namespace servesim::detail
