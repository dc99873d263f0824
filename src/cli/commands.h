#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cli/cli_context.h"
#include "domain/weekly_summary.h"

// One function per subcommand; each returns the process exit code or
// throws CommandError.
namespace ash::cli {

int RunConfigCheck(CliContext& context, OutputFormat format);
int RunRecord(CliContext& context, const std::string& json_text);

struct IngestOptions {
  std::string path;  // "-" for standard input
  int batch_size = 500;
  OutputFormat format = OutputFormat::kText;
};
int RunIngest(CliContext& context, const IngestOptions& options);

int RunImportLegacy(CliContext& context, bool convert, bool dry_run, OutputFormat format);

struct ReportCommandOptions {
  std::optional<std::string> end;  // YYYY-MM-DD
  OutputFormat format = OutputFormat::kText;
  bool post = false;
  std::optional<std::string> channel;
  bool force = false;
};
int RunReport(CliContext& context, const ReportCommandOptions& options);
int PostReport(CliContext& context, const ReportCommandOptions& options, WeekWindow window);

struct SimulateCommandOptions {
  std::string week_of;  // YYYY-MM-DD
  int alerts = 60;
  std::uint64_t seed = 1;
  std::optional<std::string> output;  // file; standard output when absent
};
int RunSimulate(CliContext& context, const SimulateCommandOptions& options);
int RunDemo(CliContext& context);

int RunServe(CliContext& context);
int RunRetention(CliContext& context, bool dry_run, OutputFormat format);
int RunStorageStats(CliContext& context, OutputFormat format);
int RunForgetUser(CliContext& context, const std::string& user_id, bool dry_run, OutputFormat format);

}  // namespace ash::cli
