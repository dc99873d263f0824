// The command line as a user meets it: options, outputs, errors and exit
// codes of the built binary.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/command.h"
#include "support/redis_server.h"

namespace ash {
namespace {

using testing::RunAshMetrics;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override { testing::SharedRedis().FlushAll(); }

  // Runs with the shared Redis, no secrets from the machine, and the clock
  // on the day after kCreate's alert unless args set --now.
  testing::CommandResult Run(std::vector<std::string> args, const std::string& input = "",
                             std::map<std::string, std::string> env = {}) {
    args.insert(args.end(), {"--redis-url", testing::SharedRedis().url()});
    if (std::find(args.begin(), args.end(), "--now") == args.end()) {
      args.insert(args.end(), {"--now", "2026-01-06T00:00:00Z"});
    }
    env.emplace("BOT_SECRETS_DIR", testing::SharedRedis().directory());
    return RunAshMetrics(args, input, env);
  }

  const std::string kCreate =
      R"({"type":"alert_created","alert_id":"alert_cli","alert_message_id":"1459737343545318614",)"
      R"("user_id":"258877960599111668","channel_id":"652367420041863082","severity":"medium",)"
      R"("at":"2026-01-05T21:14:03Z"})";
};

TEST_F(CliTest, ConfigCheckRejectsHourOutOfRange) {
  testing::CommandResult result = Run({"config", "check"}, "", {{"BOT_WEEKLY_REPORT_HOUR", "25"}});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("BOT_WEEKLY_REPORT_HOUR"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("\"25\""), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("0 to 23"), std::string::npos) << result.err;
}

TEST_F(CliTest, ConfigCheckRejectsUnknownDay) {
  testing::CommandResult result = Run({"config", "check"}, "", {{"BOT_WEEKLY_REPORT_DAY", "funday"}});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("BOT_WEEKLY_REPORT_DAY"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("monday to sunday"), std::string::npos) << result.err;
}

TEST_F(CliTest, ConfigCheckMasksSecrets) {
  const std::string secrets = testing::SharedRedis().directory() + "/secrets";
  std::filesystem::create_directories(secrets);
  std::ofstream(secrets + "/discord_bot_token") << "very-secret-token\n";
  testing::CommandResult result =
      RunAshMetrics({"config", "check", "--format", "json"}, "", {{"BOT_SECRETS_DIR", secrets}});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out.find("very-secret-token"), std::string::npos);
  auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["secrets"]["discord_bot_token"], "(set)");
  EXPECT_EQ(json["secrets"]["metrics_api_token"], "(not set)");
}

