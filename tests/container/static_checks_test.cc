// Checks of the container files that need no Docker engine: shellcheck on
// every shell script, the compose file, .env.template and the Dockerfile.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "container/subprocess.h"

namespace ash::container_test {
namespace {

namespace fs = std::filesystem;

const fs::path kSourceDir = ASH_SOURCE_DIR;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Returns Debian's python3 when it has PyYAML (package python3-yaml), else
// an empty string.
std::string PythonWithYaml() {
  for (const std::string python : {"/usr/bin/python3", "python3"}) {
    if (RunCommand({python, "-c", "import yaml"}, BaseEnvironment()).exit_code == 0) return python;
  }
  return "";
}

bool IsShellScript(const fs::path& path) {
  if (path.extension() == ".sh") return true;
  std::ifstream in(path);
  std::string first_line;
  std::getline(in, first_line);
  static const std::regex kShebang(R"(^#!\s*(/usr)?/bin/(env\s+)?(sh|bash|dash)\b.*)");
  return std::regex_match(first_line, kShebang);
}

// Returns the repository's shell scripts, skipping .git and build folders.
std::vector<std::string> ShellScripts() {
  std::vector<std::string> scripts;
  for (auto it = fs::recursive_directory_iterator(kSourceDir); it != fs::recursive_directory_iterator(); ++it) {
    const std::string name = it->path().filename().string();
    if (it->is_directory()) {
      if (name == ".git" || name.rfind("build", 0) == 0 || fs::exists(it->path() / "CMakeCache.txt")) {
        it.disable_recursion_pending();
      }
      continue;
    }
    if (it->is_regular_file() && IsShellScript(it->path())) scripts.push_back(it->path().string());
  }
  std::sort(scripts.begin(), scripts.end());
  return scripts;
}

TEST(ShellScripts, PassShellcheck) {
  ASSERT_TRUE(ToolExists("shellcheck")) << "shellcheck not found: install the Debian package shellcheck";
  const std::vector<std::string> scripts = ShellScripts();
  const std::string entrypoint = (kSourceDir / "docker-entrypoint.sh").string();
  ASSERT_NE(std::find(scripts.begin(), scripts.end(), entrypoint), scripts.end())
      << "the script search missed " << entrypoint;

  std::vector<std::string> argv = {"shellcheck", "--external-sources"};
  argv.insert(argv.end(), scripts.begin(), scripts.end());
  const CommandResult result = RunCommand(argv, BaseEnvironment());

  std::string checked;
  for (const auto& script : scripts) checked += "\n  " + script;
  EXPECT_EQ(result.exit_code, 0) << "checked:" << checked << "\n" << result.out << result.err;
}

class ComposeFile : public ::testing::Test {
 protected:
  void SetUp() override {
    python_ = PythonWithYaml();
    ASSERT_FALSE(python_.empty()) << "no python3 with PyYAML: install the Debian package python3-yaml";
  }

  CommandResult Check(const fs::path& compose_file) const {
    return RunCommand({python_, (kSourceDir / "tests/container/check_compose.py").string(), compose_file.string()},
               BaseEnvironment());
  }

