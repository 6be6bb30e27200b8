#pragma once
// Long-lived connections (WebSockets, streaming responses): what both
// engines share of a connection group. Which process takes a connection and
// whether it is refused follow the server's admission (rules/admission.hpp);
// a message runs the group's message route on that process; this counts
// what happened and turns it into the group's ConnectionStats.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/time_average.hpp"
#include "rules/route.hpp"
#include "servesim/metrics/replication.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim::detail {

/// A connection group's random sources (RandomStreams::connections).
enum ConnectionSource : std::size_t {
  kConnectionOpens = 0,     ///< times between opened connections; a count group's reconnection delays
  kConnectionHolds = 1,     ///< how long a websocket stays open; a stream's chunk gaps
  kConnectionMessages = 2,  ///< times between messages, and which connection gets each
  kConnectionSteps = 3,     ///< durations of a message's steps
};

/// The steps of one message (or chunk) of `group` on `server`: its phases,
/// on the event loop for uvicorn and gevent, on the worker's thread for
/// gunicorn sync. No framework overhead: the connection is already routed.
[[nodiscard]] std::vector<Step> build_message_route(const Scenario& scenario, const ConnectionGroup& group,
                                                    const Server& server);

/// Whether a process of `server` that holds `accepted` connections and
/// requests may take one more long-lived connection: uvicorn answers 503 at
/// limit_concurrency (it counts connections and tasks alike).
/// Whether `group`'s clients connect again after a refusal or a drop:
/// a fixed population's do, after reconnect_delay; an open_rate group's
/// arrivals are gone (their place is taken by later arrivals).
[[nodiscard]] inline bool reconnects(const ConnectionGroup& group) noexcept { return group.count.has_value(); }

[[nodiscard]] inline bool admits_connection(const Server& server, int accepted) noexcept {
  return !server.limit_concurrency || accepted < *server.limit_concurrency;
}

/// What a group's connections and messages did in a replication.
class ConnectionTally {
 public:
  explicit ConnectionTally(const ConnectionGroup& group) : group_(&group) {}

  void start_measuring(double now) noexcept {
    measuring_ = true;
    open_area_at_start_ = open_.area_until(now);
    opened_ = refused_ = dropped_ = messages_ = messages_dropped_ = 0;
    histogram_ = LatencyHistogram{};
  }
  void opened(double now) noexcept {
    open_.add(now, 1.0);
    if (measuring_) opened_ += 1;
  }
  void closed(double now) noexcept { open_.add(now, -1.0); }
  /// Its process was killed: the connection closes without its client asking.
  void dropped(double now) noexcept {
    closed(now);
    if (measuring_) dropped_ += 1;
  }
  void refused() noexcept {
    if (measuring_) refused_ += 1;
  }
  /// A message running or queued when its process was killed.
  void message_dropped() noexcept {
    if (measuring_) messages_dropped_ += 1;
  }
  void message_done(double latency) {
    if (!measuring_) return;
    messages_ += 1;
    histogram_.record(latency);
  }
  [[nodiscard]] double open() const noexcept { return open_.value(); }

  /// The group's statistics over the measured window of `span` seconds ending at `now`.
  [[nodiscard]] ConnectionStats collect(const Server& server, double now, double span) const;

 private:
  const ConnectionGroup* group_;
  bool measuring_ = false;
  TimeAverage open_;
  double open_area_at_start_ = 0.0;
  std::uint64_t opened_ = 0;
  std::uint64_t refused_ = 0;
  std::uint64_t dropped_ = 0;
  std::uint64_t messages_ = 0;
  std::uint64_t messages_dropped_ = 0;
  LatencyHistogram histogram_;
};

}  // namespace servesim::detail
