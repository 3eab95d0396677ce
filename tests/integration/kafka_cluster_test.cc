// Proves the Kafka test harness (src/testing/kafka_cluster.h over scripts/kafka): real Apache
// Kafka brokers in KRaft mode, checked with kcat, an independent client (librdkafka's CLI), for
// exact bytes, acks=all writes while a broker of three is down, and teardown when the test
// process dies without running its destructors.
#include "testing/kafka_cluster.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "testing/process.h"

namespace walrelay::testing {
namespace {

#define ASSERT_OK(expr)                      \
  do {                                       \
    ::walrelay::Status st_ = (expr);         \
    ASSERT_TRUE(st_.ok()) << st_.ToString(); \
  } while (0)

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The kcat on PATH (RunProcess wants a path), or "".
std::string KcatPath() {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = dir + "/kcat";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// Runs kcat with `args`; its exit code, stdout and stderr.
ProcessResult Kcat(const std::vector<std::string>& args,
                   std::chrono::seconds timeout = std::chrono::seconds(90)) {
  std::vector<std::string> argv = {KcatPath()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto result = RunProcess(argv, timeout);
  if (!result.ok()) return {-1, "", result.status().ToString()};
  return *result;
}

// Produces each line of `lines` as one message with acks=all through the idempotent producer.
ProcessResult ProduceLines(const KafkaCluster& kafka, const std::string& topic,
                           const std::string& lines) {
  return Kcat({"-P", "-b", kafka.bootstrap_servers(), "-t", topic, "-X", "acks=all", "-X",
               "enable.idempotence=true", "-X", "message.timeout.ms=60000", "-l",
               WriteTempFile("lines.txt", lines)});
}

// Every message of partition 0 as "<offset> <value>\n".
std::string ConsumeAll(const KafkaCluster& kafka, const std::string& topic) {
  ProcessResult r = Kcat({"-C", "-b", kafka.bootstrap_servers(), "-t", topic, "-p", "0", "-o",
                          "beginning", "-e", "-q", "-f", "%o %s\n"});
  return r.exit_code == 0 ? r.out : "kcat failed: " + r.err;
}

bool ProcessGone(int pid) {
  std::error_code ec;
  return !std::filesystem::exists("/proc/" + std::to_string(pid) + "/cwd", ec);
}

std::vector<int> NodePids(const std::string& dir) {
  std::ifstream in(dir + "/cluster.env");
  std::string line;
  std::vector<int> pids;
  while (std::getline(in, line)) {
    if (line.rfind("KAFKA_PIDS=\"", 0) != 0) continue;
    std::istringstream list(line.substr(12));
    for (int pid = 0; list >> pid;) pids.push_back(pid);
  }
  return pids;
}

class KafkaClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (KcatPath().empty()) GTEST_SKIP() << "kcat is not installed (scripts/install-deps)";
  }
};

TEST_F(KafkaClusterTest, OneBrokerCarriesExactBytesAndCreatesNoTopicByItself) {
  const auto start = Clock::now();
  auto shared = KafkaCluster::Shared(1);
  ASSERT_TRUE(shared.ok()) << shared.status().ToString();
  KafkaCluster& kafka = **shared;
  std::printf("1-broker cluster up in %.1f s: %s\n", SecondsSince(start),
              kafka.bootstrap_servers().c_str());
  EXPECT_EQ(kafka.brokers(), 1);
  EXPECT_EQ(kafka.bootstrap_servers(), kafka.broker_address(1));
  // The same instance for every caller of this process.
  auto again = KafkaCluster::Shared(1);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, &kafka);

  ASSERT_OK(kafka.CreateTopic("bytes", 1, 1));
  // One message holding every byte value (a file is one message), with a key.
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes.push_back(static_cast<char>(b));
  ProcessResult produced =
      Kcat({"-P", "-b", kafka.bootstrap_servers(), "-t", "bytes", "-k", "key\x01\xff", "-X",
            "acks=all", WriteTempFile("all-bytes.bin", all_bytes)});
  ASSERT_EQ(produced.exit_code, 0) << produced.err;
  ProcessResult consumed = Kcat({"-C", "-b", kafka.bootstrap_servers(), "-t", "bytes", "-o",
                                 "beginning", "-c", "1", "-e", "-q", "-f", "%k|%s"});
  ASSERT_EQ(consumed.exit_code, 0) << consumed.err;
  EXPECT_EQ(consumed.out, std::string("key\x01\xff|") + all_bytes);

  produced = ProduceLines(kafka, "bytes", "first\nsecond\n");
  ASSERT_EQ(produced.exit_code, 0) << produced.err;
  EXPECT_EQ(ConsumeAll(kafka, "bytes"), "0 " + all_bytes + "\n1 first\n2 second\n");

