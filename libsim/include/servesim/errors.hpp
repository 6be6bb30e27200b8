#pragma once
/// @file errors.hpp
/// The one exception hierarchy of servesim. Python sees the same classes as
/// `servesim.Error`, `servesim.ScenarioError`, `servesim.UnstableSystemError`,
/// `servesim.NotApplicableError` and `servesim.EngineError`.

#include <stdexcept>
#include <string>

namespace servesim {

/** Base of every error servesim throws on purpose. */
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/**
 * A scenario field is missing, of the wrong type or out of range.
 *
 * `what()` reads `<path>: <detail>`, e.g.
 * `servers.web.workers: must be an integer >= 1, got 0`.
 */
class ScenarioError : public Error {
 public:
  /// @param path   dotted path of the bad field (`servers.web.workers`); may be empty
  /// @param detail what is wrong, naming the value and what was expected
  ScenarioError(std::string path, std::string detail);

  /// Dotted path of the offending field, e.g. `endpoints.login.phases[0].cpu.mean`.
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  /// The message without the path.
  [[nodiscard]] const std::string& detail() const noexcept { return detail_; }

 private:
  std::string path_;
  std::string detail_;
};

/** A request asked for a steady-state answer that the system does not have. */
class UnstableSystemError : public Error {
 public:
  using Error::Error;
};

/**
 * An analytic estimate was asked of a scenario that no queueing model here
 * describes (servesim::estimate). `what()` names the field that puts it out
 * of reach and why, e.g. `servers: the estimate models one server, got 2`;
 * simulate such scenarios instead.
 */
class NotApplicableError : public Error {
 public:
  using Error::Error;
};

/** An engine failed for a reason that is not the scenario's fault. */
class EngineError : public Error {
 public:
  using Error::Error;
};

}  // namespace servesim
