// workload: of a scenario file, and trace files.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/field_reader.hpp"
#include "io/section_parsers.hpp"
#include "servesim/errors.hpp"

namespace servesim::detail {
namespace {

Burst parse_burst(const YamlField& f) {
  Burst burst;
  read_section(f, burst, burst_fields(), "a map like {rate: 500, duration: 2s, every: 30s}");
  return burst;
}

RateProfile parse_profile(const YamlField& f) {
  const char* shape = "one of {ramp: {from: 10, to: 500}}, {steps: [{at: 0s, rate: 100}, ...]} or "
                      "{diurnal: {min: 50, max: 500, period: 24h}}";
  f.expect_keys({"ramp", "steps", "diurnal"}, shape);
  if (f.entries().size() != 1) f.fail(std::string("must be ") + shape);
  RateProfile profile;
  if (auto ramp = f.optional("ramp")) {
    ramp->expect_keys({"from", "to"}, "a map like {from: 10, to: 500}");
    profile.kind = RateProfileKind::ramp;
    profile.from = ramp->required("from").as_number(Bound::non_negative);
    profile.to = ramp->required("to").as_number(Bound::non_negative);
  } else if (auto steps = f.optional("steps")) {
    profile.kind = RateProfileKind::steps;
    for (const YamlField& step : steps->items("a list like [{at: 0s, rate: 100}, {at: 60s, rate: 400}]")) {
      step.expect_keys({"at", "rate"}, "a map like {at: 60s, rate: 400}");
      profile.steps.push_back(RateStep{step.required("at").as_duration(Bound::non_negative),
                                       step.required("rate").as_number(Bound::non_negative)});
    }
  } else if (auto diurnal = f.optional("diurnal")) {
    diurnal->expect_keys({"min", "max", "period"}, "a map like {min: 50, max: 500, period: 24h}");
    profile.kind = RateProfileKind::diurnal;
    profile.min = diurnal->required("min").as_number(Bound::non_negative);
    profile.max = diurnal->required("max").as_number(Bound::positive);
    if (auto period = diurnal->optional("period")) profile.period = period->as_duration(Bound::positive);
  }
  return profile;
}

OpenWorkload parse_open(const YamlField& f, const std::filesystem::path& base) {
  f.expect_keys({"rate", "arrivals", "burst", "profile", "trace"}, "a map like {rate: 100}");
  OpenWorkload open;
  if (auto arrivals = f.optional("arrivals")) open.arrivals = parse_enum<ArrivalProcess>(*arrivals);
  if (auto trace = f.optional("trace")) {
    if (f.has("arrivals") && open.arrivals != ArrivalProcess::trace) {
      f.child("arrivals").fail("a trace gives the arrival times; leave arrivals out or write arrivals: trace");
    }
    open.arrivals = ArrivalProcess::trace;
    if (trace->is_sequence()) {
      for (const YamlField& time : trace->items("a list of arrival times in seconds")) {
        open.trace.push_back(time.as_duration(Bound::non_negative));
      }
      return open;
    }
    const std::filesystem::path file = base / trace->as_string();
    open.trace_file = file.string();
    open.trace = read_trace(file, trace->path());
    return open;
  }
  if (open.arrivals == ArrivalProcess::trace) f.child("trace").fail("arrivals: trace needs a trace file");
  if (auto burst = f.optional("burst")) {
    if (open.arrivals != ArrivalProcess::bursty) burst->fail("is for arrivals: bursty");
    open.burst = parse_burst(*burst);
  } else if (open.arrivals == ArrivalProcess::bursty) {
    f.child("burst").fail("arrivals: bursty needs a burst, like {rate: 500, duration: 2s, every: 30s}");
  }
  if (auto profile = f.optional("profile")) open.profile = parse_profile(*profile);
  const bool rate_required = open.profile.kind == RateProfileKind::constant;
  if (auto rate = f.optional("rate")) {
    if (!rate_required) rate->fail("a profile sets the rate; leave rate out");
    open.rate = rate->as_number(open.arrivals == ArrivalProcess::bursty ? Bound::non_negative : Bound::positive);
  } else if (rate_required) {
    (void)f.required("rate");
  }
  return open;
}

ClosedWorkload parse_closed(const YamlField& f) {
  ClosedWorkload closed;
  read_section(f, closed, closed_fields(), "a map like {users: 100, think_time: 1s}");
  return closed;
}

MixEntry parse_mix_entry(const std::string& endpoint, const YamlField& f) {
  MixEntry entry{endpoint, 1.0, std::nullopt};
  if (f.is_scalar()) {
    entry.weight = f.as_number(Bound::positive);
    return entry;
  }
  f.expect_keys({"weight", "slo"}, "a weight, or a map like {weight: 3, slo: 200ms}");
  if (auto weight = f.optional("weight")) entry.weight = weight->as_number(Bound::positive);
  if (auto slo = f.optional("slo")) entry.slo = slo->as_duration(Bound::positive);
  return entry;
}

RetryPolicy parse_retries(const YamlField& f) {
  RetryPolicy retries;
  read_section(f, retries, retry_fields(), "a map like {attempts: 3, backoff: 100ms, multiplier: 2}");
  return retries;
}

}  // namespace

Workload parse_workload(const YamlField& f, const std::filesystem::path& base) {
  f.expect_keys({"open", "closed", "mix", "client_timeout", "retries"}, "a map like {open: {rate: 100}}");
  Workload workload;
  if (auto open = f.optional("open")) workload.open = parse_open(*open, base);
  if (auto closed = f.optional("closed")) workload.closed = parse_closed(*closed);
  if (auto mix = f.optional("mix")) {
    mix->expect_map("a map of endpoint names to weights, like {login: 1, search: {weight: 3, slo: 200ms}}");
    for (const auto& [endpoint, value] : mix->entries()) workload.mix.push_back(parse_mix_entry(endpoint, value));
  }
  if (auto timeout = f.optional("client_timeout")) {
    workload.client_timeout = timeout->as_duration(Bound::positive);
  }
  if (auto retries = f.optional("retries")) workload.retries = parse_retries(*retries);
  return workload;
}

namespace {

// A trace is read whole into memory, 8 bytes per time: a 256 MiB file holds
// some 25 million times (200 MB). A line longer than any time or CSV row
// means a binary file.
constexpr std::uintmax_t kMaxTraceBytes = std::uintmax_t{256} << 20U;
constexpr std::size_t kMaxTraceLine = 4096;

// The length of the UTF-8 sequence starting at text[i], or 0 if it is not one.
std::size_t utf8_length(const std::string& text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  const std::size_t length = lead < 0x80 ? 1 : (lead >> 5U) == 0x6 ? 2 : (lead >> 4U) == 0xE ? 3
                           : (lead >> 3U) == 0x1E ? 4 : 0;
  if (length == 0 || i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) >> 6U) != 0x2) return 0;
  }
  return length;
}