  // auto.create.topics.enable=false: producing to a missing topic fails and creates nothing.
  ProcessResult missing = Kcat({"-P", "-b", kafka.bootstrap_servers(), "-t", "no_such_topic", "-X",
                                "message.timeout.ms=2000", "-l", WriteTempFile("one.txt", "x\n")});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_EQ(kafka.Partition("no_such_topic").leader, -1);
}

TEST_F(KafkaClusterTest, ThreeBrokersTakeAcksAllWritesWithOneKilled) {
  const auto start = Clock::now();
  auto up = KafkaCluster::Up(3);
  ASSERT_TRUE(up.ok()) << up.status().ToString();
  std::unique_ptr<KafkaCluster> cluster = std::move(*up);
  KafkaCluster& kafka = *cluster;
  std::printf("3-broker cluster up in %.1f s: %s\n", SecondsSince(start),
              kafka.bootstrap_servers().c_str());
  ASSERT_EQ(kafka.brokers(), 3);
  EXPECT_EQ(kafka.bootstrap_servers(), kafka.broker_address(1) + "," + kafka.broker_address(2) +
                                           "," + kafka.broker_address(3));
  EXPECT_EQ(kafka.Kill(0).kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(kafka.Start(4).kind(), ErrorKind::kInvalidArgument);

  ASSERT_OK(kafka.CreateTopic("replicated", 1, 3, {{"min.insync.replicas", "2"}}));
  ProcessResult produced = ProduceLines(kafka, "replicated", "before\n");
  ASSERT_EQ(produced.exit_code, 0) << produced.err;
  PartitionState state = kafka.Partition("replicated");
  ASSERT_GE(state.leader, 1);
  EXPECT_EQ(state.isr, 3u);

  // The leader dies: another replica takes over and two in-sync replicas still satisfy acks=all.
  const int killed = state.leader;
  ASSERT_OK(kafka.Kill(killed));
  const auto write_start = Clock::now();
  produced = ProduceLines(kafka, "replicated", "during\n");
  ASSERT_EQ(produced.exit_code, 0) << produced.err;
  std::printf("acks=all write with node %d killed took %.1f s\n", killed,
              SecondsSince(write_start));
  state = kafka.Partition("replicated");
  EXPECT_NE(state.leader, killed);
  EXPECT_EQ(state.isr, 2u);

  const auto restart = Clock::now();
  ASSERT_OK(kafka.Start(killed));
  std::printf("node %d restarted in %.1f s\n", killed, SecondsSince(restart));
  produced = ProduceLines(kafka, "replicated", "after\n");
  ASSERT_EQ(produced.exit_code, 0) << produced.err;
  EXPECT_EQ(ConsumeAll(kafka, "replicated"), "0 before\n1 during\n2 after\n");
  // The restarted node catches up from its own data and rejoins the ISR.
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (kafka.Partition("replicated").isr != 3 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(kafka.Partition("replicated").isr, 3u);

  // The destructor stops every node and removes the directory.
  const std::string dir = kafka.dir();
  const std::vector<int> pids = NodePids(dir);
  ASSERT_EQ(pids.size(), 3u);
  cluster.reset();
  EXPECT_FALSE(std::filesystem::exists(dir));
  for (int pid : pids) EXPECT_TRUE(ProcessGone(pid)) << pid;
}

// A test process killed before its destructors run (a crash, a ctest timeout) leaves no broker:
// the watchdog of `scripts/kafka up --owner` brings the cluster down.
TEST_F(KafkaClusterTest, KilledOwnerTakesItsClusterDown) {
  int fds[2];
  // Close-on-exec: the scripts and brokers the child starts must not hold the pipe open.
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    auto up = KafkaCluster::Up(1);
    std::string report = "error " + up.status().ToString();
    if (up.ok()) {
      std::vector<int> pids = NodePids((*up)->dir());
      report = (*up)->dir() + "\n" + std::to_string(pids.empty() ? 0 : pids[0]) + "\n";
    }
    (void)!::write(fds[1], report.data(), report.size());
    ::close(fds[1]);
    ::kill(::getpid(), SIGKILL);
  }
  ::close(fds[1]);
  std::string report;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof(buf))) > 0;) report.append(buf, n);
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << report;
  std::istringstream lines(report);
  std::string dir;
  int node_pid = 0;
  ASSERT_TRUE(std::getline(lines, dir) && lines >> node_pid && node_pid > 0) << report;

  const auto killed_at = Clock::now();
  while (std::filesystem::exists(dir) && SecondsSince(killed_at) < 30) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_FALSE(std::filesystem::exists(dir)) << "the watchdog did not remove " << dir;
  std::printf("cluster of a killed owner gone after %.1f s\n", SecondsSince(killed_at));
  EXPECT_TRUE(ProcessGone(node_pid));
}

}  // namespace
}  // namespace walrelay::testing
