// Small helpers shared by the emulator's parts. Private to tests/emulator.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace m365emu::detail {

// Random version-4 GUID in lower case, e.g. "1f0e...-....".
std::string NewGuid();
bool LooksLikeGuid(const std::string& s);
std::string ToLower(std::string s);
std::string Trim(const std::string& s);
bool StartsWithNoCase(const std::string& s, const std::string& prefix);

std::string Base64Encode(const std::string& bytes);
// Returns false on characters outside the base64 alphabet.
bool Base64Decode(const std::string& text, std::string* bytes);
std::string Base64UrlEncode(const std::string& bytes);

std::int64_t NowUnix();
// "2026-01-09 02:02:12Z" as in AADSTS error bodies.
std::string AadTimestamp(std::int64_t unix_seconds);
// "Sun, 23 Nov 2025 11:12:20 +0000" as in the SMTP greeting.
std::string Rfc2822Date(std::int64_t unix_seconds);

// application/x-www-form-urlencoded body -> fields ('+' is a space). Later
// duplicates win. Returns false on a malformed %-escape.
bool ParseForm(const std::string& body, std::map<std::string, std::string>* fields);

// Writes `data` to `path` atomically (temp file + rename); throws on error.
void WriteFileAtomic(const std::string& path, const std::string& data);

}  // namespace m365emu::detail
