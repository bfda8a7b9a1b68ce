#include "service/http_settings.hpp"

#include <Poco/Exception.h>
#include <Poco/Path.h>

namespace notify_host {
namespace {

long Integer(const Poco::Util::AbstractConfiguration& config, const std::string& key, long fallback,
             long min, long max) {
  long value = 0;
  try {
    value = config.getInt64(key, fallback);
  } catch (const Poco::Exception&) {
    throw Poco::InvalidArgumentException(key + " must be a whole number from " +
                                         std::to_string(min) + " to " + std::to_string(max));
  }
  if (value < min || value > max)
    throw Poco::InvalidArgumentException(key + " = " + std::to_string(value) + ": must be from " +
                                         std::to_string(min) + " to " + std::to_string(max));
  return value;
}

}  // namespace

HttpSettings ReadHttpSettings(const Poco::Util::AbstractConfiguration& config,
                              const std::string& base_dir) {
  HttpSettings s;
  s.address = config.getString("http.address", s.address);
  s.port = static_cast<std::uint16_t>(Integer(config, "http.port", s.port, 0, 65535));
  auto file = [&](const std::string& key) {
    std::string value = config.getString(key, "");
    return value.empty() ? value : Poco::Path(base_dir).resolve(value).toString();
  };
  s.tls_certificate = file("http.tls.certificate");
  s.tls_key = file("http.tls.key");
  if (s.tls_certificate.empty() != s.tls_key.empty())
    throw Poco::InvalidArgumentException(
        "http.tls.certificate and http.tls.key go together: set both for HTTPS, or neither");
  s.max_body_bytes = static_cast<std::size_t>(Integer(config, "http.max_body_bytes",
                                                      static_cast<long>(s.max_body_bytes), 1024,
                                                      1024L * 1024 * 1024));
  s.threads = static_cast<int>(Integer(config, "http.threads", s.threads, 1, 256));
  return s;
}

WorkerSettings ReadWorkerSettings(const Poco::Util::AbstractConfiguration& config) {
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  WorkerSettings w;
  w.workers = static_cast<int>(Integer(config, "delivery.workers", w.workers, 1, 64));
  w.calls_per_ruleset =
      static_cast<int>(Integer(config, "delivery.calls_per_ruleset", w.calls_per_ruleset, 1, 64));
  w.default_batch =
      static_cast<int>(Integer(config, "delivery.batch_size", w.default_batch, 1, 1000));
  w.poll = milliseconds(Integer(config, "delivery.poll_interval_ms", w.poll.count(), 10, 60000));
  w.claim_lease = seconds(Integer(config, "delivery.claim_lease", 60, 1, 3600));
  w.retry.base = seconds(Integer(config, "delivery.retry_base", 30, 1, 86400));
  w.retry.cap = seconds(Integer(config, "delivery.retry_max", 3600, 1, 7 * 86400));
  if (w.retry.cap < w.retry.base)
    throw Poco::InvalidArgumentException(
        "delivery.retry_max must not be less than delivery.retry_base");
  w.retry.max_age = seconds(Integer(config, "delivery.max_age", 86400, 60, 30 * 86400));
  return w;
}

}  // namespace notify_host
