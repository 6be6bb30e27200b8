#pragma once
// Reading result records back from JSON by their field lists (the inverse of
// io/record_json.hpp), strictly: a missing key, an unknown key or a value of
// the wrong type is an EngineError naming its path, never a default.

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "io/record_json.hpp"
#include "servesim/errors.hpp"

namespace servesim::detail {

// A node of the document and its path, for messages.
class Reader {
 public:
  Reader(const json& node, std::string path, std::string what)
      : node_(&node), path_(std::move(path)), what_(std::move(what)) {}

  [[nodiscard]] Reader at(const std::string& key) const {
    if (!node_->is_object()) fail(path_ + " must be an object");
    if (!node_->contains(key)) fail(path_ + "." + key + " is missing");
    return Reader(node_->at(key), path_ + "." + key, what_);
  }
  [[nodiscard]] Reader at(std::size_t index) const {
    if (!node_->is_array() || index >= node_->size()) fail(path_ + "[" + std::to_string(index) + "] is missing");
    return Reader(node_->at(index), path_ + "[" + std::to_string(index) + "]", what_);
  }
  [[nodiscard]] std::size_t size() const {
    if (!node_->is_array()) fail(path_ + " must be a list");
    return node_->size();
  }
  [[nodiscard]] bool is_null() const { return node_->is_null(); }
  /// Null (a non-finite number, or no data) reads as NaN.
  [[nodiscard]] double number() const {
    if (node_->is_null()) return std::numeric_limits<double>::quiet_NaN();
    if (!node_->is_number()) fail(path_ + " must be a number, got " + node_->dump());
    return node_->get<double>();
  }
  [[nodiscard]] std::uint64_t count() const {
    if (!node_->is_number_unsigned()) fail(path_ + " must be a non-negative integer, got " + node_->dump());
    return node_->get<std::uint64_t>();
  }
  [[nodiscard]] std::string text() const {
    if (!node_->is_string()) fail(path_ + " must be a string, got " + node_->dump());
    return node_->get<std::string>();
  }
  /// Fails on a key of this object outside `known`.
  void only(const std::set<std::string>& known) const {
    if (!node_->is_object()) fail(path_ + " must be an object");
    for (const auto& item : node_->items()) {
      if (!known.contains(item.key())) fail(path_ + "." + item.key() + " is not a known field");
    }
  }
  [[nodiscard]] const json& node() const { return *node_; }
  [[nodiscard]] const std::string& path() const { return path_; }

  [[noreturn]] void fail(const std::string& message) const { throw EngineError(what_ + ": " + message); }

