// The one file of engine/ that includes Boost.Beast (engine/sync_http.h).
#include "engine/sync_http.h"

#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fstream>
#include <sstream>
#include <thread>

namespace berth {
namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

void SyncStatus::record(const CycleReport& r) {
  std::lock_guard<std::mutex> g(mu_);
  ++m_.cycles;
  m_.last_run_unix_ms = r.started_ms;
  m_.last_result = r.result;
  if (r.result == SyncResult::kInSync || r.result == SyncResult::kConverged ||
      r.result == SyncResult::kDrift)
    m_.deployed_commit = r.commit;
  if (r.result != SyncResult::kError) m_.drifted_replicas = r.drifted;
  m_.last_duration_ms = r.duration_ms;
}

std::string SyncStatus::metrics() const {
  std::lock_guard<std::mutex> g(mu_);
  return metrics_text(m_);
}

std::string SyncStatus::health() const {
  std::lock_guard<std::mutex> g(mu_);
  return fmt::format("ok cycles={} last={} commit={}\n", m_.cycles,
                     m_.cycles ? sync_result_name(m_.last_result) : "none", m_.deployed_commit);
}

namespace {

class BeastServer final : public SyncServer {
 public:
  BeastServer(std::string secret, SyncTrigger& trigger, SyncStatus& status)
      : secret_(std::move(secret)), trigger_(trigger), status_(status), acceptor_(ioc_) {}
  ~BeastServer() override {
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
  }
  std::string address() const override { return address_; }

  Status listen(const tcp::endpoint& at) {
    boost::system::error_code ec;
    acceptor_.open(at.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(at, ec);
    if (!ec) acceptor_.listen(16, ec);
    if (ec)
      return Error{ErrorKind::kHost,
                   {},
                   "",
                   "",
                   fmt::format("cannot listen on {}:{}: {}", at.address().to_string(), at.port(),
                               ec.message()),
                   "pick another --listen address or port"};
    auto local = acceptor_.local_endpoint(ec);
    address_ = fmt::format("{}:{}", local.address().to_string(), local.port());
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
    return ok_status();
  }

 private:
  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (!ec) serve(std::move(socket));
      accept();
    });
  }

  // One request per connection; a client that sends nothing for 5 s is dropped.
  void serve(tcp::socket socket) {
    timeval tv{5, 0};
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    boost::beast::flat_buffer buffer;
    http::request_parser<http::string_body> parser;
    parser.body_limit(1 << 20);
    boost::system::error_code ec;
    http::read(socket, buffer, parser, ec);
    if (ec) return;
    const auto& req = parser.get();
    http::response<http::string_body> res = answer(req);
    res.version(req.version());
    res.keep_alive(false);
    res.prepare_payload();
    http::write(socket, res, ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
  }

  http::response<http::string_body> answer(const http::request<http::string_body>& req) {
    auto reply = [](http::status s, std::string body, const char* type = "text/plain") {
      http::response<http::string_body> res;
      res.result(s);
      res.set(http::field::content_type, type);
      res.body() = std::move(body);
      return res;
    };
    std::string target(req.target());
    if (target == "/metrics" && req.method() == http::verb::get)
      return reply(http::status::ok, status_.metrics(), "text/plain; version=0.0.4");
    if (target == "/healthz" && req.method() == http::verb::get)
      return reply(http::status::ok, status_.health());
    if (target == "/hook" && req.method() == http::verb::post) {
      std::map<std::string, std::string> headers;
      for (const auto& f : req) {
        std::string name(f.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        headers[name] = std::string(f.value());
      }
      if (!hook_authorized(headers, req.body(), secret_))
        return reply(http::status::forbidden, "the hook's signature or token does not match\n");
      trigger_.poke();
      return reply(http::status::accepted, "cycle started\n");
    }
    return reply(http::status::not_found, "POST /hook, GET /metrics, GET /healthz\n");
  }

  std::string secret_;
  SyncTrigger& trigger_;
  SyncStatus& status_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::string address_;
  std::thread thread_;
};

Result<tcp::endpoint> parse_listen(const std::string& listen) {
  auto bad = Error{ErrorKind::kUsage,
                   {},
                   "",
                   "",
                   fmt::format("--listen '{}' is not IP:PORT", listen),
                   "give an address such as 127.0.0.1:9090 or [::1]:9090"};
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return bad;
  std::string host = listen.substr(0, colon), port = listen.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(host, ec);
  if (ec || port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535)
    return bad;
  return tcp::endpoint(ip, static_cast<unsigned short>(std::stoi(port)));
}

}  // namespace

Result<std::unique_ptr<SyncServer>> start_sync_server(const std::string& listen,
                                                      const std::string& secret_file,
                                                      SyncTrigger& trigger, SyncStatus& status) {
  auto at = parse_listen(listen);
  if (!at.ok()) return at.error();
  std::string secret;
  if (!secret_file.empty()) {
    std::ifstream in(secret_file);
    std::stringstream text;
    text << in.rdbuf();
    if (!in)
      return Error{ErrorKind::kUsage,
                   {secret_file, 0, 0},
                   "",
                   "",
                   "cannot read the hook secret file",
                   "check the path and its permissions"};
    secret = text.str();
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  }
  auto server = std::make_unique<BeastServer>(std::move(secret), trigger, status);
  Status up = server->listen(*at);
  if (!up.ok()) return up.error();
  return std::unique_ptr<SyncServer>(std::move(server));
}

}  // namespace berth
