// Result<T> and Error: how every library function in berth reports failure.
//
// Library code never throws across its API: it returns Result<T> (a value or an Error). The CLI
// (cmd/) turns an Error into one message and an exit code. Where many problems can be found in
// one pass (a stack file), they are collected in a Diagnostics and reported together, and the
// run stops before any host is touched (mold's checkpoint()).
#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace berth {

// A place in a file the user wrote. Line and column are 1-based; 0 means unknown.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;

  bool known() const { return !file.empty(); }
  // "file:line:col", "file:line", "file" or "" as far as known.
  std::string str() const;
};

// What kind of failure, which decides the exit code (see exit_code_for).
enum class ErrorKind {
  kUsage,        // bad flags or arguments                    -> 1
  kInput,        // bad stack, .env, inventory or plan file   -> 1
  kHost,         // a host failed (unreachable, engine error) -> 1 (3 when apply partly done)
  kNotFound,     // the engine has no such object (HTTP 404)  -> 1
  kPartial,      // apply finished on some hosts only         -> 3
  kLock,         // the stack is locked by another run        -> 4
  kStalePlan,    // a saved plan no longer matches the hosts  -> 5
  kInterrupted,  // SIGINT/SIGTERM                            -> 130
  kInternal,     // a bug in berth                            -> 1
};

struct Error {
  ErrorKind kind = ErrorKind::kInput;
  SourceLocation location;
  std::string host;     // inventory name of the host involved, if any
  std::string service;  // stack service involved, if any
  std::string message;  // what went wrong, one sentence, no trailing period needed
  std::string hint;     // what to do about it (may be empty)

  // One line, e.g. "compose.yaml:4:12: service web: unknown key 'imgae' (did you mean 'image'?)".
  std::string str() const;
};

struct Warning {
  SourceLocation location;
  std::string service;
  std::string message;
  std::string str() const;
};

int exit_code_for(ErrorKind kind);

// Everything found wrong in one pass; errors stop the run, warnings are printed.
struct Diagnostics {
  std::vector<Error> errors;
  std::vector<Warning> warnings;

  void error(Error e) { errors.push_back(std::move(e)); }
  void warn(Warning w) { warnings.push_back(std::move(w)); }
  bool ok() const { return errors.empty(); }
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Error& error() const { return std::get<1>(v_); }
  Error& error() { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success carries nothing.
struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() { return Ok{}; }

}  // namespace berth
