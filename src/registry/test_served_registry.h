#pragma once

// Test support for unit tests that need a schema registry to talk to (src/registry,
// src/convert): walrelay's registry, kept in memory, served over real loopback HTTP.

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "registry/registry_api.h"
#include "registry/registry_state.h"
#include "registry/schema_checker.h"
#include "registry/schema_registry.h"
#include "rest/http_server.h"

namespace walrelay::registry {

class ServedRegistry {
 public:
  // `checker` must outlive the registry.
  explicit ServedRegistry(const SchemaChecker* checker,
                          std::map<std::string, std::string> users = {},
                          const LeaderView* leader = nullptr,
                          RegistryApi::Forwarder forwarder = nullptr)
      : state_(checker),
        log_(&state_),
        registry_(&state_, &log_, checker),
        api_(&registry_, leader != nullptr ? leader : &sole_, std::move(forwarder)) {
    rest::HttpServerOptions options;
    options.listeners = {{"http", "127.0.0.1", 0}};
    options.basic_auth_users = std::move(users);
    auto server = rest::HttpServer::Start(
        options, [this](const rest::Request& request) { return api_.Handle(request); });
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    if (server.ok()) server_ = std::move(server).value();
  }
  std::string url() const { return server_->urls()[0]; }
  SchemaRegistry& registry() { return registry_; }
  rest::HttpServer& server() { return *server_; }

 private:
  RegistryState state_;
  InMemoryRecordLog log_;
  SchemaRegistry registry_;
  SoleLeader sole_;
  RegistryApi api_;
  std::unique_ptr<rest::HttpServer> server_;
};

}  // namespace walrelay::registry
