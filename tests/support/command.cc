#include "support/command.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "util/subprocess.h"

namespace ash::testing {
namespace {

std::string TempPath(const std::string& name) {
  std::string pattern = (std::filesystem::temp_directory_path() / ("ash-cmd-" + name + "-XXXXXX")).string();
  int fd = mkstemp(pattern.data());
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  close(fd);
  return pattern;
}

int Spawn(const std::vector<std::string>& args, const std::string& in_path, const std::string& out_path,
          const std::string& err_path, const std::map<std::string, std::string>& env) {
  SpawnOptions spawn;
  spawn.argv = {ASH_BINARY};
  spawn.argv.insert(spawn.argv.end(), args.begin(), args.end());
  spawn.environment = EnvironmentWith(env);
  spawn.stdin_path = in_path;
  spawn.stdout_path = out_path;
  spawn.stderr_path = err_path;
  return SpawnProcess(spawn);
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
