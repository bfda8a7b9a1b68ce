#pragma once
// Messages for `notify-host send`: from command-line options or from a batch
// file of JSON lines.
#include <cstdint>
#include <string>
#include <vector>

#include "notify/host_api/message.hpp"
#include "notify/sdk/status.hpp"

namespace notify_host {

// The most one attachment, and all the attachments of one message together,
// may have: Exchange Online's default message size. Checked on the files'
// sizes before anything is read (docs/security.md, Untrusted input).
inline constexpr std::uint64_t kMaxAttachmentBytes = 35u * 1024u * 1024u;

// Reads a file whole, at most `limit` bytes; error naming the file otherwise.
// Only a regular file is read (see CheckAttachmentFile), and never more than
// its size said.
notify::sdk::StatusOr<std::string> ReadFileLimited(const std::string& path, std::size_t limit);

// Checks, without reading it, that `path` can be attached and returns its
// size: a regular file (not a FIFO, a device, a socket or a directory), not
// on a pseudo file system such as /proc or /sys (whose files report a size
// that is not their content's), of at most kMaxAttachmentBytes. The error
// names the file and what it is.
notify::sdk::StatusOr<std::uint64_t> CheckAttachmentFile(const std::string& path);

// An attachment from a file, checked as CheckAttachmentFile does on the
// opened file, then read: its name is the file's name, its type guessed from
// the extension (application/octet-stream when unknown).
notify::sdk::StatusOr<notify::Attachment> AttachmentFromFile(const std::string& path);

// A message whose attachment files are checked but not yet read, so that a
// batch's memory holds only the chunk being sent (docs/security.md).
struct PendingMessage {
  notify::Message message;                    // without attachments
  std::vector<std::string> attachment_files;  // checked by CheckAttachmentFile
  std::uint64_t attachment_bytes = 0;         // their sizes together, when checked
};

// `pending`'s message with its attachments read (AttachmentFromFile); an
// error naming the file when one can no longer be read as it was checked.
notify::sdk::StatusOr<notify::Message> LoadAttachments(const PendingMessage& pending);

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
// nothing is converted), no recipient, an attachment that CheckAttachmentFile
// refuses, attachments of more than kMaxAttachmentBytes together, or an id
// already used on an earlier line. Attachments are checked, not read. Ids default to "<file
// name>:<line>". A UTF-8 byte order mark at the start of the file is skipped. The error text is
// safe to print (terminal_text.hpp).
notify::sdk::StatusOr<std::vector<PendingMessage>> ReadBatchFile(const std::string& path);

// The same rules over text already read; `source` names it in ids and errors.
notify::sdk::StatusOr<std::vector<PendingMessage>> ParseBatchText(const std::string& text,
                                                                  const std::string& source);

}  // namespace notify_host
