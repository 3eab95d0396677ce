// Exactly-once delivery of `walrelay run SOURCE.json SINK.json` under SIGKILL, against two real
// PostgreSQL servers. A load generator makes >= 200,000 row changes over three tables in
// transactions that keep two invariants (every ledger transaction sums to zero; the sum of all
// balances is constant) while walrelay is SIGKILLed at random moments and restarted. A sampler
// checks on the destination that no state ever breaks an invariant (a partial source transaction)
// and that the slot is never confirmed past what the destination holds. At the end every table
// must match the source row for row: nothing lost, nothing applied twice.
//
// Randomness comes from one seed (WALRELAY_EO_SEED, or a fixed default), printed in the log; the
// kill moments also depend on timing, so a failure prints the seed, the kills and the positions.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "pg/connection.h"
#include "testing/pg_server.h"
#include "testing/process.h"

namespace walrelay {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
using testing::PgServer;
using testing::Process;

constexpr char kDb[] = "eo";
constexpr char kSlot[] = "eo_slot";
constexpr char kSinkName[] = "eo-sink";
constexpr int kAccounts = 500;
constexpr int64_t kInitialBalance = 10'000;
constexpr int64_t kBalanceTotal = kAccounts * kInitialBalance;
constexpr int kInitialLedgerTx = 5'000;  // 2 rows each
constexpr int kInitialItems = 100'000;
constexpr int64_t kTargetChanges = 200'000;
constexpr int kMinKills = 20;
// The writer's pace: fast enough to keep walrelay busy, slow enough that the load spans the kills
// (about 30 s for the target) instead of finishing before most of them.
constexpr int64_t kChangesPerSecond = 7'000;

void Log(const std::string& line) {
  std::fprintf(stderr, "[exactly_once] %s\n", line.c_str());
  std::fflush(stderr);
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Counts of what the load generator did, for the log and the change target.
struct LoadStats {
  int64_t changes = 0;  // rows inserted, updated or deleted
  int64_t transactions = 0;
  int64_t inserts = 0, updates = 0, deletes = 0;
  int64_t big_transactions = 0;  // larger than the source's max.batch.size (handed over in parts)
  int64_t multi_table = 0;
};

// Writes the load on the source through libpq, one round trip per transaction (BEGIN; ...;
// COMMIT; as one simple query). Keeps just enough state (live item ids, live ledger
// transactions) to make valid updates and deletes.
class LoadGenerator {
 public:
  LoadGenerator(std::string conninfo, uint64_t seed) : conninfo_(std::move(conninfo)), rng_(seed) {
    for (int i = 1; i <= kInitialItems; ++i) items_.push_back(i);
    next_item_ = kInitialItems + 1;
    for (int t = 1; t <= kInitialLedgerTx; ++t) ledger_.push_back({t, 2});
    next_tx_ = kInitialLedgerTx + 1;
  }

  // Runs until `target` changes are committed. Returns "" or the error.
  std::string Run(int64_t target, const std::atomic<bool>& abort) {
    auto conn = pg::Connection::Connect(conninfo_);
    if (!conn.ok()) return conn.status().ToString();
    const auto start = Clock::now();
    while (stats_.changes < target && !abort.load()) {
      auto due = start + std::chrono::milliseconds(stats_.changes * 1000 / kChangesPerSecond);
      if (Clock::now() < due) std::this_thread::sleep_until(due);
      std::string sql;
      Tx tx = Next(&sql);
      auto r = conn->Exec("BEGIN;\n" + sql + "COMMIT;");
      if (!r.ok()) return r.status().ToString() + "\nin:\n" + sql.substr(0, 2000);
      Commit(tx);
    }
    return "";
  }

  const LoadStats& stats() const { return stats_; }

 private:
  struct LedgerTx {
    int64_t tx_id;
    int rows;
  };
  // What a transaction did, applied to the generator's state once it committed.
  struct Tx {
    int64_t inserts = 0, updates = 0, deletes = 0;
    bool big = false;
    int tables = 0;
    std::vector<int> new_items;
    std::vector<LedgerTx> new_ledger;
  };

  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  // Removes and returns a random live item (its id leaves `items_` now: deletes are certain to
  // commit, or the run fails anyway).
  int TakeItem() {
    size_t i = static_cast<size_t>(Uniform(0, static_cast<int>(items_.size()) - 1));
    int id = items_[i];
    items_[i] = items_.back();
    items_.pop_back();
    return id;
  }
  std::vector<int> DistinctItems(int n) {
    std::set<int> picked;
    n = std::min<int>(n, static_cast<int>(items_.size()));
    while (static_cast<int>(picked.size()) < n) {
      picked.insert(items_[static_cast<size_t>(Uniform(0, static_cast<int>(items_.size()) - 1))]);
    }
    return {picked.begin(), picked.end()};
  }
  std::string ItemName() {
    if (Chance(0.1)) return "NULL::text";
    static const char* kWords[] = {"bolt", "nut", "gear", "spring", "o''ring", "cam", "shaft"};
    return "'" + std::string(kWords[Uniform(0, 6)]) + (Chance(0.5) ? "''s" : "") + "-" +
           std::to_string(Uniform(0, 99999)) + "'";
  }

  // A double-entry transfer of `pairs` movements: ledger rows summing to zero per tx_id and the
  // matching balance updates (one row per account, the deltas summed in the client).
  void Transfer(int pairs, std::string* sql, Tx* tx) {
    int64_t tx_id = next_tx_++;
    std::map<int, int64_t> delta;
    std::string values;
    for (int p = 0; p < pairs; ++p) {
      int from = Uniform(1, kAccounts), to = Uniform(1, kAccounts);
      int64_t amount = Uniform(1, 500);
      delta[from] -= amount;
      delta[to] += amount;
      values += (values.empty() ? "" : ",") + std::string("(") + std::to_string(tx_id) + "," +
                std::to_string(from) + "," + std::to_string(-amount) + "),(" +
                std::to_string(tx_id) + "," + std::to_string(to) + "," + std::to_string(amount) +
                ")";
    }
    *sql += "INSERT INTO ledger(tx_id, account, amount) VALUES " + values + ";\n";
    tx->inserts += 2 * pairs;
    tx->new_ledger.push_back({tx_id, 2 * pairs});
    std::string deltas;
    int64_t changed = 0;
    for (const auto& [account, d] : delta) {
      deltas += (deltas.empty() ? "" : ",") + std::string("(") + std::to_string(account) + "," +
                std::to_string(d) + ")";
      ++changed;
    }
    *sql += "UPDATE accounts a SET balance = a.balance + d.delta FROM (VALUES " + deltas +
            ") d(id, delta) WHERE a.id = d.id;\n";
    tx->updates += changed;
    tx->tables |= 3;
  }

  void InsertItems(int n, std::string* sql, Tx* tx) {
    std::string values;
    for (int i = 0; i < n; ++i) {
      int id = next_item_++;
      values += (values.empty() ? "" : ",") + std::string("(") + std::to_string(id) + "," +
                ItemName() + "," + std::to_string(Uniform(0, 1000)) + ")";
      tx->new_items.push_back(id);
    }
    *sql += "INSERT INTO items(id, name, qty) VALUES " + values + ";\n";
    tx->inserts += n;
    tx->tables |= 4;
  }

  void UpdateItems(int n, std::string* sql, Tx* tx) {
    std::vector<int> ids = DistinctItems(n);
    if (ids.empty()) return;
    std::string values;
    for (int id : ids) {
      values += (values.empty() ? "" : ",") + std::string("(") + std::to_string(id) + "," +
                ItemName() + ")";
    }
    *sql += "UPDATE items i SET qty = i.qty + 1, name = v.name FROM (VALUES " + values +
            ") v(id, name) WHERE i.id = v.id;\n";
    tx->updates += static_cast<int64_t>(ids.size());
    tx->tables |= 4;
  }

  void DeleteItems(int n, std::string* sql, Tx* tx) {
    n = std::min<int>(n, static_cast<int>(items_.size()));
    if (n == 0) return;
    std::string ids;
    for (int i = 0; i < n; ++i) ids += (ids.empty() ? "" : ",") + std::to_string(TakeItem());
    *sql += "DELETE FROM items WHERE id IN (" + ids + ");\n";
    tx->deletes += n;
    tx->tables |= 4;
  }

  // Builds the next transaction's statements.
  Tx Next(std::string* sql) {
    Tx tx;
    ++count_;
    if (count_ % 400 == 0) {
      // Larger than max.batch.size: the source hands it over in parts, and a kill may land
      // between them.
      Transfer(600, sql, &tx);
      tx.big = true;
      return tx;
    }
    int kind = Uniform(0, 99);
    if (kind < 35) {
      Transfer(Uniform(1, 20), sql, &tx);
    } else if (kind < 45 && !ledger_.empty()) {
      // Reverse one ledger transaction (all its rows, so it still sums to zero).
      const LedgerTx& t =
          ledger_[static_cast<size_t>(Uniform(0, static_cast<int>(ledger_.size()) - 1))];
      *sql += "UPDATE ledger SET amount = -amount WHERE tx_id = " + std::to_string(t.tx_id) + ";\n";
      tx.updates += t.rows;
      tx.tables |= 2;
    } else if (kind < 53 && !ledger_.empty()) {
      size_t i = static_cast<size_t>(Uniform(0, static_cast<int>(ledger_.size()) - 1));
      LedgerTx t = ledger_[i];
      ledger_[i] = ledger_.back();
      ledger_.pop_back();
      *sql += "DELETE FROM ledger WHERE tx_id = " + std::to_string(t.tx_id) + ";\n";
      tx.deletes += t.rows;
      tx.tables |= 2;
    } else if (kind < 68) {
      InsertItems(Uniform(1, 100), sql, &tx);
    } else if (kind < 80) {
      // Many single-row transactions, some up to 100 rows.
      UpdateItems(Chance(0.5) ? 1 : Uniform(1, 100), sql, &tx);
    } else if (kind < 88) {
      DeleteItems(Uniform(1, 50), sql, &tx);
    } else {
      // All three tables in one transaction, with the same keys changed more than once and a key
      // deleted and inserted again: exercises the sink's per-key compaction.
      Transfer(Uniform(1, 8), sql, &tx);
      UpdateItems(Uniform(1, 10), sql, &tx);
      UpdateItems(Uniform(1, 10), sql, &tx);
      InsertItems(Uniform(1, 10), sql, &tx);
      if (!items_.empty()) {
        int id = TakeItem();
        *sql += "DELETE FROM items WHERE id = " + std::to_string(id) + ";\n";
        *sql += "INSERT INTO items(id, name, qty) VALUES (" + std::to_string(id) + ", " +
                ItemName() + ", 7);\n";
        *sql += "UPDATE items SET qty = qty + 1 WHERE id = " + std::to_string(id) + ";\n";
        tx.deletes += 1;
        tx.inserts += 1;
        tx.updates += 1;
        tx.new_items.push_back(id);
      }
      int fresh = next_item_++;
      *sql += "INSERT INTO items(id, name, qty) VALUES (" + std::to_string(fresh) +
              ", 'ephemeral', 1);\n";
      *sql += "DELETE FROM items WHERE id = " + std::to_string(fresh) + ";\n";
      tx.inserts += 1;
      tx.deletes += 1;
    }
    return tx;
  }

  void Commit(const Tx& tx) {
    stats_.changes += tx.inserts + tx.updates + tx.deletes;
    stats_.inserts += tx.inserts;
    stats_.updates += tx.updates;
    stats_.deletes += tx.deletes;
    ++stats_.transactions;
    if (tx.big) ++stats_.big_transactions;
    if (tx.tables == 7) ++stats_.multi_table;
    items_.insert(items_.end(), tx.new_items.begin(), tx.new_items.end());
    ledger_.insert(ledger_.end(), tx.new_ledger.begin(), tx.new_ledger.end());
  }

  std::string conninfo_;
  std::mt19937_64 rng_;
  LoadStats stats_;
  int64_t count_ = 0;
  std::vector<int> items_;
  int next_item_ = 0;
  std::vector<LedgerTx> ledger_;
  int64_t next_tx_ = 0;
};

// What the destination's walrelay_offsets row says.
struct StoredPosition {
  bool present = false;
  bool snapshot_active = false;
  std::set<std::string> done_tables;
  uint64_t commit_end = 0;  // lsn_commit_end
  uint64_t commit = 0;      // lsn_commit
  std::string raw;

  // Whether `table` ("public.x") holds a consistent state: its snapshot is complete.
  bool TableComplete(const std::string& table) const {
    return present && (!snapshot_active || done_tables.count(table) > 0);
  }
};

StoredPosition ParsePosition(std::optional<std::string> text) {
  StoredPosition p;
  if (!text) return p;
  p.present = true;
  p.raw = *text;
  json j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return p;
  p.commit_end = j.value("lsn_commit_end", uint64_t{0});
  p.commit = j.value("lsn_commit", uint64_t{0});
  if (j.contains("snapshot") && j["snapshot"].is_object()) {
    p.snapshot_active = j["snapshot"].value("active", false);
    if (j["snapshot"].contains("done_tables") && j["snapshot"]["done_tables"].is_object()) {
      for (const auto& [name, _] : j["snapshot"]["done_tables"].items()) p.done_tables.insert(name);
    }
  }
  return p;
}

// Checks the destination's invariants over and over while the run goes on. Every check reads the
// destination in one REPEATABLE READ transaction, so the tables and the stored position it sees
// belong to one committed state.
class Sampler {
 public:
  Sampler(std::string source_conninfo, std::string dest_conninfo)
      : source_conninfo_(std::move(source_conninfo)), dest_conninfo_(std::move(dest_conninfo)) {}

  void Run(const std::atomic<bool>& stop, uint64_t seed) {
    std::mt19937_64 rng(seed);
    while (!stop.load()) {
      SampleOnce();
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::uniform_int_distribution<int>(100, 300)(rng)));
    }
  }

