// Tests of docker-entrypoint.sh, run directly on this machine (no Docker
// engine): the PUID/PGID change, folder ownership, dropping root, signal
// delivery and the rejection of invalid settings. The tests that change a
// user's ids need root and create a throwaway user and temporary folders.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "container/subprocess.h"

namespace ash::container_test {
namespace {

namespace fs = std::filesystem;

constexpr int kExitConfig = 78;  // EX_CONFIG, the entrypoint's status for invalid settings
constexpr uid_t kNobody = 65534;

// A service stand-in: reports that its SIGTERM handler is in place, then
// waits until SIGTERM makes it exit with status 0. The handler also ends
// the running sleep, so no process keeps the test user's uid busy.
const std::vector<std::string> kTrappingService = {
    "sh", "-c", "trap 'kill $! 2>/dev/null; exit 0' TERM; echo ready; while :; do sleep 1 & wait $!; done"};

// Creates a temporary folder that every user may enter, holding a copy of
// the entrypoint that every user may run.
class EntrypointCopy {
 public:
  EntrypointCopy() {
    std::string pattern = (fs::temp_directory_path() / "ash-entrypoint-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    root_ = pattern;
    fs::permissions(root_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec);
    fs::copy_file(fs::path(ASH_SOURCE_DIR) / "docker-entrypoint.sh", Script());
    fs::permissions(Script(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);
  }
  ~EntrypointCopy() {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }
  EntrypointCopy(const EntrypointCopy&) = delete;
  EntrypointCopy& operator=(const EntrypointCopy&) = delete;

  const fs::path& Root() const { return root_; }
  std::string Script() const { return (root_ / "docker-entrypoint.sh").string(); }

 private:
  fs::path root_;
};

std::vector<std::string> Concat(std::vector<std::string> head, const std::vector<std::string>& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

// Returns the values of one line of /proc/<pid>/status ("Uid", "Gid",
// "Groups"), without the label.
std::string ProcStatusField(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(field + ":", 0) == 0) {
      std::string values = line.substr(field.size() + 1);
      std::istringstream words(values);
      std::string joined;
      for (std::string word; words >> word;) joined += (joined.empty() ? "" : " ") + word;
      return joined;
    }
  }
  return "<no " + field + " line>";
}

struct Owner {
  uid_t uid;
  gid_t gid;
  bool operator==(const Owner&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Owner& owner) {
  return out << owner.uid << ":" << owner.gid;
}

Owner OwnerOf(const fs::path& path) {
  struct stat info {};
  if (lstat(path.c_str(), &info) != 0) return Owner{static_cast<uid_t>(-1), static_cast<gid_t>(-1)};
  return Owner{info.st_uid, info.st_gid};
}

// Settings rejected before anything changes, whoever runs the entrypoint.
TEST(EntrypointSettings, InvalidIdsExitWithMessage) {
  EntrypointCopy copy;
  struct Case {
    std::string variable;
    std::string value;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"PUID", "abc", "PUID='abc' is invalid"},
      {"PUID", "-5", "PUID='-5' is invalid"},
      {"PUID", "1.5", "PUID='1.5' is invalid"},
      {"PUID", " 12", "PUID=' 12' is invalid"},
      {"PUID", "010", "PUID='010' is invalid"},
      {"PUID", "2147483648", "PUID='2147483648' is out of range"},
      {"PUID", "99999999999999999999", "is out of range"},
      {"PGID", "users", "PGID='users' is invalid"},
      {"PUID", "0", "PUID=0 would run the service as root"},
      {"PGID", "0", "PGID=0 would run the service as root"},
      {"ALLOW_ROOT", "yes", "ALLOW_ROOT='yes' is invalid"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.variable + "=" + c.value);
    const CommandResult result =
        RunCommand({"sh", copy.Script(), "echo", "service started"}, BaseEnvironment({c.variable + "=" + c.value}));

    EXPECT_EQ(result.exit_code, kExitConfig) << result.err;
    EXPECT_NE(result.err.find(c.message), std::string::npos) << result.err;
    EXPECT_EQ(result.out, "");
  }
}

TEST(EntrypointSettings, MissingCommandExitsWithMessage) {
  EntrypointCopy copy;

  const CommandResult result = RunCommand({"sh", copy.Script()}, BaseEnvironment());

  EXPECT_EQ(result.exit_code, kExitConfig);
  EXPECT_NE(result.err.find("no command given"), std::string::npos) << result.err;
}

// Runs the entrypoint as a non-root user: as nobody when the test runs as
// root, else as the test's own user.
class EntrypointAsNonRoot : public ::testing::Test {
 protected:
  std::vector<std::string> AsNonRoot(std::vector<std::string> argv) const {
    if (geteuid() != 0) return argv;
    return Concat({"setpriv", "--reuid=" + std::to_string(kNobody), "--regid=" + std::to_string(kNobody),
                   "--clear-groups", "--"},
                  argv);
  }
  uid_t ExpectedUid() const { return geteuid() == 0 ? kNobody : geteuid(); }

