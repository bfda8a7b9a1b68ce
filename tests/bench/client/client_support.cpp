#include "client_support.hpp"

#include <Poco/JSON/Parser.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace notify_bench {

notify::Settings ReadSettingsFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read settings file " + path);
  std::stringstream text;
  text << in.rdbuf();
  notify::Settings settings;
  try {
    auto object = Poco::JSON::Parser().parse(text.str()).extract<Poco::JSON::Object::Ptr>();
    for (const auto& [key, value] : *object) settings[key] = value.convert<std::string>();
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("settings file " + path + ": " + e.displayText());
  }
  return settings;
}

void QuietHost::Log(notify::LogLevel level, std::string_view text) noexcept {
  if (level < notify::LogLevel::kWarning) return;
  if (problems_.fetch_add(1) != 0) return;
  std::lock_guard<std::mutex> lock(mutex_);
  first_.assign(text);
}

std::string QuietHost::first_problem() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return first_;
}

double MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

Poco::JSON::Array::Ptr ToJsonArray(const std::vector<double>& values) {
  Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
  for (double v : values) array->add(v);
  return array;
}

int PrintResult(Poco::JSON::Object::Ptr result, bool ok) {
  result->set("ok", ok);
  result->stringify(std::cout);
  std::cout << std::endl;
  return ok ? 0 : 1;
}

}  // namespace notify_bench
