// Child processes: output and errors come back, and a crash, a time limit or
// a throwing callback never leaves the child running.

#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <stdexcept>
#include <string>

#include "child/child_process.hpp"
#include "servesim/errors.hpp"
#include "support/require_error.hpp"

using servesim::detail::ChildOptions;
using servesim::detail::run_child;
using servesim::test::message_of;

namespace {

bool process_exists(int pid) { return ::kill(pid, 0) == 0; }

}  // namespace

TEST_CASE("a child's stdin, stdout, stderr lines and exit code pass through", "[child]") {
  // Larger than a pipe's buffer, so writing and reading must interleave.
  const std::string input(1 << 20, 'x');
  ChildOptions options;
  std::string progress;
  options.on_line = [&](std::string_view line) {
    if (line.substr(0, 1) != "@") return false;
    progress += std::string(line);
    return true;
  };
  const auto exit = run_child("/bin/sh", {"-c", "wc -c; echo @1 >&2; echo oops >&2; exit 3"},
                              input, options);
  CHECK(exit.output == std::to_string(input.size()) + "\n");
  CHECK(progress == "@1");
  CHECK(exit.errors == "oops\n");
  CHECK(exit.exit_code == 3);
  CHECK(exit.signal == 0);
  CHECK_FALSE(exit.timed_out);
}

TEST_CASE("a crash is reported with its signal", "[child]") {
  const auto exit = run_child("/bin/sh", {"-c", "kill -SEGV $$"}, "", {});
  CHECK(exit.signal == SIGSEGV);
  CHECK(exit.exit_code == -1);
}

TEST_CASE("a child past its time limit is killed", "[child]") {
  ChildOptions options;
  options.timeout_s = 0.3;
  const auto start = std::chrono::steady_clock::now();
  const auto exit = run_child("/bin/sleep", {"30"}, "", options);
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(exit.timed_out);
  CHECK(exit.signal == SIGKILL);
  CHECK(elapsed < 5.0);
}

TEST_CASE("a child that closed its output is still timed", "[child]") {
  ChildOptions options;
  options.timeout_s = 0.3;
  const auto exit = run_child("/bin/sh", {"-c", "exec sleep 30 >&- 2>&-"}, "", options);
  CHECK(exit.timed_out);
  CHECK(exit.signal == SIGKILL);
}

TEST_CASE("a throwing callback kills the child and propagates", "[child]") {
  int pid = 0;
  ChildOptions options;
  options.on_line = [&](std::string_view line) -> bool {
    pid = std::stoi(std::string(line));
    throw std::runtime_error("cancelled");
  };
  // The shell reports its pid, then would sleep for a minute.
  CHECK_THROWS_WITH(run_child("/bin/sh", {"-c", "echo $$ >&2; exec sleep 60"}, "", options),
                    "cancelled");
  REQUIRE(pid > 0);
  CHECK_FALSE(process_exists(pid));  // killed and reaped, not a zombie
}

TEST_CASE("a program that cannot run is an EngineError naming it", "[child]") {
  CHECK_THAT(message_of<servesim::EngineError>([&] { (void)run_child("/nonexistent/servesim-simgrid", {}, "", {}); }),
             Catch::Matchers::Contains("cannot run /nonexistent/servesim-simgrid"));
}