 private:
  const json* node_;
  std::string path_;
  std::string what_;
};

ConfidenceInterval read_interval(const Reader& r);
/// `exact`: the child-process form {count, sum, min, max, buckets}; otherwise the
/// result's {relative_error, count, buckets}, whose sum, min and max are taken
/// from the buckets (the buckets, all the result JSON holds, are exact).
LatencyHistogram read_histogram(const Reader& r, bool exact);

template <Record R>
void read_record(const Reader& r, R& out, JsonContext& context);

template <class V>
void read_value(const Reader& r, V& out, JsonContext& context) {
  if constexpr (Record<V>) {
    read_record(r, out, context);
  } else if constexpr (std::is_same_v<V, double>) {
    out = r.number();
  } else if constexpr (std::is_same_v<V, std::uint64_t>) {
    out = r.count();
  } else if constexpr (std::is_same_v<V, int>) {
    const std::uint64_t n = r.count();
    if (n > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) r.fail(r.path() + " is too large");
    out = static_cast<int>(n);
  } else if constexpr (std::is_same_v<V, bool>) {
    if (!r.node().is_boolean()) r.fail(r.path() + " must be true or false");
    out = r.node().template get<bool>();
  } else if constexpr (std::is_same_v<V, std::string>) {
    out = r.text();
  } else if constexpr (std::is_same_v<V, ConfidenceInterval>) {
    out = read_interval(r);
  } else if constexpr (is_optional_v<V>) {
    if (r.is_null()) {
      out.reset();
    } else {
      typename V::value_type value{};
      read_value(r, value, context);
      out = value;
    }
  } else {
    static_assert(is_vector_v<V>, "a field type the reader does not know");
    out.clear();
    const std::size_t n = r.size();
    out.resize(n);
    for (std::size_t i = 0; i < n; ++i) read_value(r.at(i), out[i], context);
  }
}

// The keys `record`'s fields take in JSON, for the unknown-key check.
template <Record R>
std::set<std::string> keys_of(const JsonContext& context) {
  std::set<std::string> keys;
  for_each_field<R>([&](const auto& f) {
    using F = std::decay_t<decltype(f)>;
    if constexpr (is_computed_v<F>) {
      keys.insert(f.name);
    } else {
      if (f.engine_only && !context.engine_document) return;
      keys.insert(f.name);
      using V = typename F::value_type;
      if constexpr (std::is_same_v<V, ConfidenceInterval> || has_intervals<V>()) {
        keys.insert(std::string(f.name) + "_ci");
      }
    }
  });
  return keys;
}

template <Record R>
void read_fields(const Reader& r, R& out, JsonContext& context) {
  r.only(keys_of<R>(context));
  for_each_field<R>([&](const auto& f) {
    using F = std::decay_t<decltype(f)>;
    if constexpr (is_computed_v<F>) {
      (void)r.at(f.name);  // derived: present, and recomputed from the stored fields
    } else {
      using V = typename F::value_type;
      V& value = out.*f.member;
      const std::string name = f.name;
      if constexpr (std::is_same_v<V, ConfidenceInterval>) {
        (void)r.at(name).number();
        value = read_interval(r.at(name + "_ci"));
      } else if constexpr (has_intervals<V>()) {
        const Reader values = r.at(name);
        const Reader intervals = r.at(name + "_ci");
        std::set<std::string> value_keys;
        std::set<std::string> interval_keys;
        for_each_field<V>([&](const auto& g) {
          using G = std::decay_t<decltype(g)>;
          if constexpr (!is_computed_v<G>) {
            value_keys.insert(g.name);
            auto& member = value.*g.member;
            if constexpr (std::is_same_v<typename G::value_type, ConfidenceInterval>) {
              interval_keys.insert(g.name);
              (void)values.at(g.name).number();
              member = read_interval(intervals.at(g.name));
            } else {
              read_value(values.at(g.name), member, context);
            }
          }
        });
        values.only(value_keys);
        intervals.only(interval_keys);
      } else if constexpr (std::is_same_v<V, LatencyHistogram>) {
        if (!f.engine_only || context.engine_document) value = read_histogram(r.at(name), f.engine_only);
      } else if constexpr (std::is_same_v<V, std::vector<double>>) {
        const auto& names = f.keys == FieldKeys::by_host ? context.hosts : context.servers;
        const Reader keyed = r.at(name);
        keyed.only(std::set<std::string>(names.begin(), names.end()));
        value.clear();
        for (const std::string& key : names) value.push_back(keyed.at(key).number());
      } else {
        read_value(r.at(name), value, context);
      }
    }
  });
}

template <Record R>
void read_record(const Reader& r, R& out, JsonContext& context) {
  // As in record_json: a replication's servers and hosts name its timeline's keyed vectors,
  // so they are read first.
  if constexpr (requires(const R& x) { x.servers; x.hosts; x.timeline; }) {
    JsonContext inner{context.engine_document, {}, {}};
    read_value(r.at("servers"), out.servers, inner);
    read_value(r.at("hosts"), out.hosts, inner);
    inner.servers = names_of(out.servers);
    inner.hosts = names_of(out.hosts);
    read_fields(r, out, inner);
  } else {
    read_fields(r, out, context);
  }
}

}  // namespace servesim::detail