TEST_F(CliTest, ConfigCheckShowsRedisUrlOption) {
  testing::CommandResult result = Run({"config", "check", "--format", "json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(nlohmann::json::parse(result.out)["redis"]["url"], testing::SharedRedis().url());
}

TEST_F(CliTest, ConfigCheckWarnsWhenAlertRetentionsDiffer) {
  testing::CommandResult same = Run({"config", "check", "--format", "json"});
  ASSERT_EQ(same.exit_code, 0) << same.err;
  EXPECT_TRUE(nlohmann::json::parse(same.out)["warnings"].empty()) << same.out;

  testing::CommandResult differ = Run({"config", "check"}, "", {{"BOT_RETENTION_ALERT_METRICS_DAYS", "30"}});
  ASSERT_EQ(differ.exit_code, 0) << differ.err;
  EXPECT_NE(differ.out.find("warning: BOT_RESPONSE_METRICS_RETENTION_DAYS (90) and "
                            "BOT_RETENTION_ALERT_METRICS_DAYS (30) differ"),
            std::string::npos)
      << differ.out;
}

TEST_F(CliTest, ConfigCheckWarnsOnMissingSecretsFolder) {
  const std::string missing = testing::SharedRedis().directory() + "/no-such-folder";
  testing::CommandResult result = RunAshMetrics({"config", "check"}, "", {{"BOT_SECRETS_DIR", missing}});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("warning: BOT_SECRETS_DIR is \"" + missing + "\", which is not a folder"),
            std::string::npos)
      << result.out;
}

// The retention run deletes alert records after
// BOT_RETENTION_ALERT_METRICS_DAYS even when their expiry is later, so
// reports must not read records for a week the run has already emptied.
TEST_F(CliTest, ReportReadsRecordsWithinRetention) {
  const std::vector<std::string> args = {"report", "--end", "2026-01-04", "--format", "json",
                                         "--now", "2026-02-10T00:00:00Z"};
  testing::CommandResult within = Run(args);
  ASSERT_EQ(within.exit_code, 0) << within.err;
  EXPECT_EQ(nlohmann::json::parse(within.out)["source"], "records");

  testing::CommandResult cleaned = Run(args, "", {{"BOT_RETENTION_ALERT_METRICS_DAYS", "30"}});
  ASSERT_EQ(cleaned.exit_code, 0) << cleaned.err;
  EXPECT_EQ(nlohmann::json::parse(cleaned.out)["source"], "aggregates");

  testing::CommandResult retention_off =
      Run(args, "", {{"BOT_RETENTION_ALERT_METRICS_DAYS", "30"}, {"BOT_RETENTION_ENABLED", "false"}});
  ASSERT_EQ(retention_off.exit_code, 0) << retention_off.err;
  EXPECT_EQ(nlohmann::json::parse(retention_off.out)["source"], "records");
}

TEST_F(CliTest, EmptyEndRejected) {
  testing::CommandResult result = Run({"report", "--end", ""});
  EXPECT_EQ(result.exit_code, 2) << result.out;
  EXPECT_NE(result.err.find("invalid --end \"\""), std::string::npos) << result.err;
}

TEST_F(CliTest, PostOfUnfinishedWeekRejected) {
  testing::CommandResult result = Run({"report", "--post", "--channel", "123456789012345678", "--end", "2026-01-11",
                                       "--now", "2026-01-07T12:00:00Z"});
  EXPECT_EQ(result.exit_code, 2) << result.out;
  EXPECT_NE(result.err.find("the week ending 2026-01-11 is not over until 2026-01-12T00:00:00"), std::string::npos)
      << result.err;
  EXPECT_TRUE(testing::SharedRedis().Connect()->Command({"GET", "ash:reports:weekly:2026-01-11"}).is_nil());
}

TEST_F(CliTest, ConfigFileWithInvalidJsonRejected) {
  const std::string path = testing::SharedRedis().directory() + "/broken.json";
  std::ofstream(path) << R"({"weekly_report": {"hour": 9,}})";
  testing::CommandResult result = Run({"config", "check", "--config", path});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("the configuration file is \"" + path + "\""), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("the parser stopped at byte"), std::string::npos) << result.err;
}

TEST_F(CliTest, ConfigFileRejectsSecretsAndUnknownKeys) {
  const std::string path = testing::SharedRedis().directory() + "/config.json";
  std::ofstream(path) << R"({"discord": {"discord_bot_token": "x"}})";
  testing::CommandResult secret = Run({"config", "check", "--config", path});
  EXPECT_EQ(secret.exit_code, 2);
  // The message names the folder the secrets are read from (BOT_SECRETS_DIR here).
  EXPECT_NE(secret.err.find(testing::SharedRedis().directory() + "/discord_bot_token"), std::string::npos)
      << secret.err;

  std::ofstream(path) << R"({"weekly_report": {"hours": 9}})";
  testing::CommandResult unknown = Run({"config", "check", "--config", path});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("weekly_report.hours"), std::string::npos) << unknown.err;
}