  std::string python_;
};

TEST_F(ComposeFile, ParsesAndNamesEverySecret) {
  const CommandResult result = Check(kSourceDir / "docker-compose.yml");

  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
}

// The checker itself must fail on a broken file, or the test above proves
// nothing.
TEST_F(ComposeFile, CheckerRejectsUndefinedSecret) {
  std::string text = ReadFile(kSourceDir / "docker-compose.yml");
  const std::string definition = "  metrics_api_token:\n    file: ./secrets/metrics_api_token\n";
  const size_t at = text.find(definition);
  ASSERT_NE(at, std::string::npos) << "docker-compose.yml no longer defines metrics_api_token as expected";
  text.erase(at, definition.size());
  const fs::path broken = fs::temp_directory_path() / ("ash-compose-" + std::to_string(getpid()) + ".yml");
  std::ofstream(broken) << text;

  const CommandResult result = Check(broken);
  fs::remove(broken);

  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.out.find("uses secret metrics_api_token, which the top-level secrets do not define"),
            std::string::npos)
      << result.out;
}

// Runs the Redis service's start command and health check from the compose
// file against a local redis-server on a unix socket.
TEST_F(ComposeFile, RedisCommandAndHealthCheckWork) {
  const CommandResult result =
      RunCommand({python_, (kSourceDir / "tests/container/run_compose_redis.py").string(),
           (kSourceDir / "docker-compose.yml").string()},
          BaseEnvironment());

  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
}

// Variables of the configuration and of the entrypoint that the template
// must document.
const std::vector<std::string> kConfigurationVariables = {
    "PUID", "PGID", "ALLOW_ROOT",
    "BOT_RESPONSE_METRICS_ENABLED", "BOT_RESPONSE_METRICS_RETENTION_DAYS",
    "BOT_RESPONSE_METRICS_AGGREGATE_RETENTION_DAYS",
    "BOT_WEEKLY_REPORT_ENABLED", "BOT_WEEKLY_REPORT_CHANNEL_ID", "BOT_WEEKLY_REPORT_DAY",
    "BOT_WEEKLY_REPORT_HOUR", "BOT_WEEKLY_REPORT_CATCH_UP_HOURS", "BOT_WEEKLY_REPORT_WEBHOOK_URL",
    "BOT_WEEKLY_REPORT_COMMUNITY_NAME",
    "BOT_RETENTION_ENABLED", "BOT_RETENTION_ALERT_METRICS_DAYS", "BOT_RETENTION_AGGREGATES_DAYS",
    "BOT_RETENTION_MESSAGE_HISTORY_DAYS", "BOT_RETENTION_SESSION_DATA_DAYS", "BOT_RETENTION_CLEANUP_HOUR",
    "BOT_RETENTION_BATCH_SIZE",
    "BOT_REDIS_HOST", "BOT_REDIS_PORT", "BOT_REDIS_DB", "BOT_REDIS_URL",
    "BOT_METRICS_HTTP_HOST", "BOT_METRICS_HTTP_PORT", "BOT_METRICS_HTTP_MAX_BODY_BYTES",
    "BOT_DISCORD_API_BASE_URL", "BOT_LOG_LEVEL", "BOT_LOG_FILE", "BOT_METRICS_SPOOL_PATH",
    "BOT_CONFIG_FILE", "BOT_SECRETS_DIR",
};

struct TemplateEntry {
  std::string name;
  std::string value;
  bool commented_out;
  std::string comment;  // the comment lines right above the entry
};

std::vector<TemplateEntry> ParseEnvTemplate() {
  static const std::regex kEntry(R"(^(# )?([A-Z][A-Z0-9_]*)=(.*)$)");
  std::vector<TemplateEntry> entries;
  std::ifstream in(kSourceDir / ".env.template");
  std::string comment;
  for (std::string line; std::getline(in, line);) {
    std::smatch match;
    if (std::regex_match(line, match, kEntry)) {
      entries.push_back({match[2], match[3], match[1].matched, comment});
      comment.clear();
    } else if (line.rfind("#", 0) == 0) {
      comment += line + "\n";
    } else {
      comment.clear();
    }
  }
  return entries;
}

TEST(EnvTemplate, ListsEveryVariable) {
  const std::vector<TemplateEntry> entries = ParseEnvTemplate();
  std::set<std::string> names;
  for (const auto& entry : entries) names.insert(entry.name);

  for (const std::string& variable : kConfigurationVariables) {
    EXPECT_TRUE(names.count(variable)) << variable << " is missing from .env.template";
  }
  for (const std::string& name : names) {
    EXPECT_NE(std::find(kConfigurationVariables.begin(), kConfigurationVariables.end(), name),
              kConfigurationVariables.end())
        << ".env.template sets " << name << ", which is not a known setting";
  }
}

// The configuration code is the source of truth: every BOT_* variable it
// reads must be documented in the template.
TEST(EnvTemplate, CoversConfigurationCode) {
  std::set<std::string> names;
  for (const auto& entry : ParseEnvTemplate()) names.insert(entry.name);
  static const std::regex kVariable(R"re("(BOT_[A-Z0-9_]+)")re");

  size_t found = 0;
  for (const auto& file : fs::directory_iterator(kSourceDir / "src/config")) {
    const std::string text = ReadFile(file.path());
    for (auto it = std::sregex_iterator(text.begin(), text.end(), kVariable); it != std::sregex_iterator(); ++it) {
      ++found;
      EXPECT_TRUE(names.count((*it)[1])) << (*it)[1] << " is read by " << file.path().filename().string()
                                         << " but missing from .env.template";
    }
  }
  if (found == 0) GTEST_SKIP() << "src/config reads no BOT_* variable yet";
}

TEST(EnvTemplate, EveryVariableStatesDefault) {
  for (const TemplateEntry& entry : ParseEnvTemplate()) {
    EXPECT_NE(entry.comment.find("Default"), std::string::npos)
        << entry.name << " has no comment with its default right above it";
  }
}

TEST(EnvTemplate, ContainsNoSecret) {
  static const std::regex kSecretName(R"((TOKEN|PASSWORD|PASSWD)$)");
  static const std::regex kCredentialUrl(R"(://[^/\s]*:[^/\s]*@)");
  for (const TemplateEntry& entry : ParseEnvTemplate()) {
    EXPECT_FALSE(std::regex_search(entry.name, kSecretName)) << entry.name << " belongs in a secret file";
    EXPECT_FALSE(std::regex_search(entry.value, kCredentialUrl)) << entry.name << " holds a URL with a password";
    if (entry.name == "BOT_WEEKLY_REPORT_WEBHOOK_URL") {
      EXPECT_TRUE(entry.commented_out) << "the template must not set a webhook URL";
      EXPECT_EQ(entry.value, "") << "the template must not carry a webhook URL";
    }
  }
}

class DockerfileText : public ::testing::Test {
 protected:
  void SetUp() override { text_ = ReadFile(kSourceDir / "Dockerfile"); }