  // One check; also used for the final state.
  void SampleOnce() {
    if (!Connect()) return;
    // The slot first: the destination's position only moves forward, so if the slot's confirmed
    // position is ahead of the position read afterwards, it was confirmed before the destination
    // committed that far.
    auto slot = source_->Exec(std::string("SELECT (confirmed_flush_lsn - '0/0')::text FROM "
                                          "pg_replication_slots WHERE slot_name = '") +
                              kSlot + "'");
    if (!slot.ok()) return Drop("source: " + slot.status().ToString());
    std::optional<uint64_t> confirmed;
    if (slot->rows() == 1 && !slot->IsNull(0, 0)) {
      confirmed = std::stoull(std::string(slot->Get(0, 0)));
    }
    auto exists = dest_->Exec("SELECT to_regclass('public.walrelay_offsets') IS NOT NULL");
    if (!exists.ok()) return Drop("destination: " + exists.status().ToString());
    if (exists->Get(0, 0) != "t") return;
    auto begin = dest_->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    if (!begin.ok()) return Drop("destination: " + begin.status().ToString());
    auto pos = dest_->ExecParams("SELECT position FROM walrelay_offsets WHERE connector = $1",
                                 {std::string(kSinkName)});
    auto ledger = dest_->Exec(
        "SELECT coalesce(string_agg(tx_id::text || ':' || s::text, ' '), '') FROM (SELECT tx_id, "
        "sum(amount) s FROM ledger GROUP BY tx_id HAVING sum(amount) <> 0 ORDER BY tx_id LIMIT 10) "
        "x");
    auto accounts = dest_->Exec("SELECT coalesce(sum(balance), 0)::text, count(*) FROM accounts");
    (void)dest_->Exec("COMMIT");
    if (!pos.ok() || !ledger.ok() || !accounts.ok()) {
      return Drop("destination query failed: " + (!pos.ok()      ? pos.status()
                                                  : !ledger.ok() ? ledger.status()
                                                                 : accounts.status())
                                                     .ToString());
    }
    StoredPosition p =
        ParsePosition(pos->rows() == 1 ? pos->GetOptional(0, 0) : std::optional<std::string>());
    std::lock_guard<std::mutex> lock(mu_);
    ++samples_;
    if (!p.present) return;
    if (p.snapshot_active) ++during_snapshot_;
    // Positions only move forward: a destination going back in the source's history would show
    // old values of some rows next to newer values of others.
    if (p.commit < last_.commit || p.commit_end < last_.commit_end) {
      Violation("the destination's position went back from " + last_.raw + " to " + p.raw);
    }
    last_ = p;
    if (confirmed && p.commit_end > 0 && *confirmed > p.commit_end) {
      Violation("slot confirmed at " + std::to_string(*confirmed) +
                " but the destination holds only " + p.raw);
    }
    if (p.TableComplete("public.ledger")) {
      ++ledger_checked_;
      std::string bad(ledger->Get(0, 0));
      if (!bad.empty()) {
        Violation("ledger holds part of a source transaction (tx_id:sum " + bad + ") at position " +
                  p.raw);
      }
    }
    if (p.TableComplete("public.accounts")) {
      ++accounts_checked_;
      std::string sum(accounts->Get(0, 0)), count(accounts->Get(0, 1));
      if (sum != std::to_string(kBalanceTotal) || count != std::to_string(kAccounts)) {
        Violation("accounts sum(balance)=" + sum + " count=" + count + ", expected " +
                  std::to_string(kBalanceTotal) + " over " + std::to_string(kAccounts) +
                  " rows, at position " + p.raw);
      }
    }
  }

