#include <iostream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "domain/civil_time.h"
#include "report/report_render.h"
#include "report/weekly_report_builder.h"
#include "storage/legacy_import.h"

namespace ash::cli {
namespace {

void PrintConfigText(const nlohmann::json& json, const std::string& prefix = "") {
  for (const auto& [key, value] : json.items()) {
    if (value.is_object()) {
      PrintConfigText(value, prefix + key + ".");
    } else {
      std::cout << prefix << key << " = " << (value.is_string() ? value.get<std::string>() : value.dump()) << "\n";
    }
  }
}

}  // namespace

int RunConfigCheck(CliContext& context, OutputFormat format) {
  // Show the Redis URL the other commands would use.
  Config displayed_config = context.config;
  if (context.redis_url) displayed_config.redis.url = context.redis_url;
  nlohmann::json json = ConfigToJson(displayed_config);
  const std::vector<std::string> warnings = ConfigWarnings(context.config);
  if (format == OutputFormat::kJson) {
    json["warnings"] = warnings;
    std::cout << json.dump(2) << "\n";
  } else {
    PrintConfigText(json);
    for (const std::string& warning : warnings) std::cout << "warning: " << warning << "\n";
    std::cout << "configuration is valid\n";
  }
  return kExitOk;
}

int RunImportLegacy(CliContext& context, bool convert, bool dry_run, OutputFormat format) {
  auto connection = context.ConnectRedis();
  LegacyImportOptions options;
  options.convert = convert;
  options.dry_run = dry_run;
  options.batch_size = context.config.data_retention.batch_size;
  LegacyImportReport report = ImportLegacy(*connection, context.store_settings(), context.Now(), options);
  if (format == OutputFormat::kJson) {
    std::cout << LegacyImportToJson(report).dump(2) << "\n";
  } else {
    std::cout << RenderLegacyImportText(report);
  }
  return report.unreadable == 0 ? kExitOk : kExitFailed;
}

WeekWindow ReportWindow(const CliContext& context, const std::optional<std::string>& end) {
  if (!end) return DefaultReportWeek(context.Now());
  auto date = ParseIsoDate(*end);
  if (!date) {
    throw CommandError{kExitUsage, fmt::format("invalid --end \"{}\": use a date such as 2026-01-11", *end)};
  }
  return WeekWindow::EndingOn(*date);
}


int RunReport(CliContext& context, const ReportCommandOptions& options) {
  const WeekWindow window = ReportWindow(context, options.end);
  if (options.post) return PostReport(context, options, window);
  if (options.force || options.channel) {
    throw CommandError{kExitUsage, "--channel and --force apply only with --post"};
  }

  auto connection = context.ConnectRedis();
  WeeklyReportData report =
      BuildWeeklyReport(*connection, window, context.Now(), context.config.ReadableAlertDays());
  ReportStyle style;
  style.community_name = context.config.weekly_report.community_name;
  switch (options.format) {
    case OutputFormat::kJson:
      std::cout << ReportToJson(report).dump(2) << "\n";
      break;
    case OutputFormat::kDiscord:
      std::cout << BuildDiscordMessage(report, style, context.Now()).dump(2) << "\n";
      break;
    case OutputFormat::kText:
      std::cout << RenderTextReport(report, style);
      break;
  }
  return kExitOk;
}

}  // namespace ash::cli
