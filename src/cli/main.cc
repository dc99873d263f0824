#include <csignal>

#include "cli/cli_app.h"

int main(int argc, char** argv) {
  // A write to a socket that Redis or an HTTP client closed must come back
  // as an error to handle, not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  return ash::cli::RunCli(argc, argv);
}
