#include "host_commands.hpp"

#include <Poco/Logger.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <optional>

#include "command_line.hpp"
#include "command_support.hpp"
#include "message_input.hpp"
#include "notify/sdk/results.hpp"
#include "report_output.hpp"
#include "ruleset_commands.hpp"
#include "ruleset_store.hpp"
#include "service/serve_command.hpp"
#include "state/ruleset_repository.hpp"
#include "terminal_text.hpp"
#include "web/admin_password.hpp"

namespace notify_host {
namespace {

constexpr std::size_t kMaxBodyBytes = 35 * 1024 * 1024;
// Messages handed to the sender at a time. Each Deliver call waits for its
// slowest connection, so a call should keep every connection busy to its
// end: 900 is a whole number of full connections for all three of the
// Microsoft 365 channel's batch sizes (10, 30, 100) on the 3 connections a
// mailbox allows, and one call per 900 messages leaves the plugin's
// connections idle rarely (README.md, The reference host).
constexpr std::size_t kSendChunk = 900;
// Attachment bytes read for one chunk at most (one message's may be more, up
// to kMaxAttachmentBytes): what bounds a batch's memory (docs/security.md,
// Untrusted input).
constexpr std::uint64_t kChunkAttachmentBytes = 64u * 1024u * 1024u;

int Plugins(const HostEnv& env, std::ostream& out) {
  PrintPlugins(out, env.plugins);
  return kExitOk;
}

int Fields(const CommandLine& cl, const HostEnv& env, std::ostream& out, std::ostream& err) {
  if (cl.words.size() != 2) {
    err << "usage: notify-host fields CHANNEL [--json]\n";
    return kExitUsage;
  }
  const LoadedChannel* c = FindChannel(env, cl.words[1]);
  if (!c) return UnknownChannel(env, cl.words[1], err);
  PrintFields(out, c->channel->Fields(), cl.Flag("--json"));
  return kExitOk;
}

// The messages to send, from --batch or from the single-message options,
// their attachment files checked but not read.
notify::sdk::StatusOr<std::vector<PendingMessage>> MessagesFrom(const CommandLine& cl) {
  if (cl.Has("--batch")) return ReadBatchFile(cl.Option("--batch"));
  PendingMessage pending;
  notify::Message& m = pending.message;
  m.id = "cli-1";
  m.to = SplitAddresses(cl.Option("--to"));
  m.subject = cl.Option("--subject");
  if (cl.Has("--body-file")) {
    auto body = ReadFileLimited(cl.Option("--body-file"), kMaxBodyBytes);
    if (!body.ok()) return body.status();
    m.text_body = body.value();
  } else {
    m.text_body = cl.Option("--body");
  }
  if (cl.Has("--html-file")) {
    auto html = ReadFileLimited(cl.Option("--html-file"), kMaxBodyBytes);
    if (!html.ok()) return html.status();
    m.html_body = html.value();
  }
  for (const auto& path : cl.All("--attach")) {
    auto size = CheckAttachmentFile(path);
    if (!size.ok()) return size.status();
    pending.attachment_files.push_back(path);
    pending.attachment_bytes += size.value();
  }
  if (pending.attachment_bytes > kMaxAttachmentBytes) {
    return notify::sdk::Status::Error(
        "the attachments are " + std::to_string(pending.attachment_bytes) +
        " bytes together, more than the " + std::to_string(kMaxAttachmentBytes) +
        " one message may carry");
  }
  return std::vector<PendingMessage>{std::move(pending)};
}

// Where the chunk that starts at `start` ends: at most kSendChunk messages
// and, past its first message, at most kChunkAttachmentBytes of attachments.
std::size_t ChunkEnd(const std::vector<PendingMessage>& all, std::size_t start) {
  std::size_t end = start;
  std::uint64_t bytes = 0;
  while (end < all.size() && end - start < kSendChunk) {
    bytes += all[end].attachment_bytes;
    if (end > start && bytes > kChunkAttachmentBytes) break;
    ++end;
  }
  return end;
}

// sender->Deliver(batch), held to "one result per message, in order" for
// every plugin, built on the SDK's SenderBase or not: a message the sender
// left without a result is reported retry_later "plugin returned no result",
// and one warning says the plugin broke the contract.
std::vector<notify::DeliveryResult> DeliverOneResultPerMessage(
    notify::Sender& sender, const std::vector<notify::Message>& batch, const std::string& channel) {
  std::vector<notify::DeliveryResult> results = sender.Deliver(batch);
  if (notify::sdk::HasOneResultPerMessage(batch, results)) return results;
  Poco::Logger::get("notify.host")
      .warning("channel " + channel + " returned " + std::to_string(results.size()) +
               " results for " + std::to_string(batch.size()) +
               " messages, or not in their order; each message without its result is reported "
               "retry_later (a fault in the plugin: report it to its author)");
  return notify::sdk::OneResultPerMessage(batch, std::move(results));
}

int Send(const CommandLine& cl, HostEnv& env, std::ostream& out, std::ostream& err) {
  bool single =
      cl.Has("--to") && cl.Has("--subject") && (cl.Has("--body") || cl.Has("--body-file"));
  if (cl.words.size() != 1 || !cl.Has("--ruleset") || single == cl.Has("--batch")) {
    err << "usage: notify-host send --ruleset NAME --to ADDR[,ADDR] --subject TEXT "
           "(--body TEXT | --body-file F) [--html-file F] [--attach F]... [--json]\n"
           "       notify-host send --ruleset NAME --batch FILE.jsonl [--json]\n";
    return kExitUsage;
  }
  const std::string name = cl.Option("--ruleset");
  if (!IsRulesetName(name)) return BadRulesetName(name, err);
  std::optional<state::StoredRuleset> ruleset;
  if (int rc = ReadStoredRuleset(env, name, &ruleset, err); rc != kExitOk) return rc;
  if (!ruleset) {
    err << "no ruleset '" << name << "'; create it with `notify-host ruleset save`\n";
    return kExitUsage;
  }
  const LoadedChannel* c = FindChannel(env, ruleset->channel);
  if (!c) return UnknownChannel(env, ruleset->channel, err);
  auto messages = MessagesFrom(cl);
  if (!messages.ok()) {
    // The batch reader's errors are already safe to print; a file error
    // names what was typed.
    err << messages.status().message() << "\n";
    if (!messages.status().remedy().empty()) err << messages.status().remedy() << "\n";
    return kExitUsage;
  }
  auto opened = c->channel->Open(ruleset->settings);
  if (!opened.sender) {
    err << "ruleset '" << Shown(name) << "' cannot be used:\n";
    PrintReport(err, opened.report, false);
    return kExitNotDelivered;
  }
  auto& sender = opened.sender;
  const auto& all = messages.value();
  bool progress = ::isatty(STDERR_FILENO) && all.size() > kSendChunk;
  bool json = cl.Flag("--json");
  std::size_t delivered = 0;
  for (std::size_t start = 0, end = 0; start < all.size(); start = end) {
    end = ChunkEnd(all, start);
    // The chunk's attachments are read now, not the whole batch's up front.
    // A file that can no longer be read as it was checked rejects its message.
    std::vector<notify::Message> chunk;
    std::vector<std::optional<notify::DeliveryResult>> unread(end - start);
    for (std::size_t i = start; i < end; ++i) {
      auto loaded = LoadAttachments(all[i]);
      if (loaded.ok()) {
        chunk.push_back(std::move(loaded).value());
      } else {
        unread[i - start] = notify::DeliveryResult{all[i].message.id,
                                                   notify::DeliveryStatus::kRejected,
                                                   0,
                                                   "",
                                                   "not sent: " + loaded.status().message(),
                                                   0};
      }
    }
    auto sent = chunk.empty() ? std::vector<notify::DeliveryResult>{}
                              : DeliverOneResultPerMessage(*sender, chunk, c->id);
    chunk.clear();
    auto next_sent = sent.begin();
    for (auto& slot : unread) {
      const notify::DeliveryResult& r = slot ? *slot : *next_sent++;
      PrintResult(out, r, json);
      if (r.status == notify::DeliveryStatus::kDelivered) ++delivered;
    }
    // Results nobody can read are as good as lost: send no more messages
    // whose results would be lost too (main reports the write error).
    if (!out.flush()) {
      if (progress) err << "\n";
      err << "notify-host: stopped after " << end << " of " << all.size()
          << " messages: their results could not be written\n";
      return kExitError;
    }
    if (progress)
      err << "\r"
          << "sent " << end << "/" << all.size() << std::flush;
  }
  if (progress) err << "\n";
  if (!json) out << delivered << " of " << all.size() << " delivered\n";
  return delivered == all.size() ? kExitOk : kExitNotDelivered;
}

int Dispatch(const std::vector<std::string>& args, HostEnv& env, std::ostream& out,
             std::ostream& err) {
  auto parsed =
      ParseCommandLine(args, {"--json", "--offline", "--help", "--secret-stdin"},
                       {"--channel", "--set", "--test-to", "--ruleset", "--to", "--subject",
                        "--body", "--body-file", "--html-file", "--attach", "--batch"});
  if (!parsed.ok()) {
    err << ForTerminal(parsed.status().message()) << "\n" << UsageText();
    return kExitUsage;
  }
  const CommandLine& cl = parsed.value();
  if (cl.Flag("--help")) {
    out << UsageText();
    return kExitOk;
  }
  std::string command = cl.words.empty() ? "" : cl.words[0];
  std::string sub = cl.words.size() > 1 ? cl.words[1] : "";
  if (command == "plugins" && cl.words.size() == 1) return Plugins(env, out);
  if (command == "fields") return Fields(cl, env, out, err);
  if (command == "ruleset" && sub == "save") return RulesetSave(cl, env, out, err);
  if (command == "ruleset" && sub == "show") return RulesetShow(cl, env, out, err);
  if (command == "ruleset" && sub == "delete") return RulesetDelete(cl, env, out, err);
  if (command == "send") return Send(cl, env, out, err);
  if (command == "import-rulesets") return ImportRulesets(cl, env, out, err);
  if (command == "serve") return Serve(cl, env, out, err);
  if (command == "api-key" && sub == "create") return ApiKeyCreate(cl, env, out, err);
  if (command == "admin-password") return web::AdminPasswordCommand(cl, env, out, err);
  err << UsageText();
  return kExitUsage;
}

}  // namespace

std::string UsageText() {
  return "usage: notify-host [--config FILE] COMMAND\n"
         "  plugins\n"
         "  fields CHANNEL [--json]\n"
         "  ruleset save NAME --channel CHANNEL --set KEY=VALUE ... [--secret-stdin] [--offline]\n"
         "       [--test-to ADDR] [--json]\n"
         "  ruleset show NAME [--json]\n"
         "  ruleset delete NAME\n"
         "  import-rulesets FILE.json\n"
         "  serve                           the service: HTTP API, outbox workers "
         "(docs/service.md)\n"
         "  api-key create NAME             prints a new API key once; only its hash is stored\n"
         "  admin-password                  sets the settings page's password (read from standard\n"
         "                                  input; a no-echo prompt on a terminal)\n"
         "  send --ruleset NAME --to ADDR[,ADDR] --subject TEXT (--body TEXT | --body-file F)\n"
         "       [--html-file F] [--attach F]... [--json]\n"
         "  send --ruleset NAME --batch FILE.jsonl [--json]\n"
         "Ruleset names are 1-64 characters of A-Z a-z 0-9 . _ -.\n"
         "The secret of `ruleset save`: --secret-stdin reads it from the first line of standard\n"
         "input into the channel's first required secret field (the first secret field when none\n"
         "is required); on a terminal, with no secret given, a prompt asks for it without echo.\n"
         "--set KEY=SECRET works too, but other local users can read command lines. Left out,\n"
         "the stored secret is kept only when no other setting changed.\n"
         "Rulesets live in the state database (state.url, default sqlite:state.db beside the\n"
         "settings file), their secrets sealed with the host key (secrets.key_file).\n"
         "import-rulesets brings in a rulesets file of the first version; names already in the\n"
         "database are kept as they are.\n";
}

int RunCommand(const std::vector<std::string>& args, HostEnv& env, std::ostream& out,
               std::ostream& err) {
  try {
    return Dispatch(args, env, out, err);
  } catch (const std::exception& e) {
    err << "notify-host: " << ForTerminal(e.what()) << "\n";
    return kExitError;
  }
}

}  // namespace notify_host