  bool Has(const std::string& pattern) const {
    return std::regex_search(text_, std::regex(pattern, std::regex::multiline));
  }

  std::string text_;
};

TEST_F(DockerfileText, HasBuildAndSlimRuntimeStages) {
  EXPECT_TRUE(Has(R"(^FROM debian:bookworm AS build$)"));
  EXPECT_TRUE(Has(R"(^FROM debian:bookworm-slim AS runtime$)"));
  EXPECT_TRUE(Has(R"(^COPY --from=build /src/build/ash-metrics /usr/local/bin/ash-metrics$)"));
}

TEST_F(DockerfileText, BuildStageInstallsBuildDependencies) {
  for (const char* package : {"build-essential", "cmake", "pkg-config", "libhiredis-dev", "libcurl4-openssl-dev",
                              "nlohmann-json3-dev", "libspdlog-dev", "libfmt-dev", "libcli11-dev",
                              "libcpp-httplib-dev"}) {
    EXPECT_TRUE(Has(std::string(R"(^\s+)") + package + R"( \\$)")) << package << " is not installed in the build stage";
  }
  EXPECT_TRUE(Has(R"(-DASH_BUILD_TESTS=OFF -DASH_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=Release)"));
}

TEST_F(DockerfileText, RuntimeSettings) {
  EXPECT_TRUE(Has(R"(useradd --system --uid 1001 --gid ash )")) << "no non-root ash user";
  EXPECT_TRUE(Has(R"(^VOLUME \["/app/data", "/app/logs"\]$)"));
  EXPECT_TRUE(Has(R"(^HEALTHCHECK .*\\\n\s+CMD curl -fsS .*/health)"));
  EXPECT_TRUE(Has(R"(^STOPSIGNAL SIGTERM$)"));
  EXPECT_TRUE(Has(R"(^LABEL org\.opencontainers\.image\.title=)"));
  EXPECT_TRUE(Has(R"(^ENTRYPOINT \["docker-entrypoint\.sh"\]$)"));
  EXPECT_TRUE(Has(R"(^CMD \["ash-metrics", "serve"\]$)"));
  EXPECT_TRUE(Has(R"(BOT_METRICS_HTTP_HOST=0\.0\.0\.0)"));
  // The entrypoint needs root to apply PUID/PGID; it drops root itself.
  EXPECT_FALSE(Has(R"(^USER )")) << "a USER instruction would stop the entrypoint from applying PUID/PGID";
}

TEST(DockerIgnore, KeepsEntrypointAndSources) {
  const std::string text = ReadFile(kSourceDir / ".dockerignore");
  std::set<std::string> patterns;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line[0] != '#') patterns.insert(line);
  }

  for (const char* needed : {"docker-entrypoint.sh", "src", "cmake", "CMakeLists.txt", "*.sh"}) {
    EXPECT_FALSE(patterns.count(needed)) << needed << " is excluded from the build context";
  }
  for (const char* private_file : {".env", "secrets", ".git"}) {
    EXPECT_TRUE(patterns.count(private_file)) << private_file << " would be sent to the build context";
  }
}

}  // namespace
}  // namespace ash::container_test
