#include "util/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <string_view>
#include <system_error>

extern char** environ;

namespace ash {
namespace {

// Returns the PATH of `environment`, or this process's PATH when unset.
std::string SearchPath(const std::optional<std::vector<std::string>>& environment) {
  if (environment) {
    for (const std::string& entry : *environment) {
      if (entry.starts_with("PATH=")) return entry.substr(5);
    }
    return "/usr/local/bin:/usr/bin:/bin";
  }
  const char* path = std::getenv("PATH");
  return path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
}

// Returns the file to execute for `program`: itself when it contains '/',
// else the first executable match on `search_path`. Without a match it
// returns `program`, so that execve fails and the child exits with 127.
std::string ResolveProgram(const std::string& program, const std::string& search_path) {
  if (program.find('/') != std::string::npos) return program;
  std::string_view rest = search_path;
  while (true) {
    const std::size_t colon = rest.find(':');
    std::string directory(rest.substr(0, colon));
    if (directory.empty()) directory = ".";
    std::string candidate = directory + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string_view::npos) return program;
    rest.remove_prefix(colon + 1);
  }
}

// Replaces descriptor `target` with `path` opened with `flags`. Called in
// the child only.
void RedirectToFile(int target, const char* path, int flags) {
  const int fd = open(path, flags, 0600);
  if (fd < 0) _exit(127);
  if (fd == target) {
    fcntl(fd, F_SETFD, 0);  // keep it open across execve
  } else {
    dup2(fd, target);
    close(fd);
  }
}

}  // namespace

pid_t SpawnProcess(const SpawnOptions& options) {
  if (options.argv.empty()) throw std::invalid_argument("SpawnProcess: argv is empty; pass the program to run");
  const std::string program = ResolveProgram(options.argv.front(), SearchPath(options.environment));

  std::vector<char*> argv;
  for (const std::string& arg : options.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  if (options.environment) {
    for (const std::string& entry : *options.environment) envp.push_back(const_cast<char*>(entry.c_str()));
    envp.push_back(nullptr);
  }
  char** const child_environment = options.environment ? envp.data() : environ;
  const int output_flags = O_WRONLY | O_CREAT | O_CLOEXEC | (options.append_output ? O_APPEND : O_TRUNC);
  const char* const stdin_path = options.stdin_path.empty() ? "/dev/null" : options.stdin_path.c_str();
  const pid_t parent = getpid();

  const pid_t pid = fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork failed");
  if (pid > 0) return pid;

  // In the child, only async-signal-safe calls from here on.
  if (options.terminate_with_parent) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);
  }
  if (options.new_process_group) setpgid(0, 0);
  if (!options.working_directory.empty() && chdir(options.working_directory.c_str()) != 0) _exit(127);
  RedirectToFile(STDIN_FILENO, stdin_path, O_RDONLY | O_CLOEXEC);
  if (options.stdout_fd >= 0) {
    dup2(options.stdout_fd, STDOUT_FILENO);
  } else if (!options.stdout_path.empty()) {
    RedirectToFile(STDOUT_FILENO, options.stdout_path.c_str(), output_flags);
  }
  if (options.stderr_fd >= 0) {
    dup2(options.stderr_fd, STDERR_FILENO);
  } else if (!options.stderr_path.empty()) {
    RedirectToFile(STDERR_FILENO, options.stderr_path.c_str(), output_flags);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int signal_number = 1; signal_number < NSIG; ++signal_number) {
    if (signal_number != SIGKILL && signal_number != SIGSTOP) signal(signal_number, SIG_DFL);
  }
  execve(program.c_str(), argv.data(), child_environment);
  _exit(127);
}

std::vector<std::string> EnvironmentWith(const std::map<std::string, std::string>& changes) {
  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text = *entry;
    const std::string name(text.substr(0, text.find('=')));
    if (changes.contains(name)) continue;
    environment.emplace_back(text);
  }
  for (const auto& [name, value] : changes) {
    if (!value.empty()) environment.push_back(name + "=" + value);
  }
  return environment;
}

}  // namespace ash
