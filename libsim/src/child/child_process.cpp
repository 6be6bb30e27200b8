#include "child/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <utility>

#include "servesim/errors.hpp"

namespace servesim::detail {
namespace {

constexpr int kTickMilliseconds = 100;

// A file descriptor closed when it goes out of scope.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    reset();
    fd_ = std::exchange(other.fd_, -1);
    return *this;
  }
  ~Fd() { reset(); }
  void reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  [[nodiscard]] int get() const noexcept { return fd_; }

 private:
  int fd_ = -1;
};

[[noreturn]] void fail_errno(const std::string& what) {
  throw EngineError(what + ": " + std::strerror(errno));
}

// A pipe whose ends are closed on exec; the child dup2()s the ones it keeps.
std::pair<Fd, Fd> make_pipe() {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) fail_errno("cannot create a pipe");
  return {Fd(fds[0]), Fd(fds[1])};
}

// The child's stdin is a socket, not a pipe: send() with MSG_NOSIGNAL cannot
// raise SIGPIPE in the caller if the child exits without reading it all.
std::pair<Fd, Fd> make_socket_pair() {
  std::array<int, 2> fds{};
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds.data()) != 0) {
    fail_errno("cannot create a socket pair");
  }
  return {Fd(fds[0]), Fd(fds[1])};
}

void set_non_blocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) fail_errno("fcntl");
}

// Kills and reaps the child unless it was reaped already, whatever ends the wait.
class ChildGuard {
 public:
  explicit ChildGuard(pid_t pid) : pid_(pid) {}
  ChildGuard(const ChildGuard&) = delete;
  ChildGuard& operator=(const ChildGuard&) = delete;
  ~ChildGuard() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  // Collects the child's exit if it has exited (or, with `block`, once it
  // does); fills the exit code or signal.
  bool reap(ChildExit& result, bool block) {
    int status = 0;
    pid_t done = 0;
    while ((done = ::waitpid(pid_, &status, block ? 0 : WNOHANG)) < 0) {
      if (errno != EINTR) fail_errno("waitpid");
    }
    if (done == 0) return false;
    pid_ = -1;
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
    return true;
  }
  void kill() const noexcept { ::kill(pid_, SIGKILL); }

 private:
  pid_t pid_;
};

}  // namespace

ChildExit run_child(const std::string& executable, const std::vector<std::string>& arguments,
                    std::string_view input, const ChildOptions& options) {
  auto [stdin_child, stdin_parent] = make_socket_pair();
  auto [stdout_parent, stdout_child] = make_pipe();
  auto [stderr_parent, stderr_child] = make_pipe();
  auto [exec_error_parent, exec_error_child] = make_pipe();  // errno of a failed exec

  // Everything the child needs is prepared before fork(): after it, in a
  // multithreaded caller, only async-signal-safe calls are allowed.
  std::vector<std::string> argv_strings{executable};
  argv_strings.insert(argv_strings.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  argv.reserve(argv_strings.size() + 1);
  for (std::string& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0) fail_errno("cannot start " + executable);
  if (pid == 0) {
    // The kernel kills the child when the thread that forked it dies; if the
    // caller died already, the child is an orphan and must not run.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(127);
    // Its own process group: Ctrl-C at the terminal reaches the caller only,
    // which cancels the run and kills the child, rather than the child dying
    // first and its death reading as a crash.
    if (::setpgid(0, 0) != 0) ::_exit(127);
    ::signal(SIGPIPE, SIG_DFL);
    if (::dup2(stdin_child.get(), STDIN_FILENO) < 0 || ::dup2(stdout_child.get(), STDOUT_FILENO) < 0 ||
        ::dup2(stderr_child.get(), STDERR_FILENO) < 0) {
      ::_exit(127);
    }
    ::execv(executable.c_str(), argv.data());
    const int error = errno;
    (void)!::write(exec_error_child.get(), &error, sizeof error);
    ::_exit(127);
  }
  ChildGuard guard(pid);
  stdin_child.reset();
  stdout_child.reset();
  stderr_child.reset();
  exec_error_child.reset();

  int exec_errno = 0;
  if (::read(exec_error_parent.get(), &exec_errno, sizeof exec_errno) == sizeof exec_errno) {
    errno = exec_errno;
    fail_errno("cannot run " + executable);
  }

  set_non_blocking(stdin_parent.get());
  set_non_blocking(stdout_parent.get());
  set_non_blocking(stderr_parent.get());
  ChildExit result;
  std::string pending_line;
  std::size_t written = 0;
  if (input.empty()) stdin_parent.reset();
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(options.timeout_s));

  auto handle_stderr = [&](std::string_view chunk) {
    pending_line.append(chunk);
    std::size_t start = 0;
    for (std::size_t end; (end = pending_line.find('\n', start)) != std::string::npos; start = end + 1) {
      const std::string_view line(pending_line.data() + start, end - start);
      if (!options.on_line || !options.on_line(line)) {
        result.errors.append(line);
        result.errors.push_back('\n');
      }
    }
    pending_line.erase(0, start);
  };

  std::array<char, 65536> buffer{};
  while (stdout_parent.get() >= 0 || stderr_parent.get() >= 0) {
    std::array<pollfd, 3> fds{};
    nfds_t count = 0;
    const int out_fd = stdout_parent.get();
    const int err_fd = stderr_parent.get();
    const int in_fd = stdin_parent.get();
    if (out_fd >= 0) fds[count++] = pollfd{out_fd, POLLIN, 0};
    if (err_fd >= 0) fds[count++] = pollfd{err_fd, POLLIN, 0};
    if (in_fd >= 0) fds[count++] = pollfd{in_fd, POLLOUT, 0};
    const int ready = ::poll(fds.data(), count, kTickMilliseconds);
    if (ready < 0 && errno != EINTR) fail_errno("poll");
    if (options.timeout_s > 0.0 && std::chrono::steady_clock::now() > deadline) {
      guard.kill();
      result.timed_out = true;
      break;
    }
    if (options.on_tick) options.on_tick();
    if (ready <= 0) continue;
    for (nfds_t i = 0; i < count; ++i) {
      if (fds[i].revents == 0) continue;
      const int fd = fds[i].fd;
      if (fd == in_fd) {
        const ssize_t n = ::send(fd, input.data() + written, input.size() - written, MSG_NOSIGNAL);
        if (n > 0) written += static_cast<std::size_t>(n);
        // Done, or the child stopped reading: its exit status will tell.
        if (written == input.size() || (n < 0 && errno != EAGAIN && errno != EINTR)) stdin_parent.reset();
        continue;
      }
      const ssize_t n = ::read(fd, buffer.data(), buffer.size());
      if (n > 0) {
        const std::string_view chunk(buffer.data(), static_cast<std::size_t>(n));
        if (fd == out_fd) {
          result.output.append(chunk);
        } else {
          handle_stderr(chunk);
        }
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        (fd == out_fd ? stdout_parent : stderr_parent).reset();
      }
    }
  }
  if (!pending_line.empty()) handle_stderr("\n");
  // A child that closed its output may still run: the limit and the
  // callbacks keep applying until it exits.
  while (!result.timed_out && !guard.reap(result, false)) {
    if (options.timeout_s > 0.0 && std::chrono::steady_clock::now() > deadline) {
      guard.kill();
      result.timed_out = true;
      break;
    }
    if (options.on_tick) options.on_tick();
    ::poll(nullptr, 0, kTickMilliseconds / 10);
  }
  if (result.timed_out) guard.reap(result, true);
  return result;
}

}  // namespace servesim::detail
