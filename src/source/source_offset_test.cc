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

// A Debezium offset taken at a change event: the first transaction streamed after lsn_commit is
// the one Debezium was in, delivered up to lsn_proc; nothing of later transactions is.
TEST(SourceOffsetTest, DebeziumPositionInsideATransactionSkipsWhatDebeziumDelivered) {
  SourceOffset o;
  o.last_commit_lsn = Lsn(0x1000);
  o.last_commit_end = Lsn(0x1000);
  o.debezium_lsn_proc = Lsn(0x1200);
  o.debezium_events_at_proc = 2;  // two events at 0x1200 (a TRUNCATE of two tables)
  o.debezium_message_type = "TRUNCATE";
  // A transaction at or before lsn_commit is Delivered(), not this check's business.
  EXPECT_FALSE(o.DeliveredByDebezium(Lsn(0x0f00), Lsn(0x0e00), 0));
  EXPECT_FALSE(o.debezium_tx_lsn.valid());
  // The first transaction past lsn_commit (commit at 0x1400) is Debezium's.
  EXPECT_TRUE(o.DeliveredByDebezium(Lsn(0x1400), Lsn(0x1100), 0));
  EXPECT_EQ(o.debezium_tx_lsn, Lsn(0x1400));
  EXPECT_TRUE(o.DeliveredByDebezium(Lsn(0x1400), Lsn(0x1200), 0));
  EXPECT_TRUE(o.DeliveredByDebezium(Lsn(0x1400), Lsn(0x1200), 1));
  EXPECT_FALSE(o.DeliveredByDebezium(Lsn(0x1400), Lsn(0x1200), 2));  // a third event at lsn_proc
  EXPECT_FALSE(o.DeliveredByDebezium(Lsn(0x1400), Lsn(0x1300), 0));
  // A later transaction with a change before lsn_proc (it ran concurrently, committed later) was
  // not delivered.
  EXPECT_FALSE(o.DeliveredByDebezium(Lsn(0x1800), Lsn(0x1150), 0));
  // Once a transaction completes, the position is gone, in the stored form too.
  o.Advance(TxRecord(0x1400, 3, true, 0x1430));
  EXPECT_FALSE(o.debezium_lsn_proc.valid());
  EXPECT_FALSE(o.debezium_tx_lsn.valid());
  EXPECT_TRUE(o.debezium_message_type.empty());
  EXPECT_FALSE(o.DeliveredByDebezium(Lsn(0x1800), Lsn(0x1150), 0));
  // Without a count at lsn_proc (Debezium before 3.x), every event there was delivered.
  SourceOffset older;
  older.last_commit_lsn = Lsn(0x1000);
  older.debezium_lsn_proc = Lsn(0x1200);
  EXPECT_TRUE(older.DeliveredByDebezium(Lsn(0x1400), Lsn(0x1200), 5));
  EXPECT_FALSE(older.DeliveredByDebezium(Lsn(0x1400), Lsn(0x1201), 0));
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