  std::vector<std::string> violations() const {
    std::lock_guard<std::mutex> lock(mu_);
    return violations_;
  }
  std::string Summary() const {
    std::lock_guard<std::mutex> lock(mu_);
    return std::to_string(samples_) + " samples (" + std::to_string(during_snapshot_) +
           " during the snapshot), ledger checked " + std::to_string(ledger_checked_) +
           "x, accounts checked " + std::to_string(accounts_checked_) + "x, " +
           std::to_string(violations_.size()) + " violation(s)";
  }
  int64_t ledger_checked() const {
    std::lock_guard<std::mutex> lock(mu_);
    return ledger_checked_;
  }

 private:
  bool Connect() {
    if (!source_ || !source_->IsOk()) {
      auto c = pg::Connection::Connect(source_conninfo_);
      if (!c.ok()) return false;
      source_.emplace(std::move(c).value());
    }
    if (!dest_ || !dest_->IsOk()) {
      auto c = pg::Connection::Connect(dest_conninfo_);
      if (!c.ok()) return false;
      dest_.emplace(std::move(c).value());
    }
    return true;
  }
  void Drop(const std::string& why) {
    Log("sampler: " + why + "; reconnecting");
    source_.reset();
    dest_.reset();
  }
  void Violation(const std::string& what) {
    if (violations_.size() < 20) Log("VIOLATION: " + what);
    violations_.push_back(what);
  }

