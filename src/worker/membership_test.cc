#include "worker/membership.h"

#include "gtest/gtest.h"

namespace walrelay::worker {
namespace {

using Event = Membership::Event;

TEST(MembershipPendingEventsTest, NothingSeenIsNone) {
  Membership::PendingEvents p;
  EXPECT_EQ(p.Take(), Event::kNone);
}

TEST(MembershipPendingEventsTest, AnAssignmentIsHandedOutOnce) {
  Membership::PendingEvents p;
  p.Assigned();
  EXPECT_EQ(p.Take(), Event::kRebalanced);
  EXPECT_EQ(p.Take(), Event::kNone);
}

// The case that matters: expelled and rejoined within one poll. The worker must see the loss
// (and stop its units) before it acts on the new generation.
TEST(MembershipPendingEventsTest, ALossIsNotHiddenByTheRejoinThatFollowsIt) {
  Membership::PendingEvents p;
  p.Lost();
  p.Assigned();
  EXPECT_EQ(p.Take(), Event::kLost);
  EXPECT_EQ(p.Take(), Event::kRebalanced);
  EXPECT_EQ(p.Take(), Event::kNone);
}

TEST(MembershipPendingEventsTest, AnAssignmentBeforeALossIsGone) {
  Membership::PendingEvents p;
  p.Assigned();
  p.Lost();
  EXPECT_EQ(p.Take(), Event::kLost);
  EXPECT_EQ(p.Take(), Event::kNone);
}

}  // namespace
}  // namespace walrelay::worker
