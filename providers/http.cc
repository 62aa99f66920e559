#include "providers/http.h"

#include <fmt/format.h>

#include <chrono>
#include <limits>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace berth::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

struct Connection::Impl {
  asio::io_context io;
  asio::local::stream_protocol::socket socket{io};
  beast::flat_buffer buffer;
};

Connection::Connection(int fd) : impl_(std::make_unique<Impl>()) {
  boost::system::error_code ec;
  impl_->socket.assign(asio::local::stream_protocol(), fd, ec);
  if (ec) broken_ = true;
}

Connection::~Connection() {
  boost::system::error_code ec;
  impl_->socket.close(ec);
}

namespace {

bhttp::request<bhttp::string_body> make(const Request& r) {
  bhttp::request<bhttp::string_body> req;
  req.method_string(r.method);
  req.target(r.target);
  req.version(11);
  // The engine answers 400 without a Host header, and Beast does not add one.
  req.set(bhttp::field::host, "docker");
  req.set(bhttp::field::user_agent, "berth/0.1");
  for (const auto& [k, v] : r.headers) req.set(k, v);
  if (!r.body.empty() || r.method == "POST") {
    req.set(bhttp::field::content_type, r.content_type);
    req.body() = r.body;
    req.prepare_payload();
  }
  return req;
}

Error transport_error(const boost::system::error_code& ec, std::chrono::milliseconds timeout) {
  if (ec == asio::error::timed_out)
    return Error{ErrorKind::kHost, {}, "", "",
                 fmt::format("the Docker engine did not answer within {} s",
                             (timeout.count() + 999) / 1000),
                 "check that dockerd on the host is healthy (BERTH_ENGINE_TIMEOUT=SECONDS waits "
                 "longer for ordinary requests)"};
  return Error{ErrorKind::kHost, {}, "", "", "connection to the engine failed: " + ec.message(),
               ""};
}

// Runs one asynchronous operation to its end, or until `timeout` passes without it ending
// (then cancels it and answers timed_out). Sync reads cannot time out: asio retries a
// socket's SO_RCVTIMEO expiry as would-block and waits again.
template <class Start>
boost::system::error_code run_op(Connection::Impl& impl, std::chrono::milliseconds timeout,
                                 Start start) {
  boost::system::error_code result;
  bool done = false;
  start([&](boost::system::error_code ec, std::size_t) {
    result = ec;
    done = true;
  });
  impl.io.restart();
  if (timeout.count() <= 0) {
    while (!done && impl.io.run_one()) {
    }
  } else {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done && impl.io.run_one_until(deadline)) {
    }
  }
  if (done) return result;
  boost::system::error_code ignored;
  impl.socket.cancel(ignored);
  impl.io.restart();
  while (!done && impl.io.run_one()) {
  }
  return asio::error::timed_out;
}

template <class Parser>
void copy_head(const Parser& parser, Response& out) {
  const auto& msg = parser.get();
  out.status = static_cast<int>(msg.result_int());
  for (const auto& field : msg) {
    std::string name(field.name_string());
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    out.headers[name] = std::string(field.value());
  }
}

}  // namespace

Result<Response> Connection::send(const Request& r) {
  Response out;
  std::string body;
  auto st = stream(r, [&](std::string_view chunk) {
    body.append(chunk);
    return true;
  });
  if (!st.ok()) return st.error();
  out = std::move(st).value();
  out.body = std::move(body);
  return out;
}

Result<Response> Connection::stream(const Request& r, const ChunkFn& on_chunk) {
  if (broken_) return Error{ErrorKind::kHost, {}, "", "", "connection to the engine is closed", ""};
  auto req = make(r);
  auto fail = [&](const boost::system::error_code& ec) {
    broken_ = true;
    timed_out_ = ec == asio::error::timed_out;
    return transport_error(ec, r.timeout);
  };
  auto ec = run_op(*impl_, r.timeout,
                   [&](auto handler) { bhttp::async_write(impl_->socket, req, handler); });
  if (ec) return fail(ec);
  bhttp::response_parser<bhttp::buffer_body> parser;
  // Logs, builds and image lists can be large: no body limit.
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  ec = run_op(*impl_, r.timeout, [&](auto handler) {
    bhttp::async_read_header(impl_->socket, impl_->buffer, parser, handler);
  });
  if (ec) return fail(ec);
  Response out;
  copy_head(parser, out);
  char buf[16384];
  while (!parser.is_done()) {
    parser.get().body().data = buf;
    parser.get().body().size = sizeof buf;
    ec = run_op(*impl_, r.timeout, [&](auto handler) {
      bhttp::async_read(impl_->socket, impl_->buffer, parser, handler);
    });
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) return fail(ec);
    size_t got = sizeof buf - parser.get().body().size;
    if (got > 0 && !on_chunk(std::string_view(buf, got))) {
      // The caller stopped early: the rest of this response is unread, so the connection
      // cannot carry another request.
      broken_ = true;
      return out;
    }
  }
  if (!parser.keep_alive()) broken_ = true;
  return out;
}

}  // namespace berth::http
