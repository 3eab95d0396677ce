#include "runtime/metrics.h"

#include <gtest/gtest.h>

namespace walrelay::runtime {
namespace {

TEST(MetricsTest, RendersPrometheusTextPerTask) {
  MetricsRegistry registry;
  auto t = registry.Task("source \"a\"", 0);
  t->records_in += 5;
  t->records_out += 4;
  t->confirmed_lsn = 0x16B3748;
  t->produce_latency.Observe(0.002);
  t->produce_latency.Observe(3);
  EXPECT_EQ(registry.Task("source \"a\"", 0), t);  // the same task continues its counters
  registry.rebalances() += 2;
  std::string text = registry.Render();
  EXPECT_NE(text.find("# TYPE walrelay_task_records_in_total counter\n"), std::string::npos);
  EXPECT_NE(
      text.find("walrelay_task_records_in_total{connector=\"source \\\"a\\\"\",task=\"0\"} 5\n"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find(
          "walrelay_task_confirmed_lsn{connector=\"source \\\"a\\\"\",task=\"0\"} 23803720\n"),
      std::string::npos);
  // Buckets are cumulative: 0.002 s falls in le=0.0025, 3 s in le=5.
  EXPECT_NE(text.find("le=\"0.001\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("le=\"0.0025\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("le=\"5\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("le=\"+Inf\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("walrelay_task_produce_latency_seconds_count{connector=\"source "
                      "\\\"a\\\"\",task=\"0\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("walrelay_worker_rebalances_total 2\n"), std::string::npos);
  registry.Remove("source \"a\"");
  EXPECT_EQ(registry.Render().find("task=\"0\""), std::string::npos);
}

}  // namespace
}  // namespace walrelay::runtime
