#include "cli/cli_app.h"

int main(int argc, char** argv) { return ash::cli::RunCli(argc, argv); }
