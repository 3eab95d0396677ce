#include "runtime/connect_records.h"

#include <gtest/gtest.h>

namespace walrelay::runtime {
namespace {

using nlohmann::json;

// ---- Config topic ----

TEST(ConnectRecordsTest, ConfigKeys) {
  EXPECT_EQ(ConnectorConfigKey("inventory-connector"), "connector-inventory-connector");
  EXPECT_EQ(TaskConfigKey("inventory-connector", 0), "task-inventory-connector-0");
  EXPECT_EQ(CommitKey("c"), "commit-c");
  EXPECT_EQ(TargetStateKey("c"), "target-state-c");
  EXPECT_EQ(TaskCountKey("c"), "tasks-fencing-c");
  EXPECT_EQ(RestartKey("c"), "restart-connector-c");
  EXPECT_EQ(LoggerLevelKey("org.apache.kafka"), "logger-cluster-org.apache.kafka");
}

TEST(ConnectRecordsTest, EncodesConfigValuesAsConnectWrites) {
  EXPECT_EQ(EncodeConfigProperties({{"connector.class",
                                     "io.debezium.connector.postgresql."
                                     "PostgresConnector"},
                                    {"name", "src"},
                                    {"table.include.list", "inventory\\.t"}}),
            "{\"properties\":{\"connector.class\":\"io.debezium.connector.postgresql."
            "PostgresConnector\",\"name\":\"src\",\"table.include.list\":\"inventory\\\\.t\"}}");
  EXPECT_EQ(EncodeConfigProperties({}), "{\"properties\":{}}");
  EXPECT_EQ(EncodeTaskCommit(1), "{\"tasks\":1}");
  EXPECT_EQ(EncodeTargetState(TargetState::kStarted),
            "{\"state\":\"STARTED\",\"state.v2\":\"STARTED\"}");
  EXPECT_EQ(EncodeTargetState(TargetState::kPaused),
            "{\"state\":\"PAUSED\",\"state.v2\":\"PAUSED\"}");
  // Workers before 3.5 read only "state": a stopped connector is paused for them.
  EXPECT_EQ(EncodeTargetState(TargetState::kStopped),
            "{\"state\":\"PAUSED\",\"state.v2\":\"STOPPED\"}");
  EXPECT_EQ(EncodeTaskCount(3), "{\"task-count\":3}");
  EXPECT_EQ(EncodeRestartRequest(true, false), "{\"include-tasks\":true,\"only-failed\":false}");
  EXPECT_EQ(
      EncodeSessionKey({"c2VjcmV0", "HmacSHA256", 1700000000000}),
      "{\"key\":\"c2VjcmV0\",\"algorithm\":\"HmacSHA256\",\"creation-timestamp\":1700000000000}");
  EXPECT_EQ(EncodeLoggerLevel("DEBUG"), "{\"level\":\"DEBUG\"}");
  // Jackson's escaping in property values.
  EXPECT_EQ(EncodeConfigProperties({{"q", "a\"b\n\x01/é"}}),
            "{\"properties\":{\"q\":\"a\\\"b\\n\\u0001/é\"}}");
}

ConfigRecord MustDecodeConfig(std::string_view key, std::optional<std::string_view> value) {
  auto r = DecodeConfigRecord(key, value);
  EXPECT_TRUE(r.ok()) << key << ": " << r.status().message();
  return r.ok() ? *r : ConfigRecord{};
}

TEST(ConnectRecordsTest, DecodesEveryConfigRecordKind) {
  ConfigRecord c = MustDecodeConfig("connector-my-conn",
                                    "{\"properties\":{\"name\":\"my-conn\",\"tasks.max\":\"1\","
                                    "\"nullable\":null}}");
  EXPECT_EQ(c.kind, ConfigRecordKind::kConnector);
  EXPECT_EQ(c.connector, "my-conn");
  EXPECT_EQ(c.properties,
            (std::map<std::string, std::string>{{"name", "my-conn"}, {"tasks.max", "1"}}));

  ConfigRecord t = MustDecodeConfig("task-my-conn-12", "{\"properties\":{\"task.class\":\"x\"}}");
  EXPECT_EQ(t.kind, ConfigRecordKind::kTask);
  EXPECT_EQ(t.connector, "my-conn");
  EXPECT_EQ(t.task, 12);

  ConfigRecord commit = MustDecodeConfig("commit-my-conn", "{\"tasks\":2}");
  EXPECT_EQ(commit.kind, ConfigRecordKind::kCommit);
  EXPECT_EQ(commit.tasks, 2);

  // Pre-3.5 workers wrote "state" only; 3.5+ write both and "state.v2" wins.
  EXPECT_EQ(MustDecodeConfig("target-state-c", "{\"state\":\"PAUSED\"}").state,
            TargetState::kPaused);
  EXPECT_EQ(
      MustDecodeConfig("target-state-c", "{\"state\":\"PAUSED\",\"state.v2\":\"STOPPED\"}").state,
      TargetState::kStopped);
  EXPECT_EQ(MustDecodeConfig("target-state-c", "{\"state\":\"STARTED\",\"state.v2\":7}").state,
            TargetState::kStarted);
  EXPECT_TRUE(MustDecodeConfig("target-state-c", std::nullopt).tombstone);

  ConfigRecord fencing = MustDecodeConfig("tasks-fencing-c", "{\"task-count\":4}");
  EXPECT_EQ(fencing.kind, ConfigRecordKind::kTaskCount);
  EXPECT_EQ(fencing.tasks, 4);

  ConfigRecord restart =
      MustDecodeConfig("restart-connector-c", "{\"include-tasks\":true,\"only-failed\":\"yes\"}");
  EXPECT_EQ(restart.kind, ConfigRecordKind::kRestart);
  EXPECT_TRUE(restart.include_tasks);
  EXPECT_FALSE(restart.only_failed);  // not a boolean: Connect's default

  ConfigRecord session = MustDecodeConfig(
      "session-key",
      "{\"key\":\"c2VjcmV0\",\"algorithm\":\"HmacSHA256\",\"creation-timestamp\":1700000000000}");
  EXPECT_EQ(session.kind, ConfigRecordKind::kSessionKey);
  EXPECT_EQ(session.session_key.algorithm, "HmacSHA256");
  EXPECT_EQ(session.session_key.creation_timestamp_ms, 1700000000000);

  ConfigRecord logger = MustDecodeConfig("logger-cluster-org.apache", "{\"level\":\"WARN\"}");
  EXPECT_EQ(logger.kind, ConfigRecordKind::kLoggerLevel);
  EXPECT_EQ(logger.connector, "org.apache");
  EXPECT_EQ(logger.level, "WARN");

  ConfigRecord deleted = MustDecodeConfig("connector-c", std::nullopt);
  EXPECT_EQ(deleted.kind, ConfigRecordKind::kConnector);
  EXPECT_TRUE(deleted.tombstone);
}

TEST(ConnectRecordsTest, ConfigRecordsRoundTrip) {
  std::map<std::string, std::string> props{{"a", "1"}, {"b", "x\ty"}};
  EXPECT_EQ(MustDecodeConfig(TaskConfigKey("c", 0), EncodeConfigProperties(props)).properties,
            props);
  EXPECT_EQ(MustDecodeConfig(CommitKey("c"), EncodeTaskCommit(7)).tasks, 7);
  for (TargetState s : {TargetState::kStarted, TargetState::kPaused, TargetState::kStopped}) {
    EXPECT_EQ(MustDecodeConfig(TargetStateKey("c"), EncodeTargetState(s)).state, s);
  }
}

TEST(ConnectRecordsTest, BadConfigRecordsAreNamedErrors) {
  auto err = [](std::string_view key, std::optional<std::string_view> value) {
    auto r = DecodeConfigRecord(key, value);
    EXPECT_FALSE(r.ok()) << key;
    if (!r.ok()) {
      EXPECT_EQ(r.status().kind(), ErrorKind::kDataError);
    }
    return r.ok() ? std::string() : r.status().message();
  };
  EXPECT_EQ(err("bogus-c", "{}"), "config record with an unknown key 'bogus-c'");
  EXPECT_EQ(err("task-c-x", "{}"), "record 'task-c-x': not a task-<connector>-<n> key");
  EXPECT_EQ(err("task-c", "{}"), "record 'task-c': not a task-<connector>-<n> key");
  EXPECT_EQ(err("connector-c", "{not json"), "record 'connector-c': value is not JSON");
  EXPECT_EQ(err("connector-c", "[1]"), "record 'connector-c': value is not a JSON object");
  EXPECT_EQ(err("connector-c", "{\"properties\":3}"),
            "record 'connector-c': field 'properties' should be a map");
  EXPECT_EQ(err("commit-c", "{\"tasks\":\"2\"}"),
            "record 'commit-c': field 'tasks' should be an integer");
  EXPECT_EQ(err("target-state-c", "{\"state\":\"RUNNING\"}"),
            "record 'target-state-c': unknown target state 'RUNNING'");
  EXPECT_EQ(err("task-c-0", std::nullopt), "record 'task-c-0': unexpected null value");
  EXPECT_EQ(err("session-key", "{\"key\":\"k\",\"algorithm\":\"a\",\"creation-timestamp\":1.5}"),
            "record 'session-key': field 'creation-timestamp' should be a long");
}

// ---- Status topic ----

TEST(ConnectRecordsTest, StatusRecordsAsConnectWritesThem) {
  // Captured from a Connect cluster's status topic (docs of a Debezium deployment).
  ConnectStatus running{StatusState::kRunning, std::nullopt, "172.17.0.5:8083", 31};
  EXPECT_EQ(TaskStatusKey("timescaledb-connector", 0), "status-task-timescaledb-connector-0");
  EXPECT_EQ(*EncodeStatus(running),
            "{\"state\":\"RUNNING\",\"trace\":null,\"worker_id\":\"172.17.0.5:8083\","
            "\"generation\":31}");
  EXPECT_EQ(TopicStatusKey("timescaledb.public.accounts", "timescaledb-connector"),
            "status-topic-timescaledb.public.accounts:connector-timescaledb-connector");
  EXPECT_EQ(
      EncodeTopicStatus({"timescaledb.public.accounts", "timescaledb-connector", 0, 1746009337985}),
      "{\"topic\":{\"name\":\"timescaledb.public.accounts\",\"connector\":\"timescaledb-"
      "connector\",\"task\":0,\"discoverTimestamp\":1746009337985}}");
  ConnectStatus failed{StatusState::kFailed,
                       "org.apache.kafka.connect.errors.ConnectException: x\n\tat A.b(A.java:1)\n",
                       "w:8083", 2};
  EXPECT_EQ(*EncodeStatus(failed),
            "{\"state\":\"FAILED\",\"trace\":\"org.apache.kafka.connect.errors.ConnectException: "
            "x\\n\\tat A.b(A.java:1)\\n\",\"worker_id\":\"w:8083\",\"generation\":2}");
  EXPECT_FALSE(EncodeStatus({StatusState::kDestroyed, std::nullopt, "w", 1}).has_value());
}

TEST(ConnectRecordsTest, DecodesStatusRecords) {
  auto task =
      DecodeStatusRecord("status-task-timescaledb-connector-0",
                         "{\"state\":\"UNASSIGNED\",\"trace\":null,\"worker_id\":\"172.17.0.5:"
                         "8083\",\"generation\":31}");
  ASSERT_TRUE(task.ok()) << task.status().message();
  EXPECT_EQ(task->kind, StatusRecordKind::kTask);
  EXPECT_EQ(task->connector, "timescaledb-connector");
  EXPECT_EQ(task->task, 0);
  EXPECT_EQ(task->status.state, StatusState::kUnassigned);
  EXPECT_EQ(task->status.worker_id, "172.17.0.5:8083");
  EXPECT_EQ(task->status.generation, 31);
  EXPECT_FALSE(task->status.trace.has_value());

  auto topic =
      DecodeStatusRecord("status-topic-timescaledb.public.accounts:connector-timescaledb-connector",
                         "{\"topic\":{\"name\":\"timescaledb.public.accounts\",\"connector\":"
                         "\"timescaledb-connector\","
                         "\"task\":0,\"discoverTimestamp\":1746009337985}}");
  ASSERT_TRUE(topic.ok()) << topic.status().message();
  EXPECT_EQ(topic->kind, StatusRecordKind::kTopic);
  EXPECT_EQ(topic->topic, "timescaledb.public.accounts");
  EXPECT_EQ(topic->connector, "timescaledb-connector");
  EXPECT_EQ(topic->topic_status.discover_timestamp_ms, 1746009337985);

  auto gone = DecodeStatusRecord("status-connector-c", std::nullopt);
  ASSERT_TRUE(gone.ok());
  EXPECT_TRUE(gone->tombstone);

  ConnectStatus failed{StatusState::kFailed, "trace\n", "w:1", 9};
  auto back = DecodeStatusRecord(ConnectorStatusKey("c"), *EncodeStatus(failed));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->status.trace, "trace\n");
  EXPECT_EQ(back->status.generation, 9);

