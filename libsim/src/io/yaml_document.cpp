#include "io/yaml_document.hpp"

#include <optional>
#include <sstream>
#include <unordered_map>
#include <utility>
#include <vector>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include "servesim/errors.hpp"

namespace servesim::detail {
namespace {

// An alias (`*name`) repeats a node without repeating its text, so a few
// kilobytes that name one long list from every phase of every endpoint expand
// to millions of values (the "billion laughs"): parsing would take minutes and
// gigabytes. A document without aliases has about as many nodes as bytes, so
// allow that plus generous room for reuse.
constexpr std::size_t kAliasExpansionSlack = 100'000;

std::string at_line(const YAML::Mark& mark) {
  return mark.is_null() ? std::string() : "line " + std::to_string(mark.line + 1) + ", column " +
                                              std::to_string(mark.column + 1);
}

std::string too_deep(int depth) {
  return "maps and lists nest " + std::to_string(depth) + " levels deep here; the limit is " +
         std::to_string(kMaxNesting);
}

// Flow collections ({...}, [...]) nest by brackets, and yaml-cpp reads them
// recursively: count the depth in the text first. Quoted strings and
// comments are skipped; a bracket inside a plain scalar (`name: a[1]`) is
// counted, which errs on the safe side only for dozens of them.
void check_flow_nesting(std::string_view text, const std::string& origin) {
  int depth = 0;
  std::size_t line = 1;
  char quote = 0;
  bool comment = false;
  bool escaped = false;  // the previous character was a backslash in a "string"
  char previous = '\n';
  for (const char c : text) {
    if (c == '\n') ++line;
    if (comment) {
      comment = c != '\n';
    } else if (quote) {
      if (c == quote && !escaped) quote = 0;
      escaped = quote == '"' && c == '\\' && !escaped;
    } else if (c == '#' && (previous == ' ' || previous == '\t' || previous == '\n')) {
      comment = true;
    } else if ((c == '"' || c == '\'') && std::string_view(" \t\n:,[{-").find(previous) != std::string_view::npos) {
      quote = c;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxNesting) {
        throw ScenarioError(origin, too_deep(depth) + " (at line " + std::to_string(line) + ")");
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
    previous = c;
  }
}

// One map or list met walking the tree, with what locates it in messages.
struct Container {
  YAML::Node node;
  std::size_t parent;  // index in the walk's list; the root is its own parent
  std::string label;   // `key` or `[i]`
  int depth;
};

std::string path_of(const std::vector<Container>& seen, std::size_t index) {
  std::vector<const std::string*> labels;
  for (std::size_t i = index; i != 0; i = seen[i].parent) labels.push_back(&seen[i].label);
  std::string path;
  for (auto it = labels.rbegin(); it != labels.rend(); ++it) {
    if (!path.empty() && (*it)->front() != '[') path += '.';
    path += **it;
  }
  return path;
}

// Walks the whole tree without recursion (an alias inside its own anchor
// makes a cycle; counting every node bounds the walk): depth, duplicate keys
// and alias expansion.
void check_tree(const YAML::Node& root, std::size_t text_size, const std::string& origin) {
  const std::size_t limit = text_size + kAliasExpansionSlack;
  std::size_t nodes = 1;
  std::vector<Container> seen{{root, 0, "", 1}};
  std::vector<std::size_t> pending{0};
  const auto fail = [&](std::size_t index, const std::string& key, const std::string& detail) {
    std::string path = path_of(seen, index);
    if (!key.empty()) path += (path.empty() ? "" : ".") + key;
    throw ScenarioError(path.empty() ? origin : path, detail);
  };
  while (!pending.empty()) {
    const std::size_t index = pending.back();
    pending.pop_back();
    const YAML::Node node = seen[index].node;  // a handle: copying shares the node
    const int depth = seen[index].depth;
    std::unordered_map<std::string, YAML::Mark> keys;
    std::size_t position = 0;
    for (const auto& child : node) {
      const bool is_map = node.IsMap();
      const YAML::Node value = is_map ? child.second : YAML::Node(child);
      nodes += is_map ? 2 : 1;
      if (nodes > limit) {
        throw ScenarioError(origin, "YAML aliases (*name) expand the document to more than " +
                                        std::to_string(limit) + " values; repeat large lists less");
      }
      // Appended piecewise: `"[" + std::to_string(i)` trips GCC 12's -Wrestrict.
      std::string label(1, '[');
      label += std::to_string(position++);
      label += ']';
      if (is_map && child.first.IsScalar()) {
        label = child.first.Scalar();
        const auto [first, inserted] = keys.emplace(label, child.first.Mark());
        if (!inserted) {
          fail(index, label, "this key appears twice in one map, at " + at_line(first->second) + " and at " +
                                 at_line(child.first.Mark()) + "; keep one");
        }
      }
      if (!value.IsMap() && !value.IsSequence()) continue;
      if (depth + 1 > kMaxNesting) fail(index, label, too_deep(depth + 1));
      seen.push_back({value, index, std::move(label), depth + 1});
      pending.push_back(seen.size() - 1);
    }
  }
}

// Notes where each document starts and builds nothing. yaml-cpp's LoadAll can
// loop forever on malformed text after the first document (found by the
// fuzzer), so documents are counted with a parser asked for at most two.
class DocumentStarts : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    first_node = mark;
    awaiting_node_ = true;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t /*anchor*/) override { node_at(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t /*anchor*/) override { node_at(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t /*anchor*/,
                const std::string& /*value*/) override {
    node_at(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t /*anchor*/,
                       YAML::EmitterStyle::value /*style*/) override {
    node_at(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t /*anchor*/,
                  YAML::EmitterStyle::value /*style*/) override {
    node_at(mark);
  }
  void OnMapEnd() override {}

  /// Where the last document's content begins (its root node).
  YAML::Mark first_node = YAML::Mark::null_mark();

 private:
  void node_at(const YAML::Mark& mark) {
    if (!awaiting_node_) return;
    first_node = mark;
    awaiting_node_ = false;
  }
  bool awaiting_node_ = false;
};

}  // namespace

YAML::Node load_yaml_document(std::string_view text, const std::string& origin) {
  check_flow_nesting(text, origin);
  YAML::Node document;
  bool any = false;
  std::optional<YAML::Mark> second;
  try {
    std::istringstream input{std::string(text)};
    YAML::Parser parser(input);
    DocumentStarts starts;
    any = parser.HandleNextDocument(starts);
    if (any && parser.HandleNextDocument(starts)) second = starts.first_node;
    if (any && !second) document = YAML::Load(std::string(text));
  } catch (const YAML::DeepRecursion& e) {
    throw ScenarioError(origin, too_deep(e.depth()) + " (at " + at_line(e.mark) + ")");
  } catch (const YAML::Exception& e) {
    const std::string where = e.mark.is_null() ? std::string() : " at " + at_line(e.mark);
    throw ScenarioError(origin, "not valid YAML: " + e.msg + where);
  }
  if (!any) return YAML::Node();
  if (second) {
    const std::string where = second->is_null() ? "" : " at " + at_line(*second);
    throw ScenarioError(origin, "holds a second YAML document" + where +
                                    " (after '---'); a file holds one scenario");
  }
  check_tree(document, text.size(), origin);
  return document;
}

}  // namespace servesim::detail