TEST_F(CliTest, RecordPrintsEachOutcome) {
  testing::CommandResult created = Run({"record", kCreate});
  EXPECT_EQ(created.exit_code, 0) << created.err;
  EXPECT_EQ(created.out, "applied alert_created alert_cli\n");
  EXPECT_EQ(Run({"record", kCreate}).out, "duplicate alert_created alert_cli\n");

  const std::string ack = R"({"type":"acknowledged","alert_id":"alert_cli","by":"1","at":"2026-01-05T21:15:00Z"})";
  EXPECT_EQ(Run({"record", ack}).out, "applied acknowledged alert_cli\n");
  EXPECT_EQ(Run({"record", ack}).out, "already_recorded acknowledged alert_cli\n");

  testing::CommandResult unknown = Run({"record", R"({"type":"resolved","alert_id":"alert_nope"})"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.out.find("unknown alert"), std::string::npos) << unknown.out;

  testing::CommandResult invalid = Run({"record", R"({"type":"alert_created","alert_id":"a b"})"});
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_NE(invalid.out.find("rejected: "), std::string::npos) << invalid.out;
}

TEST_F(CliTest, IngestCountsAndNamesRejectedLines) {
  const std::string input = kCreate + "\n" +
                            R"({"type":"acknowledged","alert_id":"alert_cli","by":"7","at":"2026-01-05T21:15:00Z"})" +
                            "\n\n" + R"({"type":"acknowledged","alert_id":"alert_cli","by":"8"})" + "\n" +
                            R"({"type":"alert_created","alert_id":"x","severity":"urgent"})" + "\n" + "not json\n" +
                            kCreate + "\n";
  testing::CommandResult result = Run({"ingest", "-", "--now", "2026-01-06T00:00:00Z"}, input);
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.out.find("applied: 2, duplicate: 1, already recorded: 1, rejected: 2"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("line 5: rejected: "), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("line 6: rejected: "), std::string::npos) << result.out;
}

TEST_F(CliTest, IngestOfMissingFileExitsTwo) {
  testing::CommandResult result = Run({"ingest", "/nonexistent/events.ndjson"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("/nonexistent/events.ndjson"), std::string::npos) << result.err;
}

TEST_F(CliTest, IngestOfFolderExitsTwo) {
  testing::CommandResult result = Run({"ingest", testing::SharedRedis().directory()});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("is a folder"), std::string::npos) << result.err;
}

TEST_F(CliTest, NowHoldsStillForEventsWithoutAt) {
  const std::string create =
      R"({"type":"alert_created","alert_id":"alert_now","alert_message_id":"1459737343545318600",)"
      R"("user_id":"258877960599111668","channel_id":"652367420041863082","severity":"low"})";
  ASSERT_EQ(Run({"record", create, "--now", "2026-01-05T12:00:00Z"}).exit_code, 0);
  ASSERT_EQ(Run({"record", R"({"type":"acknowledged","alert_id":"alert_now","by":"1"})", "--now",
                 "2026-01-05T12:01:00Z"})
                .exit_code,
            0);
  auto connection = testing::SharedRedis().Connect();
  EXPECT_EQ(connection->Command({"HGET", "ash:metrics:alert:alert_now", "time_to_acknowledge_seconds"}).str(), "60");
  EXPECT_EQ(connection->Command({"HGET", "ash:metrics:alert:alert_now", "created_at"}).str(), "1767614400000");
}

TEST_F(CliTest, UnreachableRedisExitsThreeNamingEndpoint) {
  testing::CommandResult result =
      RunAshMetrics({"report", "--redis-url", "unix:///nonexistent/redis.sock"}, "",
                    {{"BOT_SECRETS_DIR", testing::SharedRedis().directory()}});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_NE(result.err.find("unix:/nonexistent/redis.sock"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("Check that Redis is running"), std::string::npos) << result.err;
}

TEST_F(CliTest, GlobalOptionsWorkBeforeAndAfterSubcommand) {
  ASSERT_EQ(Run({"record", kCreate}).exit_code, 0);
  const std::string url = testing::SharedRedis().url();
  const std::map<std::string, std::string> env = {{"BOT_SECRETS_DIR", testing::SharedRedis().directory()}};
  testing::CommandResult before =
      RunAshMetrics({"--redis-url", url, "--now", "2026-01-12T09:00:00Z", "report", "--format", "json"}, "", env);
  testing::CommandResult after =
      RunAshMetrics({"report", "--format", "json", "--now", "2026-01-12T09:00:00Z", "--redis-url", url}, "", env);
  ASSERT_EQ(before.exit_code, 0) << before.err;
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(before.out, after.out);
  auto json = nlohmann::json::parse(before.out);
  EXPECT_EQ(json["end_date"], "2026-01-11");
  EXPECT_EQ(json["total_alerts"], 1);
}

TEST_F(CliTest, InvalidNowAndEndAreUsageErrors) {
  testing::CommandResult now = Run({"report", "--now", "yesterday"});
  EXPECT_EQ(now.exit_code, 2);
  EXPECT_NE(now.err.find("--now \"yesterday\""), std::string::npos) << now.err;
  testing::CommandResult end = Run({"report", "--end", "2026-02-30"});
  EXPECT_EQ(end.exit_code, 2);
  EXPECT_NE(end.err.find("--end \"2026-02-30\""), std::string::npos) << end.err;
}

TEST_F(CliTest, HelpWorksOnEverySubcommand) {
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"--help"}, {"config", "check", "--help"}, {"record", "--help"}, {"ingest", "--help"},
           {"import-legacy", "--help"}, {"report", "--help"}, {"simulate", "--help"}, {"demo", "--help"},
           {"serve", "--help"}, {"retention", "run", "--help"}, {"storage", "stats", "--help"},
           {"forget-user", "--help"}}) {
    testing::CommandResult result = RunAshMetrics(args);
    EXPECT_EQ(result.exit_code, 0) << args.front();
    EXPECT_NE(result.out.find("Usage"), std::string::npos) << args.front() << ": " << result.out;
  }
}