  EntrypointCopy copy_;
};

TEST_F(EntrypointAsNonRoot, SkipsIdChange) {
  const fs::path data = copy_.Root() / "data";
  fs::create_directory(data);
  const Owner before = OwnerOf(data);

  const CommandResult result =
      RunCommand(AsNonRoot({"sh", copy_.Script(), "id", "-u"}),
          BaseEnvironment({"PUID=2345", "PGID=2346", "APP_USER=no-such-user", "APP_DIRS=" + data.string()}));

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, std::to_string(ExpectedUid()) + "\n");
  EXPECT_NE(result.err.find("(not root): PUID and PGID not applied"), std::string::npos) << result.err;
  EXPECT_EQ(Lines(result.err).size(), 1u) << result.err;
  EXPECT_EQ(OwnerOf(data), before);
}

TEST_F(EntrypointAsNonRoot, UnknownCommandRunsAshMetrics) {
  // A stand-in ash-metrics on PATH shows which arguments it received.
  const fs::path bin = copy_.Root() / "bin";
  fs::create_directory(bin);
  {
    std::ofstream fake(bin / "ash-metrics");
    fake << "#!/bin/sh\necho \"ash-metrics $*\"\n";
  }
  fs::permissions(bin, fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
  fs::permissions(bin / "ash-metrics", fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
  std::vector<std::string> env = BaseEnvironment();
  env[0] = "PATH=" + bin.string() + ":/usr/sbin:/usr/bin:/sbin:/bin";

  const CommandResult subcommand = RunCommand(AsNonRoot({"sh", copy_.Script(), "report", "--format", "json"}), env);
  const CommandResult option = RunCommand(AsNonRoot({"sh", copy_.Script(), "--version"}), env);
  const CommandResult program = RunCommand(AsNonRoot({"sh", copy_.Script(), "echo", "plain"}), env);

  EXPECT_EQ(subcommand.out, "ash-metrics report --format json\n") << subcommand.err;
  EXPECT_EQ(option.out, "ash-metrics --version\n") << option.err;
  EXPECT_EQ(program.out, "plain\n") << program.err;
}

// Root-only: creates a throwaway user and group, and runs the entrypoint
// with APP_USER and APP_DIRS pointing at them instead of the image's "ash"
// and /app folders.
class EntrypointAsRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) {
      GTEST_SKIP() << "needs root: the entrypoint changes a user's ids and folder owners (CI runs as root)";
    }
    for (const char* tool : {"useradd", "userdel", "groupdel", "setpriv"}) {
      ASSERT_TRUE(ToolExists(tool)) << tool << " not found: install the Debian packages passwd and util-linux";
    }
    user_ = "ashct" + std::to_string(getpid());
    const CommandResult added =
        RunCommand({"useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin",
             "--user-group", user_},
            BaseEnvironment());
    ASSERT_EQ(added.exit_code, 0) << added.err;
    user_created_ = true;

    data_ = copy_.Root() / "data";
    logs_ = copy_.Root() / "logs";  // left for the entrypoint to create
    outside_ = copy_.Root() / "outside";
    fs::create_directories(data_ / "nested");
    std::ofstream(data_ / "spool.ndjson") << "{}\n";
    std::ofstream(outside_) << "not an app folder\n";
  }