  for (const char* key : {"status-task-c", "status-task-c-x", "status-connector-", "status-topic-t",
                          "status-topic-:connector-c", "status-x-c"}) {
    auto r =
        DecodeStatusRecord(key, "{\"state\":\"RUNNING\",\"worker_id\":\"w\",\"generation\":1}");
    EXPECT_FALSE(r.ok()) << key;
  }
  auto bad_state = DecodeStatusRecord(
      "status-connector-c", "{\"state\":\"running\",\"worker_id\":\"w\",\"generation\":1}");
  ASSERT_FALSE(bad_state.ok());
  EXPECT_EQ(bad_state.status().message(),
            "status record 'status-connector-c': unknown state 'running'");
  EXPECT_FALSE(
      DecodeStatusRecord("status-connector-c", "{\"state\":\"RUNNING\",\"worker_id\":\"w\"}").ok());
}

// ---- Offset topic ----

TEST(ConnectRecordsTest, HashMapOrderMatchesDebeziumOffsetsSeenInKafka) {
  // Offset values captured from Debezium PostgreSQL deployments (2.x, 3.x streaming, 3.x after a
  // snapshot). Keys are listed in the order PostgresOffsetContext puts them; the JSON lists them
  // in java.util.HashMap's order.
  ConnectMap v2{{"ts_usec", 1687876724804733},
                {"txId", 743},
                {"lsn", 27485360},
                {"lsn_proc", 27485360},
                {"messageType", "UPDATE"},
                {"transaction_id", nullptr}};
  EXPECT_EQ(EncodeConnectMap(v2),
            "{\"transaction_id\":null,\"lsn_proc\":27485360,\"messageType\":\"UPDATE\","
            "\"lsn\":27485360,\"txId\":743,\"ts_usec\":1687876724804733}");
  ConnectMap v3{{"ts_usec", 1767208115470483}, {"txId", 1007},           {"lsn", 37051152},
                {"lsn_proc", 37051152},        {"lsn_commit", 36989040}, {"messageType", "INSERT"}};
  EXPECT_EQ(EncodeConnectMap(v3),
            "{\"lsn_proc\":37051152,\"messageType\":\"INSERT\",\"lsn_commit\":36989040,"
            "\"lsn\":37051152,\"txId\":1007,\"ts_usec\":1767208115470483}");
  ConnectMap snap{{"ts_usec", 1746009337290783},
                  {"txId", 893},
                  {"lsn", 33351024},
                  {"snapshot", "INITIAL"},
                  {"last_snapshot_record", true},
                  {"snapshot_completed", true}};
  EXPECT_EQ(EncodeConnectMap(snap),
            "{\"last_snapshot_record\":true,\"lsn\":33351024,\"txId\":893,\"ts_usec\":"
            "1746009337290783,\"snapshot\":\"INITIAL\",\"snapshot_completed\":true}");
  EXPECT_EQ(EncodeOffsetKey("timescaledb-connector", DebeziumPartition("accounts")),
            "[\"timescaledb-connector\",{\"server\":\"accounts\"}]");
}

TEST(ConnectRecordsTest, HashMapOrderResizesAndKeepsInsertionWithinABucket) {
  // 13 keys: the table grows to 32. "k11" lands in bucket 11 + ... computed from String.hashCode.
  ConnectMap m;
  for (int i = 0; i < 13; ++i) m.emplace_back("k" + std::to_string(i), i);
  EXPECT_EQ(EncodeConnectMap(m),
            "{\"k0\":0,\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k11\":11,\"k6\":6,\"k10\":10,"
            "\"k7\":7,\"k8\":8,\"k12\":12,\"k9\":9}");
  // "Aa" and "BB" have the same String.hashCode: insertion order decides.
  EXPECT_EQ(EncodeConnectMap({{"Aa", 1}, {"BB", 2}}), "{\"Aa\":1,\"BB\":2}");
  EXPECT_EQ(EncodeConnectMap({{"BB", 2}, {"Aa", 1}}), "{\"BB\":2,\"Aa\":1}");
  // A key put twice keeps its first place.
  EXPECT_EQ(EncodeConnectMap({{"Aa", 1}, {"BB", 2}, {"Aa", 3}}), "{\"Aa\":3,\"BB\":2}");
}

TEST(ConnectRecordsTest, DecodesOffsetRecords) {
  auto r = DecodeOffsetRecord("[\"timescaledb-connector\",{\"server\":\"accounts\"}]",
                              "{\"last_snapshot_record\":true,\"lsn\":33351024,\"txId\":893}");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->connector, "timescaledb-connector");
  EXPECT_EQ(r->partition, json({{"server", "accounts"}}));
  ASSERT_TRUE(r->offset.has_value());
  EXPECT_EQ((*r->offset)["lsn"], 33351024);
  auto reset = DecodeOffsetRecord("[\"c\",{\"server\":\"p\"}]", std::nullopt);
  ASSERT_TRUE(reset.ok());
  EXPECT_FALSE(reset->offset.has_value());
  for (const char* key :
       {"not json", "{\"a\":1}", "[\"c\"]", "[1,{}]", "[\"c\",null]", "[\"c\",{},3]"}) {
    EXPECT_FALSE(DecodeOffsetRecord(key, "{}").ok()) << key;
  }
  EXPECT_FALSE(DecodeOffsetRecord("[\"c\",{}]", "[1]").ok());
}