  std::string source_conninfo_, dest_conninfo_;
  std::optional<pg::Connection> source_, dest_;
  mutable std::mutex mu_;
  StoredPosition last_;
  int64_t samples_ = 0, during_snapshot_ = 0, ledger_checked_ = 0, accounts_checked_ = 0;
  std::vector<std::string> violations_;
};

class ExactlyOnceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = PgServer::Start();
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    source_ = std::move(s).value();
    auto d = PgServer::Start();
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    dest_ = std::move(d).value();
    ASSERT_TRUE(source_->CreateDatabase(kDb).ok());
    ASSERT_TRUE(dest_->CreateDatabase(kDb).ok());
    dir_ = testing::MakeTempDir();
  }

  std::string Src(const std::string& sql) {
    auto r = source_->Psql(sql, kDb);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    return r.ok() ? Trim(*r) : "";
  }
  std::string Dst(const std::string& sql) {
    auto r = dest_->Psql(sql, kDb);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    return r.ok() ? Trim(*r) : "";
  }
  StoredPosition DestPosition() {
    auto r = dest_->Psql(
        "SELECT position FROM walrelay_offsets WHERE connector = '" + std::string(kSinkName) + "'",
        kDb);
    if (!r.ok() || Trim(*r).empty()) return {};  // no table or no row yet
    return ParsePosition(Trim(*r));
  }
  std::string Checksum(PgServer* s, const std::string& table) {
    auto r = s->Psql(
        "SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY id)), "
        "'') FROM " +
            table + " t",
        kDb);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? Trim(*r) : "";
  }

  // Which rows differ between source and destination (for a failure message): counts and the
  // first few ids of rows missing, extra or different in the destination.
  std::string DescribeDifference(const std::string& table) {
    auto rows = [&](PgServer* s) {
      std::map<int64_t, std::string> out;
      auto r = s->Psql("SELECT id, t::text FROM " + table + " t", kDb);
      if (!r.ok()) return out;
      size_t pos = 0;
      while (pos < r->size()) {
        size_t nl = r->find('\n', pos);
        if (nl == std::string::npos) nl = r->size();
        std::string line = r->substr(pos, nl - pos);
        pos = nl + 1;
        size_t bar = line.find('|');
        if (bar != std::string::npos) out[std::stoll(line.substr(0, bar))] = line.substr(bar + 1);
      }
      return out;
    };
    auto src = rows(source_.get()), dst = rows(dest_.get());
    std::vector<std::string> missing, extra, differ;
    for (const auto& [id, text] : src) {
      auto it = dst.find(id);
      if (it == dst.end()) {
        missing.push_back(text);
      } else if (it->second != text) {
        differ.push_back(text + " vs " + it->second);
      }
    }
    for (const auto& [id, text] : dst) {
      if (!src.count(id)) extra.push_back(text);
    }
    auto head = [](const std::vector<std::string>& v) {
      std::string out = std::to_string(v.size());
      for (size_t i = 0; i < v.size() && i < 5; ++i) out += (i ? ", " : " e.g. ") + v[i];
      return out;
    };
    return "missing in the destination: " + head(missing) +
           "; only in the destination: " + head(extra) + "; different: " + head(differ);
  }

  std::string WriteConnector(const std::string& name, const json& config) {
    std::string path = dir_ + "/" + name + ".json";
    std::ofstream(path) << json({{"name", name}, {"config", config}}).dump(2);
    return path;
  }
  std::string SourceFile() {
    return WriteConnector(
        "eo-source",
        {{"connector.class", "io.debezium.connector.postgresql.PostgresConnector"},
         {"database.hostname", "127.0.0.1"},
         {"database.port", std::to_string(source_->port())},
         {"database.user", "postgres"},
         {"database.password", "postgres"},
         {"database.dbname", kDb},
         {"topic.prefix", "srv"},
         {"plugin.name", "pgoutput"},
         {"slot.name", kSlot},
         {"publication.name", "eo_pub"},
         {"publication.autocreate.mode", "filtered"},
         {"table.include.list", "public.accounts,public.ledger,public.items"},
         {"snapshot.mode", "initial"},
         // Small chunks: the snapshot spans several destination transactions and kills land in it.
         {"snapshot.fetch.size", "2000"},
         {"transforms", "unwrap"},
         {"transforms.unwrap.type", "io.debezium.transforms.ExtractNewRecordState"},
         {"transforms.unwrap.delete.tombstone.handling.mode", "tombstone"}});
  }
  std::string SinkFile() {
    return WriteConnector(
        kSinkName,
        {{"connector.class", "io.confluent.connect.jdbc.JdbcSinkConnector"},
         {"connection.url", "jdbc:postgresql://127.0.0.1:" + std::to_string(dest_->port()) + "/" +
                                kDb + "?currentSchema=public&user=postgres&password=postgres"},
         {"topics.regex", "srv\\.public\\.(accounts|ledger|items)"},
         {"transforms", "route"},
         {"transforms.route.type", "org.apache.kafka.connect.transforms.RegexRouter"},
         {"transforms.route.regex", "([^.]+)\\.([^.]+)\\.([^.]+)"},
         {"transforms.route.replacement", "$2.$3"},
         // accounts and ledger exist in the destination; items is created by the sink.
         {"auto.create", "true"},
         {"insert.mode", "upsert"},
         {"pk.mode", "record_key"},
         {"delete.enabled", "true"},
         {"max.retries", "30"},
         {"retry.backoff.ms", "200"}});
  }

  std::unique_ptr<PgServer> source_, dest_;
  std::string dir_;
};

