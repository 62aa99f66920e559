// Making the Errors of engine/git/. Internal to engine/git/.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "planner/result.h"

namespace berth::git {

// An Error with no file location, host or service: a repository, ref or commit is named in
// the message itself.
inline Error make_error(ErrorKind kind, std::string message, std::string hint = {}) {
  return Error{kind, {}, "", "", std::move(message), std::move(hint)};
}

// "a, b, c", for lists in messages.
template <class Names>
std::string join_names(const Names& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

}  // namespace berth::git