  // --force: other users (of this machine, or of a test running in
  // parallel) may share the uid or gid that the entrypoint set, and plain
  // userdel and groupdel refuse to remove an id that another account uses.
  void TearDown() override {
    if (!user_created_) return;
    RunCommand({"userdel", "--force", user_}, BaseEnvironment());
    RunCommand({"groupdel", "--force", user_}, BaseEnvironment());  // fails harmlessly when userdel removed it
  }

  std::vector<std::string> Environment(std::vector<std::string> extra) const {
    return Environment(std::move(extra), user_);
  }

  std::vector<std::string> Environment(std::vector<std::string> extra, const std::string& user) const {
    extra.push_back("APP_USER=" + user);
    extra.push_back("APP_DIRS=" + data_.string() + " " + logs_.string());
    return BaseEnvironment(extra);
  }

  std::vector<std::string> Entrypoint(const std::vector<std::string>& command) const {
    return Concat({"sh", copy_.Script()}, command);
  }

  // Ids of this process only, so tests running in parallel never share a
  // uid or gid: blocks of four from 20000 to 59999.
  const unsigned uid_ = 20000 + static_cast<unsigned>(getpid()) % 10000 * 4;
  const unsigned gid_ = uid_ + 1;
  const unsigned uid2_ = uid_ + 2;
  const unsigned gid2_ = uid_ + 3;
  const std::string puid_ = "PUID=" + std::to_string(uid_);
  const std::string pgid_ = "PGID=" + std::to_string(gid_);

  EntrypointCopy copy_;
  std::string user_;
  bool user_created_ = false;
  fs::path data_;
  fs::path logs_;
  fs::path outside_;
};

TEST_F(EntrypointAsRoot, ServiceRunsWithPuidAndPgid) {
  ChildProcess child = Spawn(Entrypoint(kTrappingService), Environment({puid_, pgid_}));
  const std::string first_line = ReadLine(child);

  // The entrypoint execs: the pid that was started is now the service.
  const std::string uid = ProcStatusField(child.pid, "Uid");
  const std::string gid = ProcStatusField(child.pid, "Gid");
  const std::string groups = ProcStatusField(child.pid, "Groups");
  kill(child.pid, SIGTERM);
  const CommandResult result = Wait(child);

  ASSERT_EQ(first_line, "ready") << result.err;
  const std::string u = std::to_string(uid_);
  const std::string g = std::to_string(gid_);
  EXPECT_EQ(uid, u + " " + u + " " + u + " " + u);  // real, effective, saved, filesystem
  EXPECT_EQ(gid, g + " " + g + " " + g + " " + g);
  EXPECT_EQ(groups, "");  // no supplementary groups left from root
}

TEST_F(EntrypointAsRoot, SigtermGivesCleanExit) {
  ChildProcess child = Spawn(Entrypoint(kTrappingService), Environment({puid_, pgid_}));
  const std::string first_line = ReadLine(child);
  kill(child.pid, SIGTERM);
  const CommandResult result = Wait(child);

  ASSERT_EQ(first_line, "ready") << result.err;
  EXPECT_EQ(result.term_signal, 0);
  EXPECT_EQ(result.exit_code, 0) << result.err;
}

TEST_F(EntrypointAsRoot, AppFoldersBelongToIds) {
  const CommandResult result = RunCommand(Entrypoint({"id", "-u"}), Environment({puid_, pgid_}));

  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, std::to_string(uid_) + "\n");
  const Owner app_owner{uid_, gid_};
  EXPECT_EQ(OwnerOf(data_), app_owner);
  EXPECT_EQ(OwnerOf(data_ / "spool.ndjson"), app_owner);
  EXPECT_EQ(OwnerOf(data_ / "nested"), app_owner);
  EXPECT_EQ(OwnerOf(logs_), app_owner);
  EXPECT_EQ(OwnerOf(outside_), (Owner{0, 0}));
  EXPECT_EQ(OwnerOf(copy_.Root()), (Owner{0, 0}));
}