// Rejects what is not text: a byte that is not UTF-8, or a control character.
void require_text(const std::string& line, const std::string& where, const std::string& path) {
  for (std::size_t i = 0; i < line.size();) {
    const std::size_t length = utf8_length(line, i);
    const auto byte = static_cast<unsigned char>(line[i]);
    if (length == 0 || (length == 1 && byte < 0x20 && byte != '\t') || byte == 0x7F) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", byte);
      throw ScenarioError(path, where + ", column " + std::to_string(i + 1) + ": byte " + hex +
                                    (length == 0 ? " is not UTF-8 text" : " is a control character") +
                                    "; a trace is a text file of times, one per line");
    }
    i += length;
  }
}

}  // namespace

std::vector<double> read_trace(const std::filesystem::path& file, const std::string& path) {
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(file, error);
  if (error || !std::filesystem::exists(status)) {
    throw ScenarioError(path, "cannot read the trace file " + file.string() + ": no such file");
  }
  if (!std::filesystem::is_regular_file(status)) {
    throw ScenarioError(path, file.string() + " is not a regular file (a directory, device or pipe); "
                              "a trace is a text file of times, one per line");
  }
  const std::uintmax_t size = std::filesystem::file_size(file, error);
  if (!error && size > kMaxTraceBytes) {
    throw ScenarioError(path, "the trace file " + file.string() + " has " + std::to_string(size) +
                                  " bytes; at most 256 MiB (about 25 million times) is read");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ScenarioError(path, "cannot read the trace file " + file.string());
  std::vector<double> times;
  std::string line;
  std::size_t column = 0;
  bool first = true;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    const std::string where = file.string() + " line " + std::to_string(number);
    if (line.size() > kMaxTraceLine) {
      throw ScenarioError(path, where + " is longer than " + std::to_string(kMaxTraceLine) +
                                    " bytes; a trace is a text file of times, one per line");
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    require_text(line, where, path);
    if (line.empty() || line.front() == '#') continue;
    std::vector<std::string> cells;
    std::stringstream row(line);
    for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
    const bool was_first = first;
    first = false;
    const std::string& cell = column < cells.size() ? cells[column] : line;
    std::size_t used = 0;
    double value = 0.0;
    try {
      value = std::stod(cell, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || cell.find_first_not_of(" \t", used) != std::string::npos) {
      if (was_first) {  // a header: find the time column, if named
        for (std::size_t c = 0; c < cells.size(); ++c) {
          if (cells[c] == "time" || cells[c] == "timestamp") column = c;
        }
        continue;
      }
      std::string detail = where;
      detail += ": '" + cell + "' is not a time in seconds";
      throw ScenarioError(path, detail);
    }
    times.push_back(value);
  }
  return times;
}

}  // namespace servesim::detail
