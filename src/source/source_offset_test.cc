#include "source/source_offset.h"

#include <gtest/gtest.h>

namespace walrelay::source {
namespace {

data::SourcePosition TxRecord(uint64_t tx_lsn, uint64_t index, bool last, uint64_t end = 0) {
  data::SourcePosition p;
  p.lsn = Lsn(tx_lsn - 8);
  p.tx_lsn = Lsn(tx_lsn);
  p.txid = 700;
  p.event_index = index;
  p.last_in_transaction = last;
  if (last) p.commit_end_lsn = Lsn(end);
  return p;
}

// A non-transactional logical decoding message as PostgresSource positions it.
data::SourcePosition MessageRecord(uint64_t lsn) {
  data::SourcePosition p;
  p.lsn = Lsn(lsn);
  p.commit_end_lsn = Lsn(lsn);
  p.last_in_transaction = true;
  return p;
}

TEST(SourceOffsetTest, TransactionRecordsMoveInflightThenCommit) {
  SourceOffset o;
  o.Advance(TxRecord(0x1000, 0, false));
  EXPECT_EQ(o.inflight_tx_lsn, Lsn(0x1000));
  EXPECT_EQ(o.inflight_index, 1u);
  EXPECT_TRUE(o.Delivered(Lsn(0x1000), 0));
  EXPECT_FALSE(o.Delivered(Lsn(0x1000), 1));
  o.Advance(TxRecord(0x1000, 1, true, 0x1030));
  EXPECT_EQ(o.last_commit_lsn, Lsn(0x1000));
  EXPECT_EQ(o.last_commit_end, Lsn(0x1030));
  EXPECT_EQ(o.last_txid, 700u);
  EXPECT_FALSE(o.inflight_tx_lsn.valid());
}

TEST(SourceOffsetTest, NonTransactionalMessageMovesOnlyTheEndPosition) {
  SourceOffset o;
  o.Advance(TxRecord(0x1000, 0, true, 0x1030));
  o.Advance(MessageRecord(0x1080));
  EXPECT_EQ(o.last_commit_end, Lsn(0x1080));  // a restart streams from after the message
  // The last commit LSN still says which transactions were delivered: a transaction committing
  // right where the message's record ends was not.
  EXPECT_EQ(o.last_commit_lsn, Lsn(0x1000));
  EXPECT_FALSE(o.Delivered(Lsn(0x1080), 0));
  EXPECT_EQ(o.last_txid, 700u);
  // Never backwards.
  o.Advance(MessageRecord(0x1040));
  EXPECT_EQ(o.last_commit_end, Lsn(0x1080));
  // The stored form keeps it.
  auto back = SourceOffset::FromJson(o.ToJson());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->last_commit_end, Lsn(0x1080));
  EXPECT_EQ(back->last_commit_lsn, Lsn(0x1000));
}

TEST(SourceOffsetTest, HeartbeatsAndSnapshotRecordsMoveNothing) {
  SourceOffset o;
  o.Advance(TxRecord(0x1000, 0, true, 0x1030));
  data::SourcePosition heartbeat;
  heartbeat.lsn = Lsn(0x5000);
  o.Advance(heartbeat);
  data::SourcePosition snapshot = MessageRecord(0x6000);
  snapshot.snapshot = true;
  o.Advance(snapshot);
  EXPECT_EQ(o.last_commit_end, Lsn(0x1030));
  EXPECT_EQ(o.last_commit_lsn, Lsn(0x1000));
}

}  // namespace
}  // namespace walrelay::source
