// Checks that the Dockerfile's runtime stage installs every shared library
// the built ash-metrics loads. check_runtime_libs.py maps each library that
// `ldd` lists to its Debian package with `dpkg -S`, and compares them with
// the stage's apt-get install command and the packages of
// debian:bookworm-slim. The package names come from this machine, which
// must run Debian bookworm like the image.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "container/subprocess.h"

namespace ash::container_test {
namespace {

namespace fs = std::filesystem;

const fs::path kSourceDir = ASH_SOURCE_DIR;
const fs::path kContainerTests = kSourceDir / "tests/container";

class RuntimeLibraries : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* tool : {"python3", "ldd", "dpkg", "dpkg-query", "objdump"}) {
      ASSERT_TRUE(ToolExists(tool)) << tool << " not found: install the Debian packages python3, libc-bin, "
                                    << "dpkg and binutils";
    }
  }

  CommandResult Check(const fs::path& dockerfile, const fs::path& binary) const {
    return RunCommand({"python3", (kContainerTests / "check_runtime_libs.py").string(), dockerfile.string(),
                binary.string(), (kContainerTests / "debian-bookworm-slim.packages").string()},
               BaseEnvironment());
  }
};

TEST_F(RuntimeLibraries, DockerfileInstallsLibrariesOfBinary) {
#ifdef ASH_SANITIZED
  GTEST_SKIP() << "a sanitizer build links libasan and libubsan, which the release image never ships";
#endif
  ASSERT_TRUE(fs::exists(ASH_BINARY)) << "build the ash-metrics target first: " << ASH_BINARY;

  const CommandResult result = Check(kSourceDir / "Dockerfile", ASH_BINARY);

  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
}

// The check must fail when a needed package is missing, or the test above
// proves nothing. curl links libcurl.so.4 (package libcurl4) directly.
TEST_F(RuntimeLibraries, CheckerReportsMissingPackage) {
  const fs::path curl = "/usr/bin/curl";
  if (!fs::exists(curl)) GTEST_SKIP() << "needs /usr/bin/curl (Debian package curl) as a sample binary";
  const fs::path dockerfile = fs::temp_directory_path() / ("ash-dockerfile-" + std::to_string(getpid()));
  std::ofstream(dockerfile) << "FROM debian:bookworm AS build\n"
                               "RUN apt-get install -y libcurl4\n"
                               "FROM debian:bookworm-slim AS runtime\n"
                               "RUN apt-get update \\\n"
                               "    && apt-get install -y --no-install-recommends ca-certificates \\\n"
                               "    && rm -rf /var/lib/apt/lists/*\n";

  const CommandResult missing = Check(dockerfile, curl);
  const CommandResult real = Check(kSourceDir / "Dockerfile", curl);
  fs::remove(dockerfile);

  EXPECT_EQ(missing.exit_code, 1) << missing.out << missing.err;
  EXPECT_NE(missing.out.find("libcurl4 (provides libcurl.so.4, linked directly by the binary)"), std::string::npos)
      << missing.out;
  EXPECT_EQ(real.exit_code, 0) << real.out << real.err;
}

}  // namespace
}  // namespace ash::container_test
