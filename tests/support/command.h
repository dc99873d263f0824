#pragma once

#include <map>
#include <string>
#include <vector>

namespace ash::testing {

struct CommandResult {
  int exit_code = -1;  // 128 + signal number when killed by a signal
  std::string out;
  std::string err;
};

// Runs the built ash-metrics binary with args, waits for it, and returns
// its exit code and output. `input` is written to its standard input; `env`
// entries are added to the environment (an empty value unsets the name).
CommandResult RunAshMetrics(const std::vector<std::string>& args, const std::string& input = "",
                            const std::map<std::string, std::string>& env = {});

// Starts the binary without waiting; returns its pid. Output goes to the
// given files.
int StartAshMetrics(const std::vector<std::string>& args, const std::string& out_path, const std::string& err_path,
                    const std::map<std::string, std::string>& env = {});

// Waits for a started process; returns its exit code as RunAshMetrics does.
int WaitForExit(int pid);

std::string ReadFile(const std::string& path);

}  // namespace ash::testing
