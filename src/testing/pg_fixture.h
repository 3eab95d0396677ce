#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "testing/pg_server.h"

namespace walrelay::testing {

// True when the CI environment variable is set to anything but "", "0" or "false". CI installs
// PostgreSQL, so there a missing binary is a broken machine, not a reason to skip.
inline bool RunningInCi() {
  const char* ci = std::getenv("CI");
  if (ci == nullptr) return false;
  std::string_view value(ci);
  return !value.empty() && value != "0" && value != "false";
}

// Base fixture for tests that need PostgreSQL binaries but start servers themselves: each test is
// skipped when the binaries are missing on a developer machine, and fails when they are missing
// under CI. A subclass that overrides SetUp() calls RequiresPostgres::SetUp() first and returns
// when IsSkipped() || HasFatalFailure().
class RequiresPostgres : public ::testing::Test {
 protected:
  void SetUp() override {
    if (PostgresBinariesAvailable()) return;
    if (RunningInCi()) {
      FAIL() << "PostgreSQL 15 binaries not found, and CI=true: scripts/install-deps should have "
                "installed them";
    }
    GTEST_SKIP() << "PostgreSQL 15 binaries not found (run scripts/install-deps)";
  }
};

// Base fixture for a test suite that shares one PostgreSQL server: started before the suite's
// first test, stopped and removed after its last. Tests in the suite see each other's data, so
// each uses its own tables, databases and slots. A suite that needs other server settings hides
// SetUpTestSuite:
//
//   class SlotTest : public PgTest {
//    public:
//     static void SetUpTestSuite() { StartSharedServer({.extra_conf = {"wal_sender_timeout=5s"}});
//     }
//   };
//
// The server is held in a static member because gtest's suite hooks are static; it lives only
// between SetUpTestSuite and TearDownTestSuite of one suite.
class PgTest : public RequiresPostgres {
 public:
  static void SetUpTestSuite() { StartSharedServer({}); }
  static void TearDownTestSuite() {
    shared_server_.reset();
    start_error_.clear();
  }

 protected:
  // Starts the suite's server; a failure is reported by every test of the suite (SetUp).
  static void StartSharedServer(PgServer::Options options) {
    shared_server_.reset();
    start_error_.clear();
    if (!PostgresBinariesAvailable()) return;  // SetUp skips or fails
    auto server = PgServer::Start(std::move(options));
    if (server.ok()) {
      shared_server_ = std::move(server).value();
    } else {
      start_error_ = server.status().ToString();
    }
  }

  void SetUp() override {
    RequiresPostgres::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    if (shared_server_ == nullptr)
      FAIL() << "PostgreSQL test server did not start: " << start_error_;
  }

  static PgServer& server() { return *shared_server_; }

 private:
  static inline std::unique_ptr<PgServer> shared_server_;
  static inline std::string start_error_;
};

}  // namespace walrelay::testing
