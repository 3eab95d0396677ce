#include "testing/connect_worker.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#ifndef WALRELAY_SOURCE_DIR
#error "WALRELAY_SOURCE_DIR must name the source tree (CMakeLists.txt defines it)"
#endif
#ifndef WALRELAY_BINARY
#error "WALRELAY_BINARY must name the walrelay binary (CMakeLists.txt defines it)"
#endif

namespace walrelay::testing {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string Which(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int FreePort() {
  auto r = RunProcess({"/usr/bin/python3", "-c",
                       "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); "
                       "print(s.getsockname()[1])"});
  return r.ok() ? std::atoi(r->out.c_str()) : 0;
}

HttpResult Curl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {Which("curl"), "-s", "-o", "-", "-w", "\n%{http_code}"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = RunProcess(argv, std::chrono::seconds(120));
  HttpResult out;
  if (!r.ok()) return out;
  size_t nl = r->out.rfind('\n');
  if (nl == std::string::npos) return out;
  out.status = std::atoi(r->out.c_str() + nl + 1);
  out.body = r->out.substr(0, nl);
  return out;
}

std::string WorkerProcess::StderrTail(size_t bytes) const {
  if (process == nullptr) return "";
  // librdkafka's own log lines ("%<level>|...") drown walrelay's after a broker dies: they are
  // counted, and the tail is taken from walrelay's lines.
  const std::string err = process->Stderr();
  std::string ours;
  size_t librdkafka_lines = 0;
  for (size_t pos = 0; pos < err.size();) {
    size_t end = err.find('\n', pos);
    if (end == std::string::npos) end = err.size();
    if (err.compare(pos, 1, "%") == 0) {
      ++librdkafka_lines;
    } else {
      ours.append(err, pos, end - pos).push_back('\n');
    }
    pos = end + 1;
  }
  if (ours.size() > bytes) ours = ours.substr(ours.size() - bytes);
  return "(" + std::to_string(librdkafka_lines) + " librdkafka log lines left out)\n" + ours;
}

WorkerProcess ConfigureWorker(const std::string& file, const WorkerSettings& s) {
  WorkerProcess w;
  w.port = FreePort();
  w.url = "http://127.0.0.1:" + std::to_string(w.port);
  w.file = file;
  const std::string rf = std::to_string(s.replication_factor);
  std::ofstream f(file);
  f << "bootstrap.servers=" << s.bootstrap_servers << "\n"
    << "group.id=" << s.group << "\n"
    << "config.storage.topic=" << s.group << "-configs\n"
    << "offset.storage.topic=" << s.group << "-offsets\n"
    << "status.storage.topic=" << (s.status_topic.empty() ? s.group + "-statuses" : s.status_topic)
    << "\n"
    << "config.storage.replication.factor=" << rf << "\n"
    << "offset.storage.replication.factor=" << rf << "\n"
    << "status.storage.replication.factor=" << rf << "\n"
    << "offset.storage.partitions=5\nstatus.storage.partitions=2\n"
    << "key.converter=org.apache.kafka.connect.json.JsonConverter\n"
    << "value.converter=org.apache.kafka.connect.json.JsonConverter\n"
    << "listeners=" << w.url << "\n"
    << "offset.flush.interval.ms=1000\n";
  for (const auto& line : s.extra) f << line << "\n";
  return w;
}

Status StartWorker(WorkerProcess& w) {
  // jemalloc (the binary's allocator) fills freed memory with junk: a use after free reads
  // garbage at once instead of the stale values that usually still sit there.
  WR_ASSIGN_OR_RETURN(w.process, Process::Start({"/usr/bin/env", "MALLOC_CONF=junk:true",
                                                 WALRELAY_BINARY, "worker", w.file}));
  for (int n = 0; n < 200; ++n) {
    if (Curl({w.url + "/"}).status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Status::Ok();
}

json SeedConnector(const std::string& file, int source_port, int destination_port) {
  json c = json::parse(ReadFile(std::string(WALRELAY_SOURCE_DIR) + "/examples/seed/" + file));
  json& cfg = c["config"];
  for (auto it = cfg.begin(); it != cfg.end();) {
    const std::string& k = it.key();
    if (k.rfind("key.converter", 0) == 0 || k.rfind("value.converter", 0) == 0) {
      it = cfg.erase(it);
    } else {
      ++it;
    }
  }
  if (cfg.contains("database.hostname")) {
    cfg["database.hostname"] = "127.0.0.1";
    cfg["database.port"] = std::to_string(source_port);
  }
  if (cfg.contains("connection.url")) {
    cfg["connection.url"] = "jdbc:postgresql://127.0.0.1:" + std::to_string(destination_port) +
                            "/destination_db?currentSchema=public&user=postgres&password=postgres";
  }
  return c;
}

HttpResult Register(const WorkerProcess& w, const std::string& path) {
  HttpResult r;
  for (int i = 0; i < 150; ++i) {
    r = Curl({"-X", "POST", "-H", "Content-Type: application/json", "--data", "@" + path,
              w.url + "/connectors/"});
    if (r.status != 409) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return r;
}

json List(const WorkerProcess& w) {
  HttpResult r = Curl({w.url + "/connectors?expand=status&expand=info"});
  if (r.status != 200) return json::object();
  json list = json::parse(r.body, nullptr, false);
  return list.is_discarded() ? json::object() : list;
}

bool WaitRunning(const WorkerProcess& w, const std::vector<std::string>& names,
                 const std::string& on_worker, int seconds) {
  const auto deadline = Clock::now() + std::chrono::seconds(seconds);
  while (Clock::now() < deadline) {
    json list = List(w);
    bool all = list.is_object();
    for (const auto& n : names) {
      if (!all) break;
      if (!list.contains(n)) {
        all = false;
        break;
      }
      const json& st = list[n]["status"];
      auto ok = [&](const json& s) {
        return s.value("state", "") == "RUNNING" &&
               (on_worker.empty() || s.value("worker_id", "") == on_worker);
      };
      all = ok(st["connector"]) && !st["tasks"].empty();
      for (const auto& t : st["tasks"]) all = all && ok(t);
    }
    if (all) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

bool WaitConnectorRunning(const std::string& url, const std::string& name, std::string* last,
                          int seconds) {
  const auto deadline = Clock::now() + std::chrono::seconds(seconds);
  while (Clock::now() < deadline) {
    HttpResult r = Curl({url + "/connectors/" + name + "/status"});
    *last = r.body;
    json status = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
    if (r.status == 200 && status.is_object()) {
      const std::string state = status["connector"].value("state", "");
      const json tasks = status.value("tasks", json::array());
      if (state == "FAILED") return false;
      bool running = state == "RUNNING" && !tasks.empty();
      for (const json& task : tasks) {
        if (task.value("state", "") == "FAILED") return false;
        running = running && task.value("state", "") == "RUNNING";
      }
      if (running) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

std::string WorkerOf(const WorkerProcess& w, const std::string& connector, int task) {
  json list = List(w);
  if (!list.contains(connector)) return "";
  for (const auto& t : list[connector]["status"]["tasks"]) {
    if (t.value("id", -1) == task) return t.value("worker_id", "");
  }
  return "";
}

std::vector<std::string> ConsumeTopic(const std::string& bootstrap_servers,
                                      const std::string& topic, const std::string& format,
                                      bool read_committed) {
  std::vector<std::string> argv = {Which("kcat"), "-C",  "-b", bootstrap_servers,
                                   "-t",          topic, "-o", "beginning",
                                   "-e",          "-q",  "-f", format + "\n"};
  if (read_committed) {
    argv.push_back("-X");
    argv.push_back("isolation.level=read_committed");
  }
  auto r = RunProcess(argv, std::chrono::seconds(120));
  std::vector<std::string> out;
  if (!r.ok()) return out;
  std::istringstream in(r->out);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

json HistorySink(const std::string& name, const std::string& topic, int destination_port,
                 int tasks) {
  return {{"name", name},
          {"config",
           {{"connector.class", "io.confluent.connect.jdbc.JdbcSinkConnector"},
            {"tasks.max", std::to_string(tasks)},
            {"topics", topic},
            {"connection.url", "jdbc:postgresql://127.0.0.1:" + std::to_string(destination_port) +
                                   "/destination_db?user=postgres&password=postgres"},
            {"table.name.format", "history"},
            {"insert.mode", "insert"},
            {"pk.mode", "none"},
            {"consumer.override.session.timeout.ms", "6000"},
            {"consumer.override.heartbeat.interval.ms", "1000"}}}};
}

HistoryCounts WaitHistory(const std::function<Result<std::string>(const std::string&)>& query,
                          int64_t want, int seconds) {
  HistoryCounts counts;
  const auto deadline = Clock::now() + std::chrono::seconds(seconds);
  while (Clock::now() < deadline) {
    auto r = query(
        "SELECT count(*) || ' ' || count(DISTINCT current_value) || ' ' || "
        "coalesce(max(current_value), 0) FROM public.history");
    if (r.ok()) {
      std::istringstream in(*r);
      in >> counts.rows >> counts.distinct >> counts.max;
      if (counts.max == want) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return counts;
}

}  // namespace walrelay::testing
