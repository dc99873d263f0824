// Process helpers for the container tests: run a program with an explicit
// environment and capture its standard output and standard error.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "util/subprocess.h"

namespace ash::container_test {

struct CommandResult {
  int exit_code = -1;  // exit status, or -1 when a signal ended the process
  int term_signal = 0;  // the signal that ended the process, or 0
  std::string out;
  std::string err;
};

// A started child whose output has not been read to the end yet.
struct ChildProcess {
  pid_t pid = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
};

// Starts argv[0] (searched on the PATH given in env) with exactly env as its
// environment. Throws std::runtime_error when pipe2() fails and
// std::system_error when fork() fails.
inline ChildProcess Spawn(const std::vector<std::string>& argv,
                          const std::vector<std::string>& env) {
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe2 failed");
  }

  // SpawnProcess resets the signal dispositions and mask: the test runner
  // may ignore or block signals, but the service must start with the
  // defaults, as under Docker.
  SpawnOptions spawn;
  spawn.argv = argv;
  spawn.environment = env;
  spawn.stdout_fd = out_pipe[1];
  spawn.stderr_fd = err_pipe[1];
  const pid_t pid = SpawnProcess(spawn);
  close(out_pipe[1]);
  close(err_pipe[1]);
  return ChildProcess{pid, out_pipe[0], err_pipe[0]};
}

// Reads one line (without the newline) from the child's standard output,
// blocking until it arrives. Returns what was read when the output ends
// first, so a child that exits early makes the caller's check fail instead
// of hanging.
inline std::string ReadLine(const ChildProcess& child) {
  std::string line;
  char c;
  while (true) {
    const ssize_t n = read(child.stdout_fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || c == '\n') return line;
    line.push_back(c);
  }
}

// Reads the rest of both outputs, then reaps the child.
inline CommandResult Wait(ChildProcess& child) {
  CommandResult result;
  pollfd fds[2] = {{child.stdout_fd, POLLIN, 0}, {child.stderr_fd, POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_count = 2;
  char buffer[4096];
  while (open_count > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_count;
      }
    }
  }

  int status = 0;
  while (waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.term_signal = WTERMSIG(status);
  }
  child.pid = -1;
  return result;
}

inline CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::vector<std::string>& env) {
  ChildProcess child = Spawn(argv, env);
  return Wait(child);
}

// The environment of the tested commands: a fixed PATH plus extra entries.
inline std::vector<std::string> BaseEnvironment(std::vector<std::string> extra = {}) {
  std::vector<std::string> env = {
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

// Returns true when name is an executable in the directories of the fixed PATH.
inline bool ToolExists(const std::string& name) {
  for (const char* dir : {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}) {
    if (access((std::string(dir) + "/" + name).c_str(), X_OK) == 0) return true;
  }
  return false;
}

}  // namespace ash::container_test
