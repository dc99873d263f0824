#include "support/command.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ash::testing {
namespace {

std::string TempPath(const std::string& name) {
  std::string pattern = (std::filesystem::temp_directory_path() / ("ash-cmd-" + name + "-XXXXXX")).string();
  int fd = mkstemp(pattern.data());
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  close(fd);
  return pattern;
}

void ApplyEnvironment(const std::map<std::string, std::string>& env) {
  for (const auto& [name, value] : env) {
    if (value.empty()) {
      unsetenv(name.c_str());
    } else {
      setenv(name.c_str(), value.c_str(), 1);
    }
  }
}

int Spawn(const std::vector<std::string>& args, const std::string& in_path, const std::string& out_path,
          const std::string& err_path, const std::map<std::string, std::string>& env) {
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ApplyEnvironment(env);
    int in = open(in_path.empty() ? "/dev/null" : in_path.c_str(), O_RDONLY);
    int out = open(out_path.c_str(), O_WRONLY | O_TRUNC | O_CREAT, 0600);
    int err = open(err_path.c_str(), O_WRONLY | O_TRUNC | O_CREAT, 0600);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    std::vector<std::string> full = {ASH_BINARY};
    full.insert(full.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& arg : full) argv.push_back(arg.data());
    argv.push_back(nullptr);
    execv(ASH_BINARY, argv.data());
    _exit(127);
  }
  return pid;
}

}  // namespace

std::string ReadFile(const std::string& path) {
  std::ifstream input(path);
  std::stringstream buffer;
  buffer << input.rdbuf();
  return buffer.str();
}

int WaitForExit(int pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

int StartAshMetrics(const std::vector<std::string>& args, const std::string& out_path, const std::string& err_path,
                    const std::map<std::string, std::string>& env) {
  return Spawn(args, "", out_path, err_path, env);
}

CommandResult RunAshMetrics(const std::vector<std::string>& args, const std::string& input,
                            const std::map<std::string, std::string>& env) {
  const std::string in_path = TempPath("in");
  const std::string out_path = TempPath("out");
  const std::string err_path = TempPath("err");
  {
    std::ofstream in(in_path);
    in << input;
  }
  CommandResult result;
  result.exit_code = WaitForExit(Spawn(args, in_path, out_path, err_path, env));
  result.out = ReadFile(out_path);
  result.err = ReadFile(err_path);
  std::filesystem::remove(in_path);
  std::filesystem::remove(out_path);
  std::filesystem::remove(err_path);
  return result;
}

}  // namespace ash::testing