// ---- Debezium's offset <-> SourceOffset ----

TEST(ConnectRecordsTest, DebeziumOffsetOfADeliveredTransaction) {
  source::SourceOffset o;
  o.last_commit_lsn = Lsn(0x16B374D000);
  o.last_commit_end = Lsn(0x16B374D848);
  o.last_txid = 1007;
  o.timeline = 2;
  ConnectMap m = DebeziumOffsetFrom(o, 1767208115470483);
  EXPECT_EQ(EncodeConnectMap(m),
            "{\"lsn_proc\":97500059720,\"walrelay_commit_lsn\":97500057600,\"messageType\":"
            "\"COMMIT\",\"lsn_commit\":97500059720,\"lsn\":97500059720,\"txId\":1007,"
            "\"ts_usec\":1767208115470483,\"walrelay_timeline\":2}");
  std::string encoded = EncodeConnectMap(m);
  auto back = SourceOffsetFromDebezium(json::parse(encoded));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->ToJson(), o.ToJson());
}

TEST(ConnectRecordsTest, DebeziumOffsetRoundTripsEveryWalrelayField) {
  source::SourceOffset o;
  o.last_commit_lsn = Lsn(100);
  o.last_commit_end = Lsn(180);
  o.last_txid = 7;
  o.inflight_tx_lsn = Lsn(300);
  o.inflight_index = 4;
  o.filter_until = Lsn(400);
  o.timeline = 3;
  o.snapshot.active = true;
  o.snapshot.stream_start = Lsn(90);
  o.snapshot.done_tables["public.a"] = *source::XidSnapshot::Parse("10:20:12,15");
  json j = json::parse(EncodeConnectMap(DebeziumOffsetFrom(o)));
  EXPECT_EQ(j["snapshot"], "INITIAL");
  EXPECT_EQ(j["snapshot_completed"], false);
  for (auto it = j.begin(); it != j.end(); ++it) {
    EXPECT_TRUE(it->is_primitive()) << it.key() << ": Connect allows primitive offset values only";
  }
  auto back = SourceOffsetFromDebezium(j);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->ToJson(), o.ToJson());
}

