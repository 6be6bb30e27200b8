#include "io/engine_output.hpp"

#include <nlohmann/json.hpp>

#include <utility>
#include <vector>

#include "io/record_reader.hpp"
#include "servesim/errors.hpp"

namespace servesim::detail {

std::string engine_output_json(const std::string& scenario, std::uint64_t seed,
                               ReplicationResult replication) {
  std::vector<ReplicationResult> one;
  one.push_back(std::move(replication));
  JsonContext context;
  context.engine_document = true;
  return record_json(summarize(scenario, seed, std::move(one)), context).dump();
}

ReplicationResult replication_from_engine_output(std::string_view document) {
  constexpr const char* kWhat = "the engine's output is malformed";
  json doc;
  try {
    doc = json::parse(document);
  } catch (const json::exception& error) {
    throw EngineError(std::string(kWhat) + ": not JSON (" + error.what() + ")");
  }
  JsonContext context;
  context.engine_document = true;
  const Reader result(doc, "result", kWhat);
  // The summary of one replication is recomputed by the caller; only the replication is read.
  result.only(keys_of<Result>(context));
  ReplicationResult out;
  read_record(result.at("replications").at(std::size_t{0}), out, context);
  return out;
}

}  // namespace servesim::detail
