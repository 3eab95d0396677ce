// ReplicationStream, Connection and PgoutputDecoder against a real PostgreSQL 15: the byte
// fixtures in src/pg prove we parse what the docs say; this proves the server says it.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "pg/connection.h"
#include "pg/pgoutput_decoder.h"
#include "pg/replication_stream.h"
#include "testing/pg_fixture.h"

namespace walrelay::pg {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class PgReplicationStreamTest : public walrelay::testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto c = Connection::Connect(conninfo());
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    sql_ = std::make_unique<Connection>(std::move(c).value());
  }

  static std::string conninfo(std::string_view dbname = "postgres") {
    return server().conninfo(dbname);
  }

  void Sql(const std::string& sql) {
    auto r = sql_->Exec(sql);
    ASSERT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
  }

  // Opens a replication connection with a fresh pgoutput slot named `slot`.
  ReplicationStream OpenWithSlot(const std::string& slot) {
    auto s = ReplicationStream::Open(conninfo());
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    auto created = s->Command("CREATE_REPLICATION_SLOT " + QuoteIdent(slot) + " LOGICAL pgoutput");
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return std::move(s).value();
  }

  static std::vector<std::pair<std::string, std::string>> Options(const std::string& publication) {
    return {{"proto_version", "1"}, {"publication_names", PublicationNamesOption({publication})}};
  }

  // Reads until `count` pgoutput messages were decoded (answering keepalives), or fails.
  static std::vector<PgoutputMessage> ReadMessages(ReplicationStream& stream,
                                                   PgoutputDecoder& decoder, size_t count) {
    std::vector<PgoutputMessage> out;
    const auto deadline = std::chrono::steady_clock::now() + seconds(20);
    while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
      auto msg = stream.Read(milliseconds(500));
      EXPECT_TRUE(msg.ok()) << msg.status().ToString();
      if (!msg.ok()) break;
      if (!msg->has_value()) continue;
      if (auto* x = std::get_if<XLogData>(&**msg)) {
        auto decoded = decoder.Decode(x->payload);
        EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
        if (decoded.ok()) out.push_back(std::move(decoded).value());
      } else if (std::get<Keepalive>(**msg).reply_requested) {
        EXPECT_TRUE(stream.SendStatus(Lsn(), Lsn(), Lsn()).ok());
      }
    }
    return out;
  }

  // Reads until the stream fails and returns that failure.
  static Status ReadUntilError(ReplicationStream& stream) {
    const auto deadline = std::chrono::steady_clock::now() + seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      auto msg = stream.Read(milliseconds(500));
      if (!msg.ok()) return msg.status();
    }
    return Status::Ok();
  }

  std::unique_ptr<Connection> sql_;
};

