#pragma once
// Messages for `notify-host send`: from command-line options or from a batch
// file of JSON lines.
#include <string>
#include <vector>

#include "notify/host_api/message.hpp"
#include "notify/sdk/status.hpp"

namespace notify_host {

// Reads a file whole, at most `limit` bytes; error naming the file otherwise.
notify::sdk::StatusOr<std::string> ReadFileLimited(const std::string& path, std::size_t limit);

// An attachment from a file: its name is the file's name, its type guessed from
// the extension (application/octet-stream when unknown).
notify::sdk::StatusOr<notify::Attachment> AttachmentFromFile(const std::string& path);

// Splits "a@x, b@y" into addresses, dropping empty entries.
std::vector<std::string> SplitAddresses(const std::string& list);

// Parses a batch file: one JSON object per line, blank lines ignored:
//   {"id":"n1","to":["a@x"],"cc":[],"bcc":[],"subject":"...","body":"...",
//    "html":"...","attachments":["/path/file.pdf"]}
// "to"/"cc"/"bcc" may also be a comma-separated string. All or nothing: when any
// line is malformed, the error lists every bad line by number and no message
// is returned, so a half-read file is never half sent. Malformed: not one JSON
// object, an unknown key, a key given twice, a value of the wrong type (id,
// subject, body and html are strings; attachments a list of path strings;
// nothing is converted), no recipient, an unreadable attachment, or an id
// already used on an earlier line. Ids default to "<file name>:<line>". A
// UTF-8 byte order mark at the start of the file is skipped. The error text
// is safe to print (terminal_text.hpp).
notify::sdk::StatusOr<std::vector<notify::Message>> ReadBatchFile(const std::string& path);

// The same rules over text already read; `source` names it in ids and errors.
notify::sdk::StatusOr<std::vector<notify::Message>> ParseBatchText(const std::string& text,
                                                                   const std::string& source);

}  // namespace notify_host
