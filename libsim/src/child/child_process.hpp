#pragma once
// Running a program as a child process: input on its stdin, its stdout
// collected, its stderr handed over line by line, a wall-clock limit. The
// child never outlives its caller: it is killed when the caller's thread dies
// (PR_SET_PDEATHSIG), when a callback throws, or at the time limit. It runs in
// its own process group, so a terminal's Ctrl-C reaches only the caller.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace servesim::detail {

/// How a child process ended.
struct ChildExit {
  std::string output;       ///< everything it wrote on stdout
  std::string errors;       ///< the stderr lines on_line did not consume
  int exit_code = -1;       ///< when it exited, else -1
  int signal = 0;           ///< the signal that killed it, else 0
  bool timed_out = false;   ///< killed at the time limit
};

struct ChildOptions {
  double timeout_s = 0.0;  ///< wall-clock limit; 0 = none
  /// Called with each stderr line (without the newline); returns true if it
  /// consumed the line, false to keep it in ChildExit::errors. May throw:
  /// the child is then killed and the exception propagates.
  std::function<bool(std::string_view line)> on_line;
  /// Called about every 100 ms while waiting. May throw, as on_line.
  std::function<void()> on_tick;
};

/**
 * Runs `executable` with `arguments`, feeding it `input` on stdin, until it
 * exits or is killed.
 * @throws EngineError if the program cannot be started.
 */
ChildExit run_child(const std::string& executable, const std::vector<std::string>& arguments,
                    std::string_view input, const ChildOptions& options);

}  // namespace servesim::detail
