#include <filesystem>
#include <fstream>
#include <iostream>
#include <istream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "domain/event.h"

namespace ash::cli {
namespace {

// Counts and rejections of one ingest run.
struct IngestTally {
  std::int64_t lines = 0;
  std::int64_t applied = 0;
  std::int64_t duplicate = 0;
  std::int64_t already_recorded = 0;
  std::vector<std::pair<std::int64_t, std::string>> rejected;  // line number, reason

  void Count(const ApplyResult& result, std::int64_t line) {
    switch (result.status) {
      case ApplyStatus::kApplied:
        ++applied;
        break;
      case ApplyStatus::kDuplicate:
        ++duplicate;
        break;
      case ApplyStatus::kAlreadyRecorded:
        ++already_recorded;
        break;
      case ApplyStatus::kUnknownAlert:
      case ApplyStatus::kInvalid:
        rejected.emplace_back(line, result.error ? result.error->Message() : std::string(ApplyStatusName(result.status)));
        break;
    }
  }

  std::string Text() const {
    std::string text = fmt::format("applied: {}, duplicate: {}, already recorded: {}, rejected: {}\n", applied,
                                   duplicate, already_recorded, rejected.size());
    for (const auto& [line, reason] : rejected) text += fmt::format("line {}: rejected: {}\n", line, reason);
    return text;
  }

  nlohmann::json Json() const {
    nlohmann::json rejections = nlohmann::json::array();
    for (const auto& [line, reason] : rejected) rejections.push_back({{"line", line}, {"reason", reason}});
    return {{"lines", lines},
            {"applied", applied},
            {"duplicate", duplicate},
            {"already_recorded", already_recorded},
            {"rejected", rejected.size()},
            {"rejections", rejections}};
  }
};

void ApplyPending(EventStore& store, const Clock& clock, std::vector<Event>& events, std::vector<std::int64_t>& lines,
                  IngestTally& tally) {
  if (events.empty()) return;
  std::vector<ApplyResult> results = store.ApplyBatch(events, clock.NowMs());
  for (size_t i = 0; i < results.size(); ++i) tally.Count(results[i], lines[i]);
  events.clear();
  lines.clear();
}

}  // namespace

int RunRecord(CliContext& context, const std::string& json_text) {
  auto event = ParseEvent(json_text);
  if (!event.ok()) {
    std::cout << "rejected: " << event.error().Message() << "\n";
    return kExitFailed;
  }
  auto connection = context.ConnectRedis();
  EventStore store(*connection, context.store_settings());
  ApplyResult result = store.Apply(*event, context.Now());

  std::string line = fmt::format("{} {}", ApplyStatusName(result.status), EventTypeName(event->type));
  if (!result.alert_id.empty()) line += " " + result.alert_id;
  if (result.error) line = "rejected: " + result.error->Message();
  if (result.clock_skew) line += " (clock skew: dated before the alert's creation, counted as 0 seconds)";
  std::cout << line << "\n";
  const bool rejected = result.status == ApplyStatus::kInvalid || result.status == ApplyStatus::kUnknownAlert;
  return rejected ? kExitFailed : kExitOk;
}

int RunIngest(CliContext& context, const IngestOptions& options) {
  std::ifstream file;
  std::istream* input = &std::cin;
  if (options.path != "-") {
    std::error_code error;
    if (std::filesystem::is_directory(options.path, error)) {
      throw CommandError{kExitUsage, fmt::format("\"{}\" is a folder: give an NDJSON file, or - for standard input",
                                                 options.path)};
    }
    file.open(options.path);
    if (!file) {
      throw CommandError{kExitUsage, fmt::format("cannot open \"{}\": check the path, or use - for standard input",
                                                 options.path)};
    }
    input = &file;
  }

  auto connection = context.ConnectRedis();
  EventStore store(*connection, context.store_settings());
  IngestTally tally;
  std::vector<Event> pending;
  std::vector<std::int64_t> pending_lines;
  std::string line;
  std::int64_t line_number = 0;

  try {
    while (std::getline(*input, line)) {
      ++line_number;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      ++tally.lines;
      auto event = ParseEvent(line);
      if (!event.ok()) {
        tally.rejected.emplace_back(line_number, event.error().Message());
        continue;
      }
      pending.push_back(std::move(event).value());
      pending_lines.push_back(line_number);
      if (static_cast<int>(pending.size()) >= options.batch_size) {
        ApplyPending(store, *context.clock, pending, pending_lines, tally);
      }
    }
    ApplyPending(store, *context.clock, pending, pending_lines, tally);
  } catch (const RedisIoError& error) {
    std::cout << tally.Text();
    throw CommandError{kExitRedisDown,
                       fmt::format("{}; stopped at line {}. Events are idempotent, so running the same ingest "
                                   "again once Redis is back applies the rest without counting anything twice.",
                                   error.what(), line_number)};
  }

  std::sort(tally.rejected.begin(), tally.rejected.end());
  spdlog::info("ingest {}: {} lines, {} applied, {} duplicate, {} already recorded, {} rejected", options.path,
               tally.lines, tally.applied, tally.duplicate, tally.already_recorded, tally.rejected.size());
  if (options.format == OutputFormat::kJson) {
    std::cout << tally.Json().dump(2) << "\n";
  } else {
    std::cout << tally.Text();
  }
  return tally.rejected.empty() ? kExitOk : kExitFailed;
}

}  // namespace ash::cli