TEST_F(EntrypointAsRoot, UserEntryGetsIds) {
  const CommandResult result = RunCommand(Entrypoint({"true"}), Environment({puid_, pgid_}));
  const CommandResult uid = RunCommand({"id", "-u", user_}, BaseEnvironment());
  const CommandResult gid = RunCommand({"id", "-g", user_}, BaseEnvironment());

  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(uid.out, std::to_string(uid_) + "\n");
  EXPECT_EQ(gid.out, std::to_string(gid_) + "\n");
}

TEST_F(EntrypointAsRoot, BannerIsOneLineWithIds) {
  const CommandResult result = RunCommand(Entrypoint({"true"}), Environment({puid_, pgid_}));

  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::vector<std::string> lines = Lines(result.err);
  ASSERT_EQ(lines.size(), 1u) << result.err;
  EXPECT_NE(lines[0].find("uid " + std::to_string(uid_)), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("gid " + std::to_string(gid_)), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find(user_), std::string::npos) << lines[0];
}

TEST_F(EntrypointAsRoot, RestartWithSameIdsSucceeds) {
  const CommandResult first = RunCommand(Entrypoint({"id", "-u"}), Environment({puid_, pgid_}));
  const CommandResult second = RunCommand(Entrypoint({"id", "-u"}), Environment({puid_, pgid_}));

  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.out, std::to_string(uid_) + "\n");
  EXPECT_EQ(Lines(second.err).size(), 1u) << second.err;
}

TEST_F(EntrypointAsRoot, NewIdsReplaceOldOnes) {
  const CommandResult first = RunCommand(Entrypoint({"true"}), Environment({puid_, pgid_}));
  const CommandResult second = RunCommand(Entrypoint({"id", "-u"}), Environment({"PUID=" + std::to_string(uid2_), "PGID=" + std::to_string(gid2_)}));

  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.out, std::to_string(uid2_) + "\n");
  EXPECT_EQ(OwnerOf(data_ / "spool.ndjson"), (Owner{uid2_, gid2_}));
}

TEST_F(EntrypointAsRoot, DefaultIdsAre1001) {
  const CommandResult result = RunCommand(Entrypoint({"id", "-u"}), Environment({}));

  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "1001\n");
  EXPECT_EQ(OwnerOf(data_), (Owner{1001, 1001}));
}

TEST_F(EntrypointAsRoot, AllowRootRunsAsRoot) {
  const CommandResult result =
      RunCommand(Entrypoint({"id", "-u"}), Environment({"PUID=0", "PGID=0", "ALLOW_ROOT=true"}));

  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "0\n");
  EXPECT_NE(result.err.find("because ALLOW_ROOT=true"), std::string::npos) << result.err;
}

TEST_F(EntrypointAsRoot, MissingUserExitsWithMessage) {
  const CommandResult result =
      RunCommand(Entrypoint({"true"}), Environment({puid_, pgid_}, "no-such-user-ash"));

  EXPECT_EQ(result.exit_code, kExitConfig);
  EXPECT_NE(result.err.find("user 'no-such-user-ash' not found"), std::string::npos) << result.err;
  EXPECT_EQ(OwnerOf(data_), (Owner{0, 0}));
}

}  // namespace
}  // namespace ash::container_test