TEST(ConnectRecordsTest, ResumesFromOffsetsDebeziumWrote) {
  // Debezium 3.x mid-transaction: lsn_commit is the end of the last completed transaction.
  auto streaming = SourceOffsetFromDebezium(
      json::parse("{\"lsn_proc\":37051152,\"messageType\":\"INSERT\",\"lsn_commit\":36989040,"
                  "\"lsn\":37051152,\"txId\":1007,\"ts_usec\":1767208115470483}"));
  ASSERT_TRUE(streaming.ok()) << streaming.status().message();
  EXPECT_EQ(streaming->last_commit_end, Lsn(36989040));
  EXPECT_EQ(streaming->last_commit_lsn, Lsn(36989040));
  EXPECT_EQ(streaming->last_txid, 1007u);
  EXPECT_FALSE(streaming->snapshot.active);
  // The transaction at 36989040 (its commit record starts before its end) was delivered. The
  // offset was taken at an INSERT: the next transaction (commit LSN past that end) is the one
  // Debezium was in, delivered up to that INSERT at lsn_proc and not beyond.
  EXPECT_TRUE(streaming->Delivered(Lsn(36988000), 5));
  EXPECT_FALSE(streaming->Delivered(Lsn(37051200), 0));
  EXPECT_EQ(streaming->debezium_lsn_proc, Lsn(37051152));
  EXPECT_EQ(streaming->debezium_events_at_proc, 0u);  // not written: every event at lsn_proc
  EXPECT_EQ(streaming->debezium_message_type, "INSERT");
  EXPECT_TRUE(streaming->DeliveredByDebezium(Lsn(37051200), Lsn(37051152), 0));
  EXPECT_FALSE(streaming->DeliveredByDebezium(Lsn(37051200), Lsn(37051160), 0));
  // Debezium 3.7, as Kafka Connect stored it in a takeover (peers_takeover_test): one event
  // processed at lsn_proc. walrelay writes that position back as it was until it passes it.
  const std::string v37 =
      "{\"lsn_proc\":26548496,\"lsn_events_processed\":1,\"messageType\":\"UPDATE\","
      "\"lsn_commit\":26548440,\"lsn\":26548496,\"txId\":1076,\"ts_usec\":1796613700049460}";
  auto taken = SourceOffsetFromDebezium(json::parse(v37));
  ASSERT_TRUE(taken.ok()) << taken.status().message();
  EXPECT_EQ(taken->last_commit_end, Lsn(26548440));
  EXPECT_EQ(taken->debezium_lsn_proc, Lsn(26548496));
  EXPECT_EQ(taken->debezium_events_at_proc, 1u);
  EXPECT_TRUE(taken->DeliveredByDebezium(Lsn(26548600), Lsn(26548496), 0));
  EXPECT_FALSE(taken->DeliveredByDebezium(Lsn(26548600), Lsn(26548496), 1));
  json back = json::parse(EncodeConnectMap(DebeziumOffsetFrom(*taken, 1796613700049460)));
  for (const char* field : {"lsn", "lsn_proc", "lsn_events_processed", "lsn_commit", "messageType",
                            "txId", "ts_usec"}) {
    EXPECT_EQ(back[field], json::parse(v37)[field]) << field;
  }
  auto bad_count = SourceOffsetFromDebezium(json::parse(
      "{\"lsn_proc\":2,\"lsn_events_processed\":-1,\"messageType\":\"UPDATE\",\"lsn_commit\":1}"));
  ASSERT_FALSE(bad_count.ok());
  EXPECT_NE(bad_count.status().message().find("'lsn_events_processed'"), std::string::npos);
  // An offset at a commit (transaction metadata on) or walrelay's own: no position inside.
  auto at_commit = SourceOffsetFromDebezium(
      json::parse("{\"lsn_proc\":300,\"messageType\":\"COMMIT\",\"lsn_commit\":300}"));
  ASSERT_TRUE(at_commit.ok());
  EXPECT_FALSE(at_commit->debezium_lsn_proc.valid());
  // Debezium 2.x without lsn_commit: lsn_proc, as Debezium's loader falls back.
  auto v2 = SourceOffsetFromDebezium(
      json::parse("{\"transaction_id\":null,\"lsn_proc\":27485360,\"messageType\":\"UPDATE\","
                  "\"lsn\":27485360,\"txId\":743,\"ts_usec\":1687876724804733}"));
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->last_commit_end, Lsn(27485360));
  // A finished snapshot is not resumed; an unfinished one is redone.
  auto done = SourceOffsetFromDebezium(
      json::parse("{\"last_snapshot_record\":true,\"lsn\":33351024,\"txId\":893,\"ts_usec\":"
                  "1746009337290783,\"snapshot\":\"INITIAL\",\"snapshot_completed\":true}"));
  ASSERT_TRUE(done.ok());
  EXPECT_FALSE(done->snapshot.active);
  auto unfinished = SourceOffsetFromDebezium(
      json::parse("{\"last_snapshot_record\":false,\"lsn\":33351024,\"snapshot\":\"INITIAL\","
                  "\"snapshot_completed\":false}"));
  ASSERT_TRUE(unfinished.ok());
  EXPECT_TRUE(unfinished->snapshot.active);
  EXPECT_EQ(unfinished->snapshot.stream_start, Lsn(33351024));
  auto legacy = SourceOffsetFromDebezium(json::parse("{\"lsn\":5,\"snapshot\":true}"));
  ASSERT_TRUE(legacy.ok());
  EXPECT_TRUE(legacy->snapshot.active);
  // Wrong types are errors naming the field.
  auto bad = SourceOffsetFromDebezium(json::parse("{\"lsn_commit\":\"36989040\"}"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'lsn_commit'"), std::string::npos);
  EXPECT_FALSE(SourceOffsetFromDebezium(json::parse("[1]")).ok());
}

}  // namespace
}  // namespace walrelay::runtime
