#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ash {

// How to start a child process with SpawnProcess.
struct SpawnOptions {
  // The program and its arguments. A program name without '/' is looked up
  // on the PATH of the child's environment.
  std::vector<std::string> argv;
  // The child's whole environment as NAME=value entries. When unset, the
  // child inherits this process's environment.
  std::optional<std::vector<std::string>> environment;
  std::string working_directory;  // the current folder when empty

  // Files for the standard streams. An empty output path keeps this
  // process's stream, and an empty input path reads /dev/null. Output files
  // are created with mode 0600 and truncated unless append_output is set.
  std::string stdin_path;
  std::string stdout_path;
  std::string stderr_path;
  bool append_output = false;
  // Descriptors for the standard output streams, such as pipe ends. When
  // not -1, they replace the paths.
  int stdout_fd = -1;
  int stderr_fd = -1;

  bool new_process_group = false;      // keeps a terminal's Ctrl-C from reaching the child
  bool terminate_with_parent = false;  // sends SIGTERM to the child when this process dies
};

// Starts a child process and returns its pid. The child makes only
// async-signal-safe calls before exec, because a forked child that
// allocates can wait forever on an allocator lock that another thread held
// at the fork. The child starts with default signal handling and an empty
// signal mask, and exits with status 127 when the program cannot run.
// Throws std::system_error when fork() fails.
pid_t SpawnProcess(const SpawnOptions& options);

// Returns this process's environment with `changes` applied. A name with an
// empty value is removed and any other is set.
std::vector<std::string> EnvironmentWith(const std::map<std::string, std::string>& changes);

}  // namespace ash
