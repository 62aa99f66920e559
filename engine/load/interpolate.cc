#include "engine/load/interpolate.h"

#include <fmt/format.h>

#include <cctype>
#include <fstream>
#include <sstream>

namespace berth::load {
namespace {

bool name_char(char c, bool first) {
  return c == '_' || std::isalpha(static_cast<unsigned char>(c)) ||
         (!first && std::isdigit(static_cast<unsigned char>(c)));
}

// Index of the '}' closing a "${" whose body starts at `from`, honouring nesting.
size_t closing_brace(const std::string& s, size_t from) {
  int depth = 1;
  for (size_t i = from; i < s.size(); ++i) {
    if (s[i] == '$' && i + 1 < s.size() && s[i + 1] == '{') {
      ++depth;
      ++i;
    } else if (s[i] == '}' && --depth == 0) {
      return i;
    }
  }
  return std::string::npos;
}

std::string expand_braced(const std::string& body, const Variables& vars,
                          const SourceLocation& where, Diagnostics& diag) {
  size_t n = 0;
  while (n < body.size() && name_char(body[n], n == 0)) ++n;
  std::string name = body.substr(0, n);
  if (name.empty()) {
    diag.error({ErrorKind::kInput, where, "", "",
                fmt::format("invalid variable reference '${{{}}}'", body),
                "write ${NAME}, ${NAME:-default} or $$ for a literal $"});
    return "";
  }
  auto it = vars.find(name);
  bool set = it != vars.end();
  bool non_empty = set && !it->second.empty();
  std::string value = set ? it->second : "";
  if (n == body.size()) return value;
  std::string op = body.substr(n, body[n] == ':' && n + 1 < body.size() ? 2 : 1);
  std::string arg = body.substr(n + op.size());
  auto rest = [&] { return interpolate(arg, vars, where, diag); };
  if (op == ":-") return non_empty ? value : rest();
  if (op == "-") return set ? value : rest();
  if (op == ":+") return non_empty ? rest() : "";
  if (op == "+") return set ? rest() : "";
  if (op == ":?" || op == "?") {
    if (op == ":?" ? non_empty : set) return value;
    std::string msg = rest();
    diag.error({ErrorKind::kInput, where, "", "",
                fmt::format("required variable {} is {}{}", name, set ? "empty" : "missing",
                            msg.empty() ? "" : ": " + msg),
                fmt::format("set {} in the environment or in .env", name)});
    return "";
  }
  diag.error({ErrorKind::kInput, where, "", "",
              fmt::format("invalid variable reference '${{{}}}'", body),
              "supported forms: ${V}, ${V:-d}, ${V-d}, ${V:?e}, ${V?e}, ${V:+a}, ${V+a}"});
  return "";
}

}  // namespace

std::string interpolate(const std::string& s, const Variables& vars, const SourceLocation& where,
                        Diagnostics& diag) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '$' || i + 1 >= s.size()) {
      out += s[i];
      continue;
    }
    char next = s[i + 1];
    if (next == '$') {
      out += '$';
      ++i;
    } else if (next == '{') {
      size_t close = closing_brace(s, i + 2);
      if (close == std::string::npos) {
        diag.error({ErrorKind::kInput, where, "", "", "unterminated '${' in a value",
                    "close it with '}', or write $$ for a literal $"});
        return out;
      }
      out += expand_braced(s.substr(i + 2, close - i - 2), vars, where, diag);
      i = close;
    } else if (name_char(next, true)) {
      size_t j = i + 1;
      while (j < s.size() && name_char(s[j], false)) ++j;
      auto it = vars.find(s.substr(i + 1, j - i - 1));
      if (it != vars.end()) out += it->second;
      i = j - 1;
    } else {
      out += '$';
    }
  }
  return out;
}

void interpolate_tree(Node& node, const Variables& vars, Diagnostics& diag) {
  if (node.is_scalar()) {
    if (node.scalar.find('$') != std::string::npos)
      node.scalar = interpolate(node.scalar, vars, node.location, diag);
    return;
  }
  for (auto& item : node.items) interpolate_tree(item, vars, diag);
  for (auto& [key, value] : node.fields) interpolate_tree(value, vars, diag);
}

}  // namespace berth::load