TEST_F(PgReplicationStreamTest, StreamsDecodableChangesAndStops) {
  Sql("CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(10,2))");
  Sql("CREATE PUBLICATION pub_items FOR TABLE items");
  ReplicationStream stream = OpenWithSlot("slot_items");

  auto ident = stream.Command("IDENTIFY_SYSTEM");
  ASSERT_TRUE(ident.ok()) << ident.status().ToString();
  ASSERT_EQ(ident->rows(), 1);
  auto xlogpos = Lsn::Parse(ident->Get(0, 2));
  ASSERT_TRUE(xlogpos.has_value());

  ASSERT_TRUE(stream.Start("slot_items", Lsn(), Options("pub_items")).ok());
  EXPECT_TRUE(stream.streaming());
  Sql("INSERT INTO items VALUES (1, 'it''s', 9.50)");
  Sql("UPDATE items SET name = NULL WHERE id = 1");
  Sql("DELETE FROM items WHERE id = 1");

  PgoutputDecoder decoder;
  // Begin, Relation, Insert, Commit; Begin, Update, Commit; Begin, Delete, Commit.
  auto msgs = ReadMessages(stream, decoder, 10);
  ASSERT_EQ(msgs.size(), 10u);
  ASSERT_TRUE(std::holds_alternative<BeginMessage>(msgs[0]));
  EXPECT_GE(std::get<BeginMessage>(msgs[0]).final_lsn, *xlogpos);
  const auto& rel = std::get<RelationMessage>(msgs[1]);
  EXPECT_EQ(rel.namespace_name, "public");
  EXPECT_EQ(rel.relation_name, "items");
  ASSERT_EQ(rel.columns.size(), 3u);
  EXPECT_TRUE(rel.columns[0].key);
  EXPECT_EQ(rel.columns[2].type_oid, 1700u);  // numeric
  const auto& ins = std::get<InsertMessage>(msgs[2]);
  EXPECT_EQ(ins.new_tuple[1].data, "it's");
  EXPECT_EQ(ins.new_tuple[2].data, "9.50");
  ASSERT_TRUE(std::holds_alternative<CommitMessage>(msgs[3]));
  const auto& upd = std::get<UpdateMessage>(msgs[5]);
  EXPECT_EQ(upd.new_tuple[1].kind, TupleValueKind::kNull);
  const auto& del = std::get<DeleteMessage>(msgs[8]);
  EXPECT_EQ(del.old_kind, 'K');
  EXPECT_EQ(del.old_tuple[0].data, "1");
  const Lsn end = std::get<CommitMessage>(msgs[9]).end_lsn;

  // A status update asking for a reply makes the server answer with a keepalive.
  ASSERT_TRUE(stream.SendStatus(end, end, end, /*reply_requested=*/true).ok());
  bool got_keepalive = false;
  for (int i = 0; i < 20 && !got_keepalive; ++i) {
    auto msg = stream.Read(milliseconds(500));
    ASSERT_TRUE(msg.ok()) << msg.status().ToString();
    got_keepalive = msg->has_value() && std::holds_alternative<Keepalive>(**msg);
  }
  EXPECT_TRUE(got_keepalive);

  // A Read with nothing to read times out empty.
  auto idle = stream.Read(milliseconds(50));
  ASSERT_TRUE(idle.ok()) << idle.status().ToString();

  Status stopped = stream.Stop();
  ASSERT_TRUE(stopped.ok()) << stopped.ToString();
  EXPECT_FALSE(stream.streaming());
  // Back in command mode; the slot remembers the confirmed position.
  ASSERT_TRUE(stream.Command("IDENTIFY_SYSTEM").ok());
  auto slot = sql_->Exec(
      "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'slot_items'");
  ASSERT_TRUE(slot.ok());
  EXPECT_EQ(Lsn::Parse(slot->Get(0, 0)), end);

  // Restarting at the confirmed position does not resend the acknowledged transactions. (A new
  // connection: PostgreSQL 15's walsender cannot run START_REPLICATION LOGICAL twice on one.)
  auto resumed = ReplicationStream::Open(conninfo());
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  ASSERT_TRUE(resumed->Start("slot_items", end, Options("pub_items")).ok());
  Sql("INSERT INTO items VALUES (2, 'b', 1)");
  PgoutputDecoder fresh;
  auto again = ReadMessages(*resumed, fresh, 4);
  ASSERT_EQ(again.size(), 4u);
  EXPECT_EQ(std::get<InsertMessage>(again[2]).new_tuple[0].data, "2");
  ASSERT_TRUE(resumed->Stop().ok());
  ASSERT_TRUE(resumed->Command("DROP_REPLICATION_SLOT slot_items").ok());
}

