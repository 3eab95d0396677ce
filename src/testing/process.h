#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace walrelay::testing {

// A child process whose stdout and stderr go to files (so a test can read them while it runs and
// after it is killed). The destructor kills it (SIGKILL) if it is still running.
class Process {
 public:
  // Starts `argv` (argv[0] is a path) with stdout/stderr captured into files under a temp dir.
  static Result<std::unique_ptr<Process>> Start(const std::vector<std::string>& argv);
  ~Process();

  pid_t pid() const { return pid_; }
  // Waits up to `timeout`; returns the exit status (128+signal when killed), or kRetry on timeout.
  Result<int> Wait(std::chrono::milliseconds timeout);
  void Signal(int sig);
  bool Running();
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  Process() = default;
  pid_t pid_ = -1;
  int status_ = -1;
  bool reaped_ = false;
  std::string dir_;
};

// Runs argv to completion (killing it after `timeout`) and returns exit status, stdout, stderr.
struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
Result<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(60));

// Runs the project script `script` (its path; `name` for messages, e.g. "scripts/kafka") with
// `--dir DIR` when `dir` is not empty, then `args`, and returns its stdout; a non-zero exit is
// kFatal with the command and its stderr.
Result<std::string> RunServerScript(const std::string& script, const std::string& name,
                                    const std::string& dir, const std::vector<std::string>& args,
                                    std::chrono::milliseconds timeout);

// Writes `content` to a new file in a fresh temp dir and returns its path.
std::string WriteTempFile(const std::string& name, const std::string& content);
// A fresh temporary directory, /tmp/walrelay-test-*, removed with everything in it when the test
// binary exits (kept when WALRELAY_KEEP_TEST_DIRS is set).
std::string MakeTempDir();

}  // namespace walrelay::testing
