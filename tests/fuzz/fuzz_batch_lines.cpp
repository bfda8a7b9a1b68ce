// libFuzzer: batch-file lines as notify-host reads them. Any input must give
// either messages or an error naming lines, never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string>

#include "message_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto parsed = notify_host::ParseBatchText(text, "fuzz.jsonl");
  if (!parsed.ok() && parsed.status().message().find("line ") == std::string::npos)
    __builtin_trap();
  return 0;
}