TEST_F(ExactlyOnceTest, RandomKillsNeitherLoseNorDuplicateNorSplitTransactions) {
  uint64_t seed = 20240611;
  if (const char* env = std::getenv("WALRELAY_EO_SEED")) seed = std::strtoull(env, nullptr, 10);
  Log("seed " + std::to_string(seed) + " (set WALRELAY_EO_SEED to change it)");
  std::mt19937_64 rng(seed);
  const auto t0 = Clock::now();

  Src("CREATE TABLE accounts(id int PRIMARY KEY, balance bigint NOT NULL)");
  Src("CREATE TABLE ledger(id bigserial PRIMARY KEY, tx_id bigint NOT NULL, account int NOT NULL, "
      "amount bigint NOT NULL)");
  Src("CREATE TABLE items(id int PRIMARY KEY, name text, qty int)");
  Src("INSERT INTO accounts SELECT g, " + std::to_string(kInitialBalance) +
      " FROM generate_series(1, " + std::to_string(kAccounts) + ") g");
  // Initial ledger transactions t: account a pays account b, two rows summing to zero.
  Src("INSERT INTO ledger(tx_id, account, amount) SELECT t, 1 + (t * 7 + r) % " +
      std::to_string(kAccounts) + ", CASE r WHEN 0 THEN -t ELSE t END FROM generate_series(1, " +
      std::to_string(kInitialLedgerTx) + ") t, generate_series(0, 1) r ORDER BY 1, 3");
  Src("INSERT INTO items SELECT g, 'item-' || g, g % 100 FROM generate_series(1, " +
      std::to_string(kInitialItems) + ") g");
  Dst("CREATE TABLE accounts(id int PRIMARY KEY, balance bigint NOT NULL)");
  Dst("CREATE TABLE ledger(id bigint PRIMARY KEY, tx_id bigint NOT NULL, account int NOT NULL, "
      "amount bigint NOT NULL)");

  const std::string source_file = SourceFile();
  const std::string sink_file = SinkFile();
  const std::vector<std::string> argv = {WALRELAY_BINARY, "run", source_file, sink_file};

  std::atomic<bool> writer_done{false}, writer_failed{false}, abort_writer{false},
      stop_sampler{false};
  LoadGenerator load(source_->conninfo(kDb), seed + 1);
  std::string writer_error;
  Clock::time_point writer_end;
  Sampler sampler(source_->conninfo(kDb), dest_->conninfo(kDb));

  auto proc = Process::Start(argv);
  ASSERT_TRUE(proc.ok()) << proc.status().ToString();
  std::thread sampler_thread([&] { sampler.Run(stop_sampler, seed + 2); });
  std::thread writer([&] {
    writer_error = load.Run(kTargetChanges, abort_writer);
    writer_failed.store(!writer_error.empty());
    writer_end = Clock::now();
    writer_done.store(true);
  });

  // Kill at random moments until the writer is done and at least kMinKills kills happened.
  // Some kills come soon after a start (during startup, resume or the snapshot), most later.
  int kills = 0, kills_in_snapshot = 0, kills_without_position = 0, resumed = 0;
  std::vector<std::string> failures;
  StoredPosition before_start;  // what the destination held when the current process started
  while ((kills < kMinKills || !writer_done.load()) && !writer_failed.load()) {
    // While the snapshot (about 0.7 s with startup, more under load) is unfinished, kill within
    // [50, 400 + 400 * n] ms for the n-th such kill: kills land in it and it is resumed, yet it
    // completes after a few restarts. Its items table spans several destination transactions that
    // share one source position.
    int ms = !before_start.present || before_start.snapshot_active
                 ? std::uniform_int_distribution<int>(50, 400 + 400 * kills)(rng)
             : std::uniform_int_distribution<int>(0, 3)(rng) == 0
                 ? std::uniform_int_distribution<int>(20, 250)(rng)
                 : std::uniform_int_distribution<int>(250, 1500)(rng);
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    Process& p = **proc;
    if (!p.Running()) {
      auto code = p.Wait(std::chrono::seconds(1));
      failures.push_back("walrelay exited by itself (status " +
                         (code.ok() ? std::to_string(*code) : code.status().ToString()) +
                         ") before kill " + std::to_string(kills + 1) + ":\n" + p.Stderr());
      break;
    }
    p.Signal(SIGKILL);
    auto code = p.Wait(std::chrono::seconds(10));
    ++kills;
    StoredPosition after = DestPosition();
    if (!after.present) ++kills_without_position;
    if (after.snapshot_active) ++kills_in_snapshot;
    std::string err = p.Stderr();
    // A process that started with a position in the destination says it resumed from it (if it
    // lived long enough to log it), and never starts a new snapshot once one completed.
    bool said_resume = err.find("destination holds source position") != std::string::npos;
    if (said_resume) ++resumed;
    if (before_start.present && !before_start.snapshot_active &&
        err.find("snapshot of") != std::string::npos) {
      failures.push_back("kill " + std::to_string(kills) +
                         ": started a new snapshot although the destination held a completed "
                         "one (" +
                         before_start.raw + "):\n" + err);
    }
    if (before_start.present && !said_resume &&
        err.find("streaming from slot") != std::string::npos) {
      failures.push_back("kill " + std::to_string(kills) +
                         ": streamed without resuming from the destination position:\n" + err);
    }
    Log("kill " + std::to_string(kills) + " after " + std::to_string(ms) + " ms (status " +
        (code.ok() ? std::to_string(*code) : "?") + "), load " +
        std::to_string(load.stats().changes) + " changes, destination at " +
        (after.present ? after.raw : std::string("(no position)")));
    if (std::getenv("WALRELAY_EO_VERBOSE")) Log("stderr of the killed process:\n" + err);
    before_start = after;
    proc = Process::Start(argv);
    if (!proc.ok()) {
      failures.push_back("cannot restart walrelay: " + proc.status().ToString());
      break;
    }
  }
  if (!failures.empty()) abort_writer.store(true);
  writer.join();
  // The last killable process: stop it, then run to idle with a fresh one.
  if (proc.ok()) {
    (*proc)->Signal(SIGKILL);
    (void)(*proc)->Wait(std::chrono::seconds(10));
    ++kills;
  }
  const LoadStats& stats = load.stats();
  Log("load: " + std::to_string(stats.changes) + " changes (" + std::to_string(stats.inserts) +
      " inserts, " + std::to_string(stats.updates) + " updates, " + std::to_string(stats.deletes) +
      " deletes) in " + std::to_string(stats.transactions) + " transactions (" +
      std::to_string(stats.big_transactions) + " larger than max.batch.size, " +
      std::to_string(stats.multi_table) + " over all three tables) in " +
      std::to_string(Seconds(writer_end - t0)) + " s");
  if (!writer_error.empty()) {
    stop_sampler.store(true);
    sampler_thread.join();
    FAIL() << "load generator failed: " << writer_error;
  }
  for (const auto& f : failures) ADD_FAILURE() << f;

  StoredPosition last = DestPosition();
  auto final_run =
      Process::Start({WALRELAY_BINARY, "run", source_file, sink_file, "--idle-exit", "3"});
  if (!final_run.ok()) {
    stop_sampler.store(true);
    sampler_thread.join();
    FAIL() << final_run.status().ToString();
  }
  auto final_code = (*final_run)->Wait(std::chrono::seconds(150));
  stop_sampler.store(true);
  sampler_thread.join();
  ASSERT_TRUE(final_code.ok()) << "final run did not finish: " << (*final_run)->Stderr();
  EXPECT_EQ(*final_code, 0) << (*final_run)->Stderr();
  const std::string final_err = (*final_run)->Stderr();
  ASSERT_TRUE(last.present) << "no position in the destination after " << kills << " kills";
  EXPECT_NE(final_err.find("destination holds source position"), std::string::npos) << final_err;
  if (final_err.find("destination holds source position") != std::string::npos) ++resumed;
  sampler.SampleOnce();  // the final state, too

  Log(std::to_string(kills) + " kills (" + std::to_string(kills_in_snapshot) +
      " with the snapshot in progress, " + std::to_string(kills_without_position) +
      " before the first destination commit); " + std::to_string(resumed) +
      " processes said they resumed from the destination position");
  Log("sampler: " + sampler.Summary());
  Log("total " + std::to_string(Seconds(Clock::now() - t0)) + " s");

  EXPECT_GE(kills, kMinKills + 1);
  EXPECT_GE(stats.changes, kTargetChanges);
  EXPECT_GE(resumed, kMinKills / 2) << "restarts did not resume from the destination";
  EXPECT_GT(sampler.ledger_checked(), 50);
  for (const auto& v : sampler.violations()) ADD_FAILURE() << v;

  // Row for row, nothing lost and nothing applied twice (a replayed delete or an old value
  // would show as a difference).
  for (const char* table : {"accounts", "ledger", "items"}) {
    std::string want = Checksum(source_.get(), table), got = Checksum(dest_.get(), table);
    EXPECT_EQ(want, got) << table;
    if (want != got) Log(std::string(table) + ": " + DescribeDifference(table));
  }
  EXPECT_EQ(Dst("SELECT count(*) FROM (SELECT tx_id FROM ledger GROUP BY tx_id HAVING sum(amount) "
                "<> 0) x"),
            "0");
  EXPECT_EQ(Dst("SELECT sum(balance) FROM accounts"), std::to_string(kBalanceTotal));
  EXPECT_EQ(Dst("SELECT count(*) FROM walrelay_offsets"), "1");
  // The slot is confirmed no further than the destination holds.
  StoredPosition end = DestPosition();
  EXPECT_FALSE(end.snapshot_active);
  EXPECT_EQ(
      Src(std::string("SELECT (confirmed_flush_lsn - '0/0') <= ") + std::to_string(end.commit_end) +
          " FROM pg_replication_slots WHERE slot_name = '" + kSlot + "'"),
      "t");
}

}  // namespace
}  // namespace walrelay
