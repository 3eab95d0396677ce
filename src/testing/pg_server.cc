#include "testing/pg_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

extern char** environ;

namespace walrelay::testing {
namespace {

constexpr std::string_view kPreferredBinDir = "/usr/lib/postgresql/15/bin";
constexpr int kStartAttempts = 5;
constexpr int kLogTailLines = 40;

std::string ErrnoText(std::string_view what) {
  return std::string(what) + ": " + std::strerror(errno);
}

// Owns a file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    Reset(std::exchange(other.fd_, -1));
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Reset(); }

  int get() const { return fd_; }
  void Reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// Whom a child process runs as: itself, or (when the test runs as root) `postgres`.
struct RunAs {
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

struct CommandOutput {
  int exit_code = -1;  // 128 + signal number when the child was killed by a signal
  std::string out;
  std::string err;
};

// The environment for child processes: ours without PG* variables, which would otherwise change
// where psql connects or how the server starts.
std::vector<std::string> ChildEnvironment() {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    if (std::strncmp(*e, "PG", 2) == 0) continue;
    env.emplace_back(*e);
  }
  return env;
}

// Runs argv[0] (a path) with stdin from /dev/null, collecting stdout and stderr, and kills it after
// `timeout`. Everything the child needs is prepared before fork(), so the child only makes
// async-signal-safe calls (the test process may have other threads).
Result<CommandOutput> RunCommand(const std::vector<std::string>& argv, const RunAs& run_as,
                                 const std::string& cwd, std::chrono::seconds timeout) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_strings = ChildEnvironment();
  std::vector<char*> env;
  for (std::string& e : env_strings) env.push_back(e.data());
  env.push_back(nullptr);

  int out_fds[2];
  int err_fds[2];
  if (::pipe2(out_fds, O_CLOEXEC) != 0) return FatalError(ErrnoText("pipe2"));
  Fd out_read(out_fds[0]), out_write(out_fds[1]);
  if (::pipe2(err_fds, O_CLOEXEC) != 0) return FatalError(ErrnoText("pipe2"));
  Fd err_read(err_fds[0]), err_write(err_fds[1]);
  Fd dev_null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (dev_null.get() < 0) return FatalError(ErrnoText("open /dev/null"));

  pid_t pid = ::fork();
  if (pid < 0) return FatalError(ErrnoText("fork"));
  if (pid == 0) {
    ::dup2(dev_null.get(), 0);
    ::dup2(out_write.get(), 1);
    ::dup2(err_write.get(), 2);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
    if (run_as.switch_user) {
      if (::setgroups(1, &run_as.gid) != 0 || ::setgid(run_as.gid) != 0 ||
          ::setuid(run_as.uid) != 0) {
        static const char kMsg[] = "cannot switch to the postgres user\n";
        (void)!::write(2, kMsg, sizeof(kMsg) - 1);
        ::_exit(126);
      }
    }
    ::execve(args[0], args.data(), env.data());
    static const char kMsg[] = "exec failed\n";
    (void)!::write(2, kMsg, sizeof(kMsg) - 1);
    ::_exit(127);
  }
  out_write.Reset();
  err_write.Reset();
  dev_null.Reset();

  CommandOutput result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  while (out_read.get() >= 0 || err_read.get() >= 0) {
    pollfd fds[2] = {{out_read.get(), POLLIN, 0}, {err_read.get(), POLLIN, 0}};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    int n = ::poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    Fd* readers[2] = {&out_read, &err_read};
    std::string* sinks[2] = {&result.out, &result.err};
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[4096];
      ssize_t got = ::read(fds[i].fd, buf, sizeof(buf));
      if (got > 0) {
        sinks[i]->append(buf, static_cast<size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        readers[i]->Reset();
      }
    }
  }
  if (timed_out) ::kill(pid, SIGKILL);
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return RetryError(argv[0] + " timed out after " + std::to_string(timeout.count()) +
                      "s; stderr: " + result.err);
  }
  result.exit_code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus)
                                        : 128 + (WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0);
  return result;
}

