// Part 6: runs notify-bench-micro (Google Benchmark) and reports its figures.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <string>

#include "parts.hpp"

namespace notify_bench {

void RunMicroPart(BenchEnv& env, Report& report) {
  std::string out_file = env.work_dir() + "/micro.json";
  ChildSpec spec;
  spec.argv = {env.programs().micro, "--benchmark_out=" + out_file, "--benchmark_out_format=json",
               "--benchmark_min_time=" + Fixed(env.options().micro_min_time_s, 3)};
  spec.stdout_file = env.work_dir() + "/micro.out";
  spec.stderr_file = env.work_dir() + "/micro.err";
  spec.timeout = std::chrono::seconds(300);
  ChildResult r = RunChild(spec);
  Table table{"6. Micro-benchmarks (Google Benchmark, CPU time per operation)",
              {"benchmark", "µs/op", "iterations"}};
  Poco::JSON::Array::Ptr json = new Poco::JSON::Array;
  try {
    auto root =
        Poco::JSON::Parser().parse(ReadWholeFile(out_file)).extract<Poco::JSON::Object::Ptr>();
    auto benchmarks = root->getArray("benchmarks");
    for (std::size_t i = 0; i < benchmarks->size(); ++i) {
      auto b = benchmarks->getObject(i);
      double cpu = b->getValue<double>("cpu_time");
      std::string unit = b->getValue<std::string>("time_unit");
      double ns = unit == "ms"   ? cpu * 1e6
                  : unit == "us" ? cpu * 1e3
                  : unit == "s"  ? cpu * 1e9
                                 : cpu;
      std::string name = b->getValue<std::string>("name");
      table.rows.push_back(
          {name, Fixed(ns / 1000, 2), std::to_string(b->getValue<long>("iterations"))});
      Poco::JSON::Object::Ptr one = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
      one->set("name", name);
      one->set("cpu_ns", ns);
      one->set("iterations", b->getValue<long>("iterations"));
      json->add(one);
    }
  } catch (const Poco::Exception& e) {
    report.Fail("micro-benchmarks: " + e.displayText() + "; " + r.error + " " +
                ReadWholeFile(spec.stderr_file).substr(0, 300));
  }
  if (!r.ok()) report.Fail("micro-benchmarks exited with " + std::to_string(r.exit_code));
  report.AddTable(table);
  report.json().set("micro", json);
}

}  // namespace notify_bench
