#include "worker/assignment.h"

#include <gtest/gtest.h>

#include <map>

namespace walrelay::worker {
namespace {

std::vector<WorkUnit> Units(const std::map<std::string, int>& connectors) {
  std::vector<WorkUnit> out;
  for (const auto& [name, tasks] : connectors) {
    out.push_back({name, -1});
    for (int t = 0; t < tasks; ++t) out.push_back({name, t});
  }
  return out;
}

std::map<std::string, int> Counts(const Assignment& a, bool connectors) {
  std::map<std::string, int> n;
  for (const auto& w : a.workers) n[w] = 0;
  for (const auto& [unit, owner] : a.owners) {
    if (unit.is_connector() == connectors) ++n[owner];
  }
  return n;
}

int Moved(const Assignment& before, const Assignment& after) {
  int moved = 0;
  for (const auto& [unit, owner] : after.owners) {
    auto it = before.owners.find(unit);
    if (it != before.owners.end() && it->second != owner) ++moved;
  }
  return moved;
}

TEST(AssignmentTest, EveryUnitHasOneOwnerAndLoadIsBalanced) {
  auto units = Units({{"a", 3}, {"b", 1}, {"c", 2}});
  Assignment a = Rebalance({}, units, {"w2:8083", "w1:8083"});
  EXPECT_EQ(a.epoch, 1);
  EXPECT_EQ(a.workers, (std::vector<std::string>{"w1:8083", "w2:8083"}));
  EXPECT_EQ(a.owners.size(), units.size());
  auto connectors = Counts(a, true);
  EXPECT_EQ(connectors["w1:8083"] + connectors["w2:8083"], 3);
  EXPECT_LE(std::abs(connectors["w1:8083"] - connectors["w2:8083"]), 1);
  auto tasks = Counts(a, false);
  EXPECT_EQ(tasks["w1:8083"], 3);
  EXPECT_EQ(tasks["w2:8083"], 3);
}

TEST(AssignmentTest, ADepartedWorkersUnitsMoveAndNothingElse) {
  auto units = Units({{"a", 2}, {"b", 2}, {"c", 2}});
  Assignment three = Rebalance({}, units, {"w1", "w2", "w3"});
  Assignment two = Rebalance(three, units, {"w1", "w3"});
  EXPECT_EQ(two.epoch, 2);
  for (const auto& [unit, owner] : three.owners) {
    if (owner != "w2") {
      EXPECT_EQ(two.owners.at(unit), owner) << unit.ToString();
    }
    EXPECT_NE(two.owners.at(unit), "w2");
  }
  auto tasks = Counts(two, false);
  EXPECT_EQ(tasks["w1"], 3);
  EXPECT_EQ(tasks["w3"], 3);
}

TEST(AssignmentTest, AJoiningWorkerTakesAFairShareWithMinimalMoves) {
  auto units = Units({{"a", 4}, {"b", 4}});
  Assignment one = Rebalance({}, units, {"w1"});
  Assignment two = Rebalance(one, units, {"w1", "w2"});
  auto tasks = Counts(two, false);
  EXPECT_EQ(tasks["w1"], 4);
  EXPECT_EQ(tasks["w2"], 4);
  auto connectors = Counts(two, true);
  EXPECT_EQ(connectors["w1"], 1);
  EXPECT_EQ(connectors["w2"], 1);
  // Exactly the units the newcomer took moved: 4 tasks and 1 connector.
  EXPECT_EQ(Moved(one, two), 5);
  // Rebalancing the same membership again moves nothing.
  EXPECT_EQ(Moved(two, Rebalance(two, units, {"w1", "w2"})), 0);
}

TEST(AssignmentTest, DeletedUnitsDisappearAndNoWorkersMeansNoOwners) {
  Assignment a = Rebalance({}, Units({{"a", 1}, {"b", 1}}), {"w1"});
  Assignment b = Rebalance(a, Units({{"b", 1}}), {"w1"});
  EXPECT_EQ(b.owners.size(), 2u);
  EXPECT_EQ(b.owners.count(WorkUnit{"a", -1}), 0u);
  EXPECT_TRUE(Rebalance(a, Units({{"a", 1}}), {}).owners.empty());
}

TEST(AssignmentTest, RecordRoundTripsAndNamesWhatIsMalformed) {
  Assignment a = Rebalance({}, Units({{"source-connector", 1}, {"sink-connector", 2}}),
                           {"h1:8083", "h2:8084"});
  a.leader = "h1:8083";
  a.leader_url = "http://h1:8083/";
  std::string text = EncodeAssignment(a);
  auto back = DecodeAssignment(text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, a);
  EXPECT_EQ(a.UnitsOf("h1:8083").size() + a.UnitsOf("h2:8084").size(), 5u);

  for (const char* bad : {"", "[]", R"({"version":2})", R"({"version":1,"epoch":"x"})",
                          R"({"version":1,"epoch":1,"leader":"a","leader_url":"u","workers":[],)"
                          R"("connectors":{},"tasks":{"a":{"x":"w"}}})"}) {
    auto r = DecodeAssignment(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("walrelay-assignment"), std::string::npos);
  }
}

}  // namespace
}  // namespace walrelay::worker