std::string ReadFileFrom(const std::string& path, std::streamoff offset) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(offset);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::streamoff FileSize(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::streamoff>(st.st_size) : 0;
}

std::string LastLines(const std::string& text, int count) {
  size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  for (int i = 0; i < count && pos != std::string::npos && pos > 0; ++i) {
    pos = text.rfind('\n', pos - 1);
  }
  return pos == std::string::npos ? text : text.substr(pos + 1);
}

Status WriteFile(const std::string& path, const std::string& content, std::ios::openmode mode) {
  std::ofstream out(path, std::ios::binary | mode);
  out << content;
  out.close();
  if (!out) return FatalError("cannot write " + path);
  return Status::Ok();
}

// Asks the kernel for a free port on 127.0.0.1. Another process may take it before the server
// binds it; StartServer() retries with a new port in that case.
Result<int> PickFreePort() {
  Fd sock(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (sock.get() < 0) return FatalError(ErrnoText("socket"));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return FatalError(ErrnoText("bind 127.0.0.1:0"));
  }
  socklen_t len = sizeof(addr);
  if (::getsockname(sock.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return FatalError(ErrnoText("getsockname"));
  }
  return static_cast<int>(ntohs(addr.sin_port));
}

// The first line of a postmaster.pid file, or 0.
pid_t ReadPid(const std::string& path) {
  std::ifstream in(path);
  long pid = 0;
  if (!(in >> pid) || pid <= 0) return 0;
  return static_cast<pid_t>(pid);
}

struct ProcStat {
  char state = '?';
  pid_t ppid = 0;
  pid_t pgrp = 0;
};

// Reads /proc/<pid>/stat; false when the process does not exist.
bool ReadProcStat(pid_t pid, ProcStat* stat) {
  std::string text = ReadFileFrom("/proc/" + std::to_string(pid) + "/stat", 0);
  // "pid (comm) state ppid pgrp ...": comm may contain spaces and parentheses.
  size_t close = text.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(text.substr(close + 1));
  long ppid = 0, pgrp = 0;
  if (!(rest >> stat->state >> ppid >> pgrp)) return false;
  stat->ppid = static_cast<pid_t>(ppid);
  stat->pgrp = static_cast<pid_t>(pgrp);
  return true;
}

// A zombie counts as gone: in a container nobody may reap the daemonized postmaster.
bool Alive(pid_t pid) {
  ProcStat st;
  return ReadProcStat(pid, &st) && st.state != 'Z';
}

// True when `pid` is a live postmaster of `data_dir`: the postmaster's working directory is its
// data directory. This keeps us from killing an unrelated process that reused the pid.
bool IsPostmasterOf(pid_t pid, const std::string& data_dir) {
  if (pid <= 0) return false;
  std::error_code ec;
  auto cwd = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/cwd", ec);
  return !ec && cwd == data_dir;
}

// SIGKILLs `pid` and every process it started (its process group and children), then waits up
// to 10s for them to be gone.
Status KillProcessTree(pid_t pid) {
  std::vector<pid_t> members = {pid};
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/proc", ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    pid_t other = static_cast<pid_t>(std::stol(name));
    ProcStat st;
    if (other != pid && ReadProcStat(other, &st) && (st.ppid == pid || st.pgrp == pid)) {
      members.push_back(other);
    }
  }
  for (pid_t member : members) ::kill(member, SIGKILL);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (pid_t member : members) {
    while (Alive(member)) {
      if (std::chrono::steady_clock::now() > deadline) {
        return FatalError("process " + std::to_string(member) + " survived SIGKILL");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  return Status::Ok();
}

// A libpq connection-string value, quoted when it needs to be.
std::string QuoteConnValue(std::string_view value) {
  if (!value.empty() && value.find_first_of(" '\\\t\n") == std::string_view::npos) {
    return std::string(value);
  }
  std::string quoted = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "'";
}

std::string QuoteIdent(std::string_view ident) {
  std::string quoted = "\"";
  for (char c : ident) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string CommandFailure(const std::string& what, const CommandOutput& out) {
  std::string message = what + " failed (exit " + std::to_string(out.exit_code) + ")";
  if (!out.out.empty()) message += "\nstdout:\n" + out.out;
  if (!out.err.empty()) message += "\nstderr:\n" + out.err;
  return message;
}

bool IsExecutable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

}  // namespace

std::string FindBinary(std::string_view name) {
  std::string preferred = std::string(kPreferredBinDir) + "/" + std::string(name);
  if (IsExecutable(preferred)) return preferred;
  FILE* pipe = ::popen("pg_config --bindir 2>/dev/null", "r");
  if (pipe == nullptr) return "";
  char buf[4096];
  std::string bindir;
  while (::fgets(buf, sizeof(buf), pipe) != nullptr) bindir += buf;
  ::pclose(pipe);
  while (!bindir.empty() && (bindir.back() == '\n' || bindir.back() == '\r')) bindir.pop_back();
  if (bindir.empty()) return "";
  std::string candidate = bindir + "/" + std::string(name);
  return IsExecutable(candidate) ? candidate : "";
}

bool PostgresBinariesAvailable() {
  for (std::string_view name : {"initdb", "pg_ctl", "postgres", "psql"}) {
    if (FindBinary(name).empty()) return false;
  }
  return true;
}

Result<std::unique_ptr<PgServer>> PgServer::Start(Options options) {
  std::unique_ptr<PgServer> server(new PgServer());
  server->initdb_ = FindBinary("initdb");
  server->pg_ctl_ = FindBinary("pg_ctl");
  server->psql_ = FindBinary("psql");
  if (server->initdb_.empty() || server->pg_ctl_.empty() || server->psql_.empty() ||
      FindBinary("postgres").empty()) {
    return NotFound("PostgreSQL binaries (initdb, pg_ctl, postgres, psql) not found in " +
                    std::string(kPreferredBinDir) +
                    " or pg_config --bindir; run scripts/install-deps");
  }

  std::string tmpl = "/tmp/walrelay-pg-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return FatalError(ErrnoText("mkdtemp " + tmpl));
  std::error_code ec;
  // From here on the destructor removes the directory, whatever fails below.
  server->root_dir_ = std::filesystem::canonical(tmpl, ec).string();
  if (ec) {
    server->root_dir_ = tmpl;
    return FatalError("cannot resolve " + tmpl + ": " + ec.message());
  }
  WR_RETURN_IF_ERROR(WriteFile(server->root_dir_ + "/owner.pid", std::to_string(::getpid()) + "\n",
                               std::ios::trunc));
  const std::string sock_dir = server->root_dir_ + "/sock";
  if (::mkdir(sock_dir.c_str(), 0700) != 0) return FatalError(ErrnoText("mkdir " + sock_dir));

  if (::geteuid() == 0) {
    passwd pw{};
    passwd* found = nullptr;
    std::vector<char> buf(16384);
    if (::getpwnam_r("postgres", &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
      return NotFound(
          "running as root, but there is no `postgres` user to run PostgreSQL as (the "
          "postgresql-15 package creates it)");
    }
    server->switch_user_ = true;
    server->uid_ = pw.pw_uid;
    server->gid_ = pw.pw_gid;
    for (const std::string& dir : {server->root_dir_, sock_dir}) {
      if (::chown(dir.c_str(), server->uid_, server->gid_) != 0) {
        return FatalError(ErrnoText("chown " + dir + " to postgres"));
      }
    }
  }

  WR_RETURN_IF_ERROR(server->InitCluster(options));
  WR_RETURN_IF_ERROR(server->StartServer(/*retry_port=*/true));
  return server;
}

PgServer::~PgServer() {
  if (root_dir_.empty()) return;
  if (running_) {
    RunAs as{switch_user_, uid_, gid_};
    (void)RunCommand({pg_ctl_, "stop", "-D", data_dir(), "-m", "immediate", "-w", "-t", "30"}, as,
                     root_dir_, std::chrono::seconds(40));
  }
  KillLeftovers();
  std::error_code ec;
  std::filesystem::remove_all(root_dir_, ec);
}

Status PgServer::InitCluster(const Options& options) {
  RunAs as{switch_user_, uid_, gid_};
  WR_ASSIGN_OR_RETURN(
      CommandOutput init,
      RunCommand({initdb_, "-D", data_dir(), "-A", "trust", "-U", "postgres", "--encoding=UTF8",
                  "--locale=C", "--no-sync", "--no-instructions"},
                 as, root_dir_, std::chrono::seconds(180)));
  if (init.exit_code != 0) return FatalError(CommandFailure("initdb -D " + data_dir(), init));

  std::string conf =
      "\n# walrelay test server (src/testing/pg_server.cc)\n"
      "listen_addresses = '127.0.0.1'\n"
      "include 'walrelay_port.conf'\n"
      "unix_socket_directories = '" +
      root_dir_ +
      "/sock'\n"
      "wal_level = logical\n"
      "max_wal_senders = " +
      std::to_string(options.max_wal_senders) +
      "\n"
      "max_replication_slots = " +
      std::to_string(options.max_replication_slots) +
      "\n"
      // fsync=off only matters if the machine crashes; a killed postmaster loses nothing that was
      // committed, because synchronous_commit stays on and the WAL is written before the commit
      // returns.
      "fsync = off\n"
      "synchronous_commit = on\n"
      "shared_buffers = 64MB\n"
      // Deterministic timestamps in test expectations, whatever the machine's zone.
      "timezone = 'UTC'\n"
      "log_timezone = 'UTC'\n"
      "log_line_prefix = '%m [%p] '\n";
  for (const std::string& line : options.extra_conf) conf += line + "\n";
  WR_RETURN_IF_ERROR(WriteFile(data_dir() + "/postgresql.conf", conf, std::ios::app));

  const std::string hba =
      "# walrelay test server: trust everything local, including replication\n"
      "local all all trust\n"
      "local replication all trust\n"
      "host all all 127.0.0.1/32 trust\n"
      "host replication all 127.0.0.1/32 trust\n";
  return WriteFile(data_dir() + "/pg_hba.conf", hba, std::ios::trunc);
}

Status PgServer::StartServer(bool retry_port) {
  Status status;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    if (port_ == 0 || attempt > 0) {
      WR_ASSIGN_OR_RETURN(port_, PickFreePort());
    }
    const std::string port_file = data_dir() + "/walrelay_port.conf";
    WR_RETURN_IF_ERROR(
        WriteFile(port_file, "port = " + std::to_string(port_) + "\n", std::ios::trunc));
    if (switch_user_ && ::chown(port_file.c_str(), uid_, gid_) != 0) {
      return FatalError(ErrnoText("chown " + port_file));
    }
    bool port_taken = false;
    status = StartOnce(&port_taken);
    if (status.ok() || !port_taken || !retry_port) return status;
  }
  return status;
}

Status PgServer::StartOnce(bool* port_taken) {
  // The lock files left by Kill() name a postmaster that is gone. If it became a zombie that
  // nobody reaps (as under a container init that does not reap orphans), PostgreSQL would take it
  // for a running server and refuse to start, so remove them here.
  const std::string pid_file = data_dir() + "/postmaster.pid";
  for (const std::string& lock :
       {pid_file, root_dir_ + "/sock/.s.PGSQL." + std::to_string(port_) + ".lock"}) {
    pid_t owner = ReadPid(lock);
    if (owner > 0 && !IsPostmasterOf(owner, data_dir())) ::unlink(lock.c_str());
  }

  const std::streamoff log_offset = FileSize(log_file());
  RunAs as{switch_user_, uid_, gid_};
  WR_ASSIGN_OR_RETURN(CommandOutput out, RunCommand({pg_ctl_, "start", "-D", data_dir(), "-l",
                                                     log_file(), "-w", "-t", "60"},
                                                    as, root_dir_, std::chrono::seconds(90)));
  if (out.exit_code == 0) {
    postmaster_pid_ = ReadPid(pid_file);
    running_ = true;
    return WriteFile(root_dir_ + "/postmaster.pid", std::to_string(postmaster_pid_) + "\n",
                     std::ios::trunc);
  }
  // pg_ctl gives up after its timeout even if the server is still coming up: make sure it's gone.
  KillLeftovers();
  const std::string log = ReadFileFrom(log_file(), log_offset);
  *port_taken = log.find("could not bind") != std::string::npos ||
                log.find("Address already in use") != std::string::npos ||
                log.find("could not create any TCP/IP sockets") != std::string::npos;
  return FatalError(
      CommandFailure("pg_ctl start (data " + data_dir() + ", port " + std::to_string(port_) + ")",
                     out) +
      "\nlast lines of " + log_file() + ":\n" + LastLines(log, kLogTailLines));
}

void PgServer::KillLeftovers() {
  for (pid_t pid : {ReadPid(data_dir() + "/postmaster.pid"), postmaster_pid_}) {
    if (IsPostmasterOf(pid, data_dir())) (void)KillProcessTree(pid);
  }
}

std::string PgServer::conninfo(std::string_view dbname) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) +
         " user=postgres dbname=" + QuoteConnValue(dbname);
}

Status PgServer::Stop(bool fast) {
  if (!running_) return Status::Ok();
  RunAs as{switch_user_, uid_, gid_};
  WR_ASSIGN_OR_RETURN(CommandOutput out, RunCommand({pg_ctl_, "stop", "-D", data_dir(), "-m",
                                                     fast ? "fast" : "smart", "-w", "-t", "60"},
                                                    as, root_dir_, std::chrono::seconds(90)));
  if (out.exit_code != 0) return FatalError(CommandFailure("pg_ctl stop -D " + data_dir(), out));
  running_ = false;
  return Status::Ok();
}

Status PgServer::Restart() {
  WR_RETURN_IF_ERROR(Stop(/*fast=*/true));
  return StartServer(/*retry_port=*/false);
}

Status PgServer::Kill() {
  pid_t pid = ReadPid(data_dir() + "/postmaster.pid");
  if (!IsPostmasterOf(pid, data_dir())) pid = postmaster_pid_;
  if (!IsPostmasterOf(pid, data_dir())) {
    running_ = false;
    return FatalError("no postmaster is running for " + data_dir());
  }
  running_ = false;
  return KillProcessTree(pid);
}

Result<std::string> PgServer::Psql(std::string_view sql, std::string_view dbname) const {
  // The SQL goes through a file rather than -c so that several statements run one after another
  // (not as one implicit transaction) and meta-commands work.
  std::string path = root_dir_ + "/psql-XXXXXX";
  Fd fd(::mkstemp(path.data()));
  if (fd.get() < 0) return FatalError(ErrnoText("mkstemp " + path));
  std::string text(sql);
  text += "\n";
  bool written = ::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
  fd.Reset();
  Result<CommandOutput> out =
      written ? RunCommand({psql_, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-d",
                            conninfo(dbname) + " connect_timeout=10", "-f", path},
                           RunAs{}, root_dir_, std::chrono::seconds(600))
              : Result<CommandOutput>(FatalError(ErrnoText("write " + path)));
  ::unlink(path.c_str());
  if (!out.ok()) return out.status();
  if (out->exit_code != 0) {
    std::string head(sql.substr(0, 200));
    return FatalError(CommandFailure("psql `" + head + "`", *out));
  }
  std::string result = std::move(out->out);
  while (!result.empty() && result.back() == '\n') result.pop_back();
  return result;
}

Status PgServer::CreateDatabase(std::string_view name) {
  Result<std::string> out = Psql("CREATE DATABASE " + QuoteIdent(name));
  return out.ok() ? Status::Ok() : out.status();
}

}  // namespace walrelay::testing
