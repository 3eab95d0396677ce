#include "testing/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

namespace walrelay::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The directories MakeTempDir made, removed when the test binary exits (kept when
// WALRELAY_KEEP_TEST_DIRS is set, to look at a failed run's files). The list is never destroyed:
// static destructors still make directories at exit (a shared KafkaCluster's runs its `down`
// script as a Process), and one that added to a destroyed list freed its memory twice.
struct TempDirs {
  std::mutex mu;
  std::vector<std::string> dirs;
};

TempDirs& MadeTempDirs() {
  static TempDirs* dirs = new TempDirs();
  return *dirs;
}

void RemoveMadeTempDirs() {
  const char* keep = std::getenv("WALRELAY_KEEP_TEST_DIRS");
  if (keep != nullptr && *keep != '\0') return;
  TempDirs& made = MadeTempDirs();
  std::lock_guard<std::mutex> lock(made.mu);
  for (const std::string& dir : made.dirs) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  made.dirs.clear();
}

// Registered before main, so it runs after the destructors of every static made during the
// tests (exit runs atexit functions and static destructors in reverse order of registration).
[[maybe_unused]] const bool kRemoveMadeTempDirsAtExit = [] {
  MadeTempDirs();
  return std::atexit(RemoveMadeTempDirs) == 0;
}();

}  // namespace

std::string MakeTempDir() {
  std::string tmpl = "/tmp/walrelay-test-XXXXXX";
  char* d = ::mkdtemp(tmpl.data());
  if (d == nullptr) return "/tmp";
  TempDirs& made = MadeTempDirs();
  std::lock_guard<std::mutex> lock(made.mu);
  made.dirs.push_back(d);
  return d;
}

std::string WriteTempFile(const std::string& name, const std::string& content) {
  std::string path = MakeTempDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

Result<std::unique_ptr<Process>> Process::Start(const std::vector<std::string>& argv) {
  if (argv.empty()) return InvalidArgument("empty argv");
  std::unique_ptr<Process> p(new Process());
  p->dir_ = MakeTempDir();
  std::string out = p->dir_ + "/stdout", err = p->dir_ + "/stderr";
  // Everything the child needs is prepared before fork: a child of a threaded parent may not
  // allocate.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return FatalError("fork failed");
  if (pid == 0) {
    int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int n = ::open("/dev/null", O_RDONLY);
    ::dup2(n, 0);
    ::dup2(o, 1);
    ::dup2(e, 2);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  p->pid_ = pid;
  return p;
}

Process::~Process() {
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  // The directory of its stdout and stderr (tens of thousands were left in /tmp before).
  if (dir_.rfind("/tmp/walrelay-test-", 0) == 0) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

Result<int> Process::Wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!reaped_) {
    int st = 0;
    pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) return RetryError("process still running");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return status_;
}

void Process::Signal(int sig) {
  if (pid_ > 0 && !reaped_) ::kill(pid_, sig);
}

bool Process::Running() { return !Wait(std::chrono::milliseconds(0)).ok(); }

std::string Process::Stdout() const { return ReadFile(dir_ + "/stdout"); }
std::string Process::Stderr() const { return ReadFile(dir_ + "/stderr"); }

Result<std::string> RunServerScript(const std::string& script, const std::string& name,
                                    const std::string& dir, const std::vector<std::string>& args,
                                    std::chrono::milliseconds timeout) {
  std::vector<std::string> argv = {script};
  if (!dir.empty()) {
    argv.push_back("--dir");
    argv.push_back(dir);
  }
  argv.insert(argv.end(), args.begin(), args.end());
  std::string command = name;
  for (const std::string& a : args) command += " " + a;
  auto result = RunProcess(argv, timeout);
  if (!result.ok()) return result.status().WithContext(command);
  if (result->exit_code != 0) {
    return FatalError(command + " exited with " + std::to_string(result->exit_code) + ":\n" +
                      result->err);
  }
  return std::move(result->out);
}

Result<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                 std::chrono::milliseconds timeout) {
  WR_ASSIGN_OR_RETURN(auto p, Process::Start(argv));
  auto code = p->Wait(timeout);
  if (!code.ok()) {
    p->Signal(SIGKILL);
    (void)p->Wait(std::chrono::seconds(5));
    return RetryError("timed out: " + argv[0] + "\nstderr:\n" + p->Stderr());
  }
  return ProcessResult{*code, p->Stdout(), p->Stderr()};
}

}  // namespace walrelay::testing
