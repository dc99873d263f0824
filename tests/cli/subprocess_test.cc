// Tests of SpawnProcess: the child's arguments, environment, folder and
// streams, and starts that do not deadlock while other threads allocate.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support/command.h"
#include "util/subprocess.h"

namespace ash {
namespace {

class SubprocessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "ash-spawn-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    directory_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::string Path(const std::string& name) const { return directory_ + "/" + name; }

  std::string directory_;
};

// Waits for `pid` up to `limit` and returns its wait status. A child still
// running then is killed and the test fails: a guard against a hang, not a
// timing assertion.
int WaitWithDeadline(pid_t pid, std::chrono::seconds limit = std::chrono::seconds(60)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      ADD_FAILURE() << "child " << pid << " was still running after " << limit.count() << " s";
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return status;
}

TEST_F(SubprocessTest, PassesArgumentsAndStreams) {
  SpawnOptions spawn;
  spawn.argv = {"sh", "-c", "read line; echo \"$line $GREETING $1\"; echo problem >&2; exit 3", "sh", "world"};
  spawn.environment = std::vector<std::string>{"PATH=/usr/bin:/bin", "GREETING=hello"};
  std::ofstream(Path("in")) << "input\n";
  spawn.stdin_path = Path("in");
  spawn.stdout_path = Path("out");
  spawn.stderr_path = Path("err");

  const int status = WaitWithDeadline(SpawnProcess(spawn));
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3);
  EXPECT_EQ(testing::ReadFile(Path("out")), "input hello world\n");
  EXPECT_EQ(testing::ReadFile(Path("err")), "problem\n");
}

TEST_F(SubprocessTest, AppendsInWorkingDirectory) {
  SpawnOptions spawn;
  spawn.argv = {"pwd"};
  spawn.working_directory = directory_;
  spawn.stdout_path = Path("log");
  spawn.stderr_path = Path("log");
  spawn.append_output = true;
  for (int run = 0; run < 2; ++run) {
    const int status = WaitWithDeadline(SpawnProcess(spawn));
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  const std::string expected = std::filesystem::canonical(directory_).string() + "\n";
  EXPECT_EQ(testing::ReadFile(Path("log")), expected + expected);
}

TEST_F(SubprocessTest, MissingProgramExitsWith127) {
  SpawnOptions spawn;
  spawn.argv = {"ash-metrics-no-such-program"};
  const int status = WaitWithDeadline(SpawnProcess(spawn));
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 127);
}

TEST_F(SubprocessTest, EnvironmentWithSetsAndRemoves) {
  setenv("ASH_SPAWN_TEST_KEEP", "kept", 1);
  setenv("ASH_SPAWN_TEST_DROP", "dropped", 1);
  const std::vector<std::string> environment =
      EnvironmentWith({{"ASH_SPAWN_TEST_DROP", ""}, {"ASH_SPAWN_TEST_NEW", "added"}});
  auto has = [&](const std::string& entry) {
    return std::find(environment.begin(), environment.end(), entry) != environment.end();
  };
  EXPECT_TRUE(has("ASH_SPAWN_TEST_KEEP=kept"));
  EXPECT_TRUE(has("ASH_SPAWN_TEST_NEW=added"));
  for (const std::string& entry : environment) EXPECT_FALSE(entry.starts_with("ASH_SPAWN_TEST_DROP=")) << entry;
}

// An ignored SIGTERM survives exec, so the child must reset it to the
// default for a stop request to work.
TEST_F(SubprocessTest, ChildStartsWithDefaultSignals) {
  struct sigaction previous{};
  struct sigaction ignore{};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGTERM, &ignore, &previous);
  SpawnOptions spawn;
  spawn.argv = {"sleep", "60"};
  const pid_t pid = SpawnProcess(spawn);
  sigaction(SIGTERM, &previous, nullptr);

  // Before exec the child may still ignore SIGTERM, so wait for the exec.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (testing::ReadFile("/proc/" + std::to_string(pid) + "/comm") != "sleep\n" &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid, SIGTERM);
  const int status = WaitWithDeadline(pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << status;
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
}

// Under AddressSanitizer, a child that allocated after fork() could wait
// forever on an allocator lock that another thread held at the fork. This
// starts many children while other threads allocate.
TEST_F(SubprocessTest, StartsWhileOtherThreadsAllocate) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> allocators;
  for (int i = 0; i < 3; ++i) {
    allocators.emplace_back([&stop] {
      while (!stop.load(std::memory_order_relaxed)) {
        std::vector<std::unique_ptr<std::string>> garbage;
        for (int j = 0; j < 64; ++j) garbage.push_back(std::make_unique<std::string>(64 + j, 'x'));
      }
    });
  }
  SpawnOptions spawn;
  spawn.argv = {"true"};
  for (int run = 0; run < 100; ++run) {
    const int status = WaitWithDeadline(SpawnProcess(spawn));
    ASSERT_TRUE(WIFEXITED(status)) << "run " << run;
    ASSERT_EQ(WEXITSTATUS(status), 0) << "run " << run;
  }
  stop = true;
  for (std::thread& thread : allocators) thread.join();
}

}  // namespace
}  // namespace ash
