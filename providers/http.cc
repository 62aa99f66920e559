#include "providers/http.h"

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

Error transport_error(const boost::system::error_code& ec) {
  return Error{ErrorKind::kHost, {}, "", "", "connection to the engine failed: " + ec.message(),
               ""};
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
  boost::system::error_code ec;
  auto req = make(r);
  bhttp::write(impl_->socket, req, ec);
  if (ec) {
    broken_ = true;
    return transport_error(ec);
  }
  bhttp::response_parser<bhttp::buffer_body> parser;
  // Logs, builds and image lists can be large: no body limit.
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  bhttp::read_header(impl_->socket, impl_->buffer, parser, ec);
  if (ec) {
    broken_ = true;
    return transport_error(ec);
  }
  Response out;
  copy_head(parser, out);
  char buf[16384];
  while (!parser.is_done()) {
    parser.get().body().data = buf;
    parser.get().body().size = sizeof buf;
    bhttp::read(impl_->socket, impl_->buffer, parser, ec);
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) {
      broken_ = true;
      return transport_error(ec);
    }
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
