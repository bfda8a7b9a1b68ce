#pragma once
// Encodings for building Internet messages: RFC 2047 encoded words, RFC 5322
// header folding and quoting, quoted-printable and base64 bodies. Every output
// uses CRLF line endings and keeps lines within 78 (headers, where words
// allow) or 76 (bodies) characters.
#include <string>
#include <string_view>

namespace m365 {

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code
// points above U+10FFFF).
bool IsValidUtf8(std::string_view text);

// True when every byte is printable ASCII or a space (0x20-0x7E).
bool IsPrintableAscii(std::string_view text);

// True when `text` contains CR, LF, NUL or another control byte except TAB.
bool HasControlCharacters(std::string_view text);

// `text` (UTF-8) as RFC 2047 "B" encoded words of at most 75 characters,
// separated by single spaces, never splitting a UTF-8 sequence.
std::string EncodeWords(std::string_view text);

// `text` as it may appear in an unstructured header (Subject, extra headers):
// unchanged when it is printable ASCII that cannot be mistaken for encoded
// words, else EncodeWords(text).
std::string EncodeUnstructured(std::string_view text);

// A display name for From: a quoted-string for printable ASCII, encoded words
// otherwise.
std::string EncodeDisplayName(std::string_view name);

// "Name: value" with CRLF, folded at spaces so lines stay within 78
// characters where the words allow it.
std::string FoldHeader(std::string_view name, std::string_view value);

// Quoted-printable (RFC 2045 section 6.7) of `text`; every line break of
// the input (CRLF, LF or CR) becomes a hard CRLF break.
std::string EncodeQuotedPrintable(std::string_view text);

// Base64 in lines of 76 characters, each ending with CRLF.
std::string EncodeBase64Lines(std::string_view bytes);

// A MIME parameter: name="value" (quoted-string) for printable ASCII, else
// name*=UTF-8''percent-encoded (RFC 2231).
std::string EncodeParameter(std::string_view name, std::string_view value);

}  // namespace m365
