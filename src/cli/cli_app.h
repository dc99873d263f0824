#pragma once

namespace ash::cli {

// Parses the command line, loads the configuration and runs the chosen
// subcommand. Returns the process exit code (see cli_context.h).
int RunCli(int argc, char** argv);

}  // namespace ash::cli
