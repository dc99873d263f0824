#include <iostream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "report/report_poster.h"
#include "retention/forget_user.h"
#include "retention/retention_run.h"
#include "retention/storage_stats.h"
#include "service/service.h"

namespace ash::cli {
namespace {

DiscordTarget ChooseTarget(const CliContext& context, const std::optional<std::string>& channel_option) {
  const WeeklyReportSettings& settings = context.config.weekly_report;
  std::optional<Snowflake> channel = settings.channel_id;
  if (channel_option) {
    channel = ParseSnowflake(*channel_option);
    if (!channel || *channel == 0) {
      throw CommandError{kExitUsage, fmt::format("invalid --channel \"{}\": use a Discord channel id", *channel_option)};
    }
  }
  if (channel && (channel_option || !settings.webhook_url)) {
    if (!context.config.secrets.discord_bot_token) {
      throw CommandError{kExitUsage, fmt::format("posting to a channel needs the bot token: put it in the secret "
                                                 "file discord_bot_token ({}), or set BOT_WEEKLY_REPORT_WEBHOOK_URL",
                                                 SecretFileLocations(context.config, "discord_bot_token"))};
    }
    return DiscordTarget::Channel(*channel);
  }
  if (settings.webhook_url) return DiscordTarget::Webhook(*settings.webhook_url);
  throw CommandError{kExitUsage, "no Discord destination: set BOT_WEEKLY_REPORT_CHANNEL_ID or "
                                 "BOT_WEEKLY_REPORT_WEBHOOK_URL, or pass --channel ID"};
}

}  // namespace

int PostReport(CliContext& context, const ReportCommandOptions& options, WeekWindow window) {
  if (options.format != OutputFormat::kText && options.format != OutputFormat::kJson) {
    throw CommandError{kExitUsage, "with --post, --format must be text or json (the outcome's form)"};
  }
  if (auto error = WeekNotOverError(window, context.Now())) throw CommandError{kExitUsage, *error};
  const DiscordTarget target = ChooseTarget(context, options.channel);
  DiscordClientSettings client_settings;
  client_settings.api_base_url = context.config.discord.api_base_url;
  client_settings.bot_token = context.config.secrets.discord_bot_token;
  DiscordClient client(client_settings);

  PostRequest request;
  request.window = window;
  request.target = target;
  request.force = options.force;
  request.style.community_name = context.config.weekly_report.community_name;
  request.alert_retention_days = context.config.ReadableAlertDays();

  auto connection = context.ConnectRedis();
  PostOutcome outcome = PostWeeklyReport(*connection, client, request, *context.clock, SleepForReal);
  if (options.format == OutputFormat::kJson) {
    std::cout << outcome.ToJson().dump(2) << "\n";
  } else {
    std::cout << outcome.Describe() << "\n";
  }
  const bool done = outcome.kind == PostOutcomeKind::kPosted || outcome.kind == PostOutcomeKind::kAlreadyPosted;
  return done ? kExitOk : kExitFailed;
}

int RunServe(CliContext& context) {
  ServiceOptions options;
  std::optional<OffsetClock> clock;
  if (context.now_override) {
    clock.emplace(*context.now_override);
    options.clock = &*clock;
  }
  options.redis_url = context.redis_url;
  return RunService(context.config, options);
}

int RunRetention(CliContext& context, bool dry_run, OutputFormat format) {
  auto connection = context.ConnectRedis();
  RetentionReport report = RunRetention(*connection, context.config.data_retention, context.Now(), dry_run);
  if (format == OutputFormat::kJson) {
    std::cout << RetentionToJson(report).dump(2) << "\n";
  } else {
    std::cout << RenderRetentionText(report);
  }
  return report.ok() ? kExitOk : kExitFailed;
}

int RunStorageStats(CliContext& context, OutputFormat format) {
  auto connection = context.ConnectRedis();
  StorageStats stats = CollectStorageStats(*connection, context.config.data_retention.batch_size);
  if (format == OutputFormat::kJson) {
    std::cout << StorageStatsToJson(stats).dump(2) << "\n";
  } else {
    std::cout << RenderStorageStatsText(stats);
  }
  return kExitOk;
}

int RunForgetUser(CliContext& context, const std::string& user_id, bool dry_run, OutputFormat format) {
  auto id = ParseSnowflake(user_id);
  if (!id || *id == 0) {
    throw CommandError{kExitUsage, fmt::format("invalid user id \"{}\": use the person's Discord user id, a "
                                               "positive whole number",
                                               user_id)};
  }
  auto connection = context.ConnectRedis();
  ForgetUserReport report =
      ForgetUser(*connection, *id, context.Now(), dry_run, context.config.data_retention.batch_size);
  if (format == OutputFormat::kJson) {
    std::cout << ForgetUserToJson(report).dump(2) << "\n";
  } else {
    std::cout << RenderForgetUserText(report);
  }
  return report.ok() ? kExitOk : kExitFailed;
}

}  // namespace ash::cli
