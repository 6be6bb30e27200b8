// databases:, services:, caches:, brokers:, model_servers: and balancers: of a scenario file.
#include "io/field_reader.hpp"
#include "io/section_parsers.hpp"

namespace servesim::detail {

Database parse_database(const std::string& name, const YamlField& f) {
  Database database;
  database.name = name;
  read_section(f, database, database_fields(), "a map like {connections: 20, query_time: 5ms}");
  if (auto pool = f.optional("pool")) {
    // The driver's defaults first, then the sizes the file gives.
    if (auto driver = pool->optional("driver")) database.pool = ConnectionPool::of_driver(parse_enum<PoolDriver>(*driver));
    read_section(*pool, database.pool, pool_fields(),
                 "a map like {driver: asyncpg, size: 5, max_overflow: 10, timeout: 30s}");
  }
  return database;
}

Service parse_service(const std::string& name, const YamlField& f) {
  Service service;
  service.name = name;
  read_section(f, service, service_fields(), "a map like {latency: 80ms, concurrency: 50}");
  return service;
}

Cache parse_cache_store(const std::string& name, const YamlField& f) {
  Cache cache;
  cache.name = name;
  read_section(f, cache, cache_fields(), "a map like {threads: 1, command_time: 100us}");
  return cache;
}

Broker parse_broker(const std::string& name, const YamlField& f) {
  Broker broker;
  broker.name = name;
  read_section(f, broker, broker_fields(), "a map like {threads: 1, command_time: 200us}");
  return broker;
}

ModelServer parse_model_server(const std::string& name, const YamlField& f) {
  ModelServer server;
  server.name = name;
  read_section(f, server, model_server_fields(),
               "a map like {instances: 1, max_batch_size: 8, max_queue_delay: 5ms, batch_time: 20ms, item_time: 2ms}");
  return server;
}

Balancer parse_balancer(const std::string& name, const YamlField& f) {
  const auto fields = balancer_fields();
  f.expect_keys(field_keys(fields), "a map like {servers: [web1, web2], policy: least_connections}");
  Balancer balancer;
  balancer.name = name;
  for (const YamlField& server : f.required("servers").items("a list of server names, like [web1, web2]")) {
    balancer.servers.push_back(server.as_string());
  }
  if (auto policy = f.optional("policy")) balancer.policy = parse_enum<BalancingPolicy>(*policy);
  read_fields(f, balancer, fields);
  return balancer;
}

}  // namespace servesim::detail
