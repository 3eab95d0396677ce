#include "testing/process.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "gtest/gtest.h"

namespace walrelay::testing {
namespace {

// Made before main, so destroyed after the statics a test makes, as a shared KafkaCluster (made
// on first use) is: its destructor runs `scripts/kafka down` as a Process, which makes a temp
// dir. Before the list of temp dirs outlived such destructors, this binary's exit freed the
// list's memory twice (ASan: heap-use-after-free); ctest sees the exit status.
struct RunsAProcessAtExit {
  ~RunsAProcessAtExit() {
    auto r = RunProcess({"/bin/true"}, std::chrono::seconds(30));
    if (!r.ok() || r->exit_code != 0) {
      std::fprintf(stderr, "a process run by a static destructor failed\n");
      std::_Exit(1);
    }
  }
} runs_a_process_at_exit;

// Runs MakeTempDir and WriteTempFile in a child that then exits normally; returns the paths.
std::vector<std::string> PathsMadeByAChildThatExits(bool keep) {
  int fds[2];
  if (::pipe(fds) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    if (keep) {
      ::setenv("WALRELAY_KEEP_TEST_DIRS", "1", 1);
    } else {
      ::unsetenv("WALRELAY_KEEP_TEST_DIRS");
    }
    const std::string paths = MakeTempDir() + "\n" + WriteTempFile("file", "x") + "\n";
    if (::write(fds[1], paths.data(), paths.size()) != static_cast<ssize_t>(paths.size())) {
      std::_Exit(3);
    }
    ::close(fds[1]);
    std::exit(0);  // normally: atexit functions and static destructors run
  }
  ::close(fds[1]);
  std::string text;
  char buf[512];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof(buf))) > 0;) text.append(buf, n);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  std::vector<std::string> paths;
  for (size_t start = 0, end; (end = text.find('\n', start)) != std::string::npos;
       start = end + 1) {
    paths.push_back(text.substr(start, end - start));
  }
  return paths;
}

TEST(TempDirsTest, RemovedWhenTheBinaryExits) {
  std::vector<std::string> paths = PathsMadeByAChildThatExits(false);
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_EQ(paths[0].rfind("/tmp/walrelay-test-", 0), 0u) << paths[0];
  EXPECT_FALSE(std::filesystem::exists(paths[0])) << paths[0];
  EXPECT_FALSE(std::filesystem::exists(paths[1])) << paths[1];
}

TEST(TempDirsTest, KeptWhenAsked) {
  std::vector<std::string> paths = PathsMadeByAChildThatExits(true);
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_TRUE(std::filesystem::is_directory(paths[0])) << paths[0];
  EXPECT_TRUE(std::filesystem::is_regular_file(paths[1])) << paths[1];
  std::error_code ignored;
  std::filesystem::remove_all(paths[0], ignored);
  std::filesystem::remove_all(std::filesystem::path(paths[1]).parent_path(), ignored);
}

TEST(ProcessTest, CapturesOutputAndExitStatus) {
  auto r = RunProcess({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
}

}  // namespace
}  // namespace walrelay::testing
