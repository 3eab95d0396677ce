#include "testing/kafka_connect.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "testing/process.h"

#ifndef WALRELAY_SOURCE_DIR
#error "WALRELAY_SOURCE_DIR must name the source tree (CMakeLists.txt defines it)"
#endif

namespace walrelay::testing {
namespace {

// Generous: a loaded 2-core machine starts a JVM with Hibernate slowly (the script's own limit is
// 180 s for the worker to serve).
constexpr std::chrono::seconds kUpTimeout(240);
constexpr std::chrono::seconds kDownTimeout(60);

Result<std::string> RunConnectScript(const std::string& dir, const std::vector<std::string>& args,
                                     std::chrono::seconds timeout) {
  return RunServerScript(ConnectScript(), "scripts/connect", dir, args, timeout);
}

// The last non-empty line of `text`, without its newline.
std::string LastLine(const std::string& text) {
  std::istringstream in(text);
  std::string last;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) last = line;
  }
  return last;
}

std::string ReadFileText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::string ConnectScript() {
  if (const char* script = std::getenv("WALRELAY_CONNECT_SCRIPT"); script != nullptr && *script) {
    return script;
  }
  return std::string(WALRELAY_SOURCE_DIR) + "/scripts/connect";
}

std::string KafkaConnectWorker::MissingPrerequisite() {
  auto check = RunConnectScript("", {"check"}, std::chrono::seconds(30));
  if (check.ok()) return "";
  // The script's own message, without the command line and prefix RunConnectScript adds.
  std::string why = check.status().message();
  const size_t prefix = why.find("connect: error: ");
  if (prefix != std::string::npos) why = why.substr(prefix + 16);
  while (!why.empty() && why.back() == '\n') why.pop_back();
  return why;
}

Result<std::unique_ptr<KafkaConnectWorker>> KafkaConnectWorker::Up(
    const std::string& bootstrap_servers, const std::string& group) {
  std::string tmpl = "/tmp/walrelay-connect-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return FatalError("mkdtemp " + tmpl + " failed");
  std::unique_ptr<KafkaConnectWorker> worker(new KafkaConnectWorker());
  // From here the destructor runs `down`, whatever fails.
  worker->dir_ = tmpl;
  const auto start = std::chrono::steady_clock::now();
  WR_ASSIGN_OR_RETURN(std::string out,
                      RunConnectScript(worker->dir_,
                                       {"up", "--bootstrap", bootstrap_servers, "--group", group,
                                        "--owner", std::to_string(::getpid())},
                                       kUpTimeout));
  worker->start_time_ = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  worker->url_ = LastLine(out);
  if (worker->url_.rfind("http://", 0) != 0) {
    return FatalError("scripts/connect up printed no REST URL: " + out);
  }
  return worker;
}

KafkaConnectWorker::~KafkaConnectWorker() {
  auto down = RunConnectScript(dir_, {"down"}, kDownTimeout);
  if (!down.ok()) {
    std::fprintf(stderr, "KafkaConnectWorker: %s\n", down.status().ToString().c_str());
  }
}

Status KafkaConnectWorker::Stop(int signal, std::chrono::seconds timeout) {
  // scripts/connect records the JVM's pid (the worker runs detached: not our child, so it is
  // polled, not waited for; init reaps it).
  const std::string pid_text = ReadFileText(dir_ + "/pid");
  const pid_t pid = static_cast<pid_t>(std::atol(pid_text.c_str()));
  if (pid <= 0) return FatalError("no worker pid in " + dir_ + "/pid");
  if (::kill(pid, signal) != 0) {
    return FatalError("kill " + std::to_string(pid) + ": " + std::to_string(errno));
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::kill(pid, 0) != 0 && errno == ESRCH) return Status::Ok();
    // Exited but not reaped yet: "Z" after the command name in /proc/<pid>/stat.
    const std::string stat = ReadFileText("/proc/" + std::to_string(pid) + "/stat");
    const size_t paren = stat.rfind(')');
    if (paren != std::string::npos && stat.compare(paren + 1, 2, " Z") == 0) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return FatalError("the Kafka Connect worker (pid " + pid_text + ") still runs " +
                    std::to_string(timeout.count()) + " s after signal " + std::to_string(signal));
}

std::string KafkaConnectWorker::LogTail(size_t bytes) const {
  std::ifstream in(dir_ + "/connect.log");
  std::stringstream text;
  text << in.rdbuf();
  std::string log = text.str();
  return log.size() > bytes ? log.substr(log.size() - bytes) : log;
}

Result<std::string> KafkaConnectWorker::RunScript(const std::vector<std::string>& args,
                                                  std::chrono::seconds timeout) const {
  return RunConnectScript(dir_, args, timeout);
}

}  // namespace walrelay::testing