TEST_F(CliTest, SimulateIsDeterministic) {
  std::vector<std::string> args = {"simulate", "--week-of", "2026-01-05", "--alerts", "50", "--seed", "3"};
  testing::CommandResult first = RunAshMetrics(args);
  testing::CommandResult second = RunAshMetrics(args);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out, second.out);
  args.back() = "4";
  EXPECT_NE(RunAshMetrics(args).out, first.out);
}

TEST_F(CliTest, SimulatedWeekIngestsCleanly) {
  testing::CommandResult simulated =
      RunAshMetrics({"simulate", "--week-of", "2026-01-05", "--alerts", "200", "--seed", "11"});
  ASSERT_EQ(simulated.exit_code, 0);
  testing::CommandResult ingest = Run({"ingest", "-", "--now", "2026-01-12T09:00:00Z"}, simulated.out);
  EXPECT_EQ(ingest.exit_code, 0) << ingest.out;
  EXPECT_NE(ingest.out.find("rejected: 0"), std::string::npos) << ingest.out;

  auto report = nlohmann::json::parse(Run({"report", "--end", "2026-01-11", "--format", "json",
                                           "--now", "2026-01-12T09:00:00Z"}).out);
  EXPECT_EQ(report["total_alerts"], 200);
  EXPECT_GT(report["unacknowledged_count"].get<int>(), 0);
  EXPECT_GT(report["ash_auto_count"].get<int>(), 0);
  EXPECT_GT(report["ash_manual_count"].get<int>(), 0);
  EXPECT_GT(report["user_optout_count"].get<int>(), 0);
  EXPECT_FALSE(report["avg_resolve_seconds"].is_null());
}

TEST_F(CliTest, BundledSampleEqualsSimulation) {
  testing::CommandResult simulated =
      RunAshMetrics({"simulate", "--week-of", "2026-11-23", "--alerts", "60", "--seed", "20261123"});
  ASSERT_EQ(simulated.exit_code, 0);
  EXPECT_EQ(simulated.out, testing::ReadFile(std::string(ASH_SOURCE_DIR) + "/data/sample-week.ndjson"));
}

TEST_F(CliTest, DemoPrintsReportWithPrivateRedis) {
  testing::CommandResult result =
      RunAshMetrics({"demo"}, "", {{"BOT_SECRETS_DIR", testing::SharedRedis().directory()}});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("Weekly Crisis Response Report"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("Week of November 23, 2026 - November 29, 2026"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("Total Alerts:          60"), std::string::npos) << result.out;
}

}  // namespace
}  // namespace ash