TEST_F(PgReplicationStreamTest, MissingPublicationIsNotFoundWithServerText) {
  Sql("CREATE TABLE orphans (id int PRIMARY KEY)");
  ReplicationStream stream = OpenWithSlot("slot_nopub");
  ASSERT_TRUE(stream.Start("slot_nopub", Lsn(), Options("no_such_pub")).ok());
  // pgoutput looks the publication up when it decodes the first change.
  Sql("INSERT INTO orphans VALUES (1)");
  Status s = ReadUntilError(stream);
  EXPECT_EQ(s.kind(), ErrorKind::kNotFound) << s.ToString();
  EXPECT_NE(s.message().find("publication \"no_such_pub\" does not exist"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("42704"), std::string::npos) << s.message();
  EXPECT_FALSE(stream.streaming());
}

TEST_F(PgReplicationStreamTest, MissingSlotIsNotFound) {
  auto stream = ReplicationStream::Open(conninfo());
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  Status s = stream->Start("no_such_slot", Lsn(), Options("pub"));
  EXPECT_EQ(s.kind(), ErrorKind::kNotFound) << s.ToString();
  EXPECT_NE(s.message().find("replication slot \"no_such_slot\" does not exist"), std::string::npos)
      << s.message();
}

TEST_F(PgReplicationStreamTest, TerminatedWalsenderMeansReconnect) {
  Sql("CREATE TABLE kills (id int PRIMARY KEY)");
  Sql("CREATE PUBLICATION pub_kills FOR TABLE kills");
  ReplicationStream stream = OpenWithSlot("slot_kill");
  ASSERT_TRUE(stream.Start("slot_kill", Lsn(), Options("pub_kills")).ok());
  auto idle = stream.Read(milliseconds(200));
  ASSERT_TRUE(idle.ok()) << idle.status().ToString();
  Sql("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots "
      "WHERE slot_name = 'slot_kill'");
  Status s = ReadUntilError(stream);
  EXPECT_EQ(s.kind(), ErrorKind::kReconnect) << s.ToString();
  // The slot outlives the connection; a new stream resumes from it.
  for (int i = 0; i < 50; ++i) {
    auto active =
        sql_->Exec("SELECT active FROM pg_replication_slots WHERE slot_name = 'slot_kill'");
    ASSERT_TRUE(active.ok());
    if (active->Get(0, 0) == "f") break;
    std::this_thread::sleep_for(milliseconds(100));
  }
  auto again = ReplicationStream::Open(conninfo());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ASSERT_TRUE(again->Start("slot_kill", Lsn(), Options("pub_kills")).ok());
  Sql("INSERT INTO kills VALUES (1)");
  PgoutputDecoder decoder;
  EXPECT_EQ(ReadMessages(*again, decoder, 4).size(), 4u);
  ASSERT_TRUE(again->Stop().ok());
  ASSERT_TRUE(again->Command("DROP_REPLICATION_SLOT slot_kill").ok());
}

TEST_F(PgReplicationStreamTest, ConnectionMapsServerErrors) {
  auto missing = sql_->Exec("SELECT * FROM no_such_table");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().kind(), ErrorKind::kNotFound);
  EXPECT_NE(missing.status().message().find("relation \"no_such_table\" does not exist"),
            std::string::npos);
  EXPECT_NE(missing.status().message().find("42P01"), std::string::npos);

  Sql("CREATE TABLE uniq (id int PRIMARY KEY)");
  Sql("INSERT INTO uniq VALUES (1)");
  auto dup = sql_->ExecParams("INSERT INTO uniq VALUES ($1)", {std::string("1")});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().kind(), ErrorKind::kDataError) << dup.status().ToString();
  EXPECT_NE(dup.status().message().find("23505"), std::string::npos);

  auto bad_int = sql_->ExecParams("SELECT $1::int", {std::string("x")});
  EXPECT_EQ(bad_int.status().kind(), ErrorKind::kDataError);
  auto null_param = sql_->ExecParams("SELECT $1::int IS NULL", {std::nullopt});
  ASSERT_TRUE(null_param.ok());
  EXPECT_EQ(null_param->Get(0, 0), "t");

  auto syntax = sql_->Exec("SELEC 1");
  EXPECT_EQ(syntax.status().kind(), ErrorKind::kFatal);

  // The server closing our session is a reconnect, whatever we ask next.
  auto pid = sql_->Exec("SELECT pg_backend_pid()");
  ASSERT_TRUE(pid.ok());
  auto other = Connection::Connect(conninfo());
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(other->Exec("SELECT pg_terminate_backend(" + std::string(pid->Get(0, 0)) + ")").ok());
  auto after = sql_->Exec("SELECT 1");
  EXPECT_EQ(after.status().kind(), ErrorKind::kReconnect) << after.status().ToString();
}

TEST_F(PgReplicationStreamTest, ConnectRejectionsAreInvalidArgument) {
  auto db = Connection::Connect(conninfo("no_such_db"));
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().kind(), ErrorKind::kInvalidArgument) << db.status().ToString();
  EXPECT_NE(db.status().message().find("database no_such_db"), std::string::npos);
  auto role = Connection::Connect(conninfo() + " user=no_such_role");
  ASSERT_FALSE(role.ok());
  EXPECT_EQ(role.status().kind(), ErrorKind::kInvalidArgument) << role.status().ToString();

  auto c = Connection::Connect(conninfo());
  ASSERT_TRUE(c.ok());
  auto app = c->Exec("SHOW application_name");
  ASSERT_TRUE(app.ok());
  EXPECT_EQ(app->Get(0, 0), "walrelay");
  auto named = Connection::Connect(conninfo() + " application_name=mine");
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->Exec("SHOW application_name")->Get(0, 0), "mine");
}

}  // namespace
}  // namespace walrelay::pg
