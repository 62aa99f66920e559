// .env files, read the way Compose reads them.
#include <fmt/format.h>

#include "engine/load/files.h"
#include "engine/load/interpolate.h"

namespace berth::load {
namespace {

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  size_t b = s.find_last_not_of(" \t\r");
  return s.substr(a, b - a + 1);
}

// A double-quoted value starting after the quote at text[pos]; may span lines.
std::string double_quoted(const std::string& text, size_t& pos, bool& closed) {
  std::string out;
  closed = false;
  for (; pos < text.size(); ++pos) {
    char c = text[pos];
    if (c == '"') {
      closed = true;
      ++pos;
      return out;
    }
    if (c == '\\' && pos + 1 < text.size()) {
      char e = text[++pos];
      out += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
      continue;
    }
    if (c != '\r') out += c;
  }
  return out;
}

}  // namespace

std::optional<Variables> read_env_file(const std::string& path, const Variables& outer,
                                       Diagnostics& diag, bool required) {
  if (!required && file_state(path) == FileState::kMissing) return std::nullopt;
  auto read = read_input_file(path, "env file", diag);
  if (!read) return std::nullopt;
  const std::string& text = *read;
  Variables vars;
  // What ${VAR} sees: the outer variables first, then this file's earlier lines. Kept up to
  // date line by line (not rebuilt per line, which was quadratic in the file).
  Variables all = outer;
  size_t pos = 0;
  int line = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    ++line;
    size_t start_line = line;
    std::string raw = trim(text.substr(pos, eol - pos));
    size_t next = eol + 1;
    if (raw.empty() || raw[0] == '#') {
      pos = next;
      continue;
    }
    if (raw.rfind("export ", 0) == 0) raw = trim(raw.substr(7));
    size_t eq = raw.find('=');
    std::string key = trim(raw.substr(0, eq));
    if (eq == std::string::npos || key.empty() || key.find(' ') != std::string::npos) {
      diag.error({ErrorKind::kInput, {path, line, 1}, "", "",
                  fmt::format("expected KEY=VALUE, found '{}'", raw), "fix or remove the line"});
      pos = next;
      continue;
    }
    // Work on the original text after '=' so quoted values may continue past this line.
    size_t value_at = text.find('=', pos) + 1;
    while (value_at < text.size() && (text[value_at] == ' ' || text[value_at] == '\t'))
      ++value_at;
    std::string value;
    if (value_at < text.size() && text[value_at] == '"') {
      size_t p = value_at + 1;
      bool closed;
      value = double_quoted(text, p, closed);
      for (size_t i = value_at; i < p && i < text.size(); ++i) line += text[i] == '\n';
      if (!closed)
        diag.error({ErrorKind::kInput, {path, static_cast<int>(start_line), 1}, "", "",
                    fmt::format("unterminated double quote in the value of {}", key), ""});
      value = interpolate(value, all, {path, static_cast<int>(start_line), 1}, diag);
      next = text.find('\n', p);
      next = next == std::string::npos ? text.size() : next + 1;
    } else if (value_at < text.size() && text[value_at] == '\'') {
      size_t close = text.find('\'', value_at + 1);
      if (close == std::string::npos) {
        diag.error({ErrorKind::kInput, {path, line, 1}, "", "",
                    fmt::format("unterminated single quote in the value of {}", key), ""});
        close = text.size();
      }
      value = text.substr(value_at + 1, close - value_at - 1);
      for (char c : value) line += c == '\n';
      next = text.find('\n', close);
      next = next == std::string::npos ? text.size() : next + 1;
    } else {
      value = raw.substr(eq + 1);
      if (size_t hash = value.find(" #"); hash != std::string::npos) value = value.substr(0, hash);
      value = trim(value);
      value = interpolate(value, all, {path, line, 1}, diag);
    }
    if (!outer.count(key)) all[key] = value;
    vars[key] = std::move(value);
    pos = next;
  }
  return vars;
}

}  // namespace berth::load
