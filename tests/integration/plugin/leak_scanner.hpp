#pragma once
// Collects every text a user or an operator could see (log lines, reports,
// delivery details, CLI output) and fails a test when a secret shows up in
// any of it: the client secret, an access token, or a token's XOAUTH2 form.
//
// Tokens issued to another process cannot be captured, so besides the
// tokens a test hands in (Capture), the scanner looks for what every token of
// the emulator shares: its header segment (same key and algorithm), the
// beginning of its payload segment (same claim order), the "eyJ" that starts
// any base64url JSON, and the fixed beginning of the XOAUTH2 response for the
// mailbox. A leak of a whole token, or of a piece starting at a segment, is
// caught either way; a captured token is also caught from any 24-character
// piece of it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "m365emu/emulator.hpp"
#include "smtp/xoauth2.hpp"

namespace m365::testing {

class LeakScanner {
 public:
  // Learns the emulator's token shape and `mailbox`'s XOAUTH2 prefix; the
  // secrets to look for are added with AddSecret.
  LeakScanner(const m365emu::Emulator& emulator, const std::string& mailbox) : mailbox_(mailbox) {
    std::string a = emulator.MintToken();
    std::string b = emulator.MintToken();
    std::string header = a.substr(0, a.find('.'));
    Add("the emulator's token header", header);
    std::string pa = a.substr(a.find('.') + 1);
    std::string pb = b.substr(b.find('.') + 1);
    std::size_t common = 0;
    while (common < pa.size() && common < pb.size() && pa[common] == pb[common]) ++common;
    if (common >= 12) Add("the emulator's token payload", pa.substr(0, common));
    Add("a base64url JSON object (JWT segment)", "eyJ");
    // "user=<mailbox>\x01auth=Bearer " is the same for every token.
    std::string prefix = Xoauth2InitialResponse(mailbox, "");
    std::size_t fixed = (5 + mailbox.size() + 1 + 12) / 3 * 4;
    Add("the XOAUTH2 response", prefix.substr(0, fixed));
    Add("base64 of 'user='", "dXNlcj1");
  }

  void AddSecret(const std::string& what, const std::string& secret) { Add(what, secret); }

  // A token the test knows was issued: every 24-character piece of it and of
  // its XOAUTH2 form becomes a marker.
  void Capture(const std::string& token) {
    if (token.empty()) return;
    ++captured_;
    AddPieces("a captured access token", token);
    AddPieces("a captured token's XOAUTH2 form", Xoauth2InitialResponse(mailbox_, token));
  }

  // Adds text that someone could read, labelled with where it came from.
  void Collect(const std::string& where, const std::string& text) {
    texts_.push_back({where, text});
    bytes_ += text.size();
  }

  // Fails the test for every marker found in any collected text.
  void ExpectNoLeak() const {
    for (const auto& [where, text] : texts_) {
      for (const auto& [what, marker] : markers_) {
        std::size_t pos = text.find(marker);
        EXPECT_EQ(pos, std::string::npos)
            << what << " leaked in " << where << ": ..."
            << text.substr(pos == std::string::npos ? 0 : (pos > 40 ? pos - 40 : 0), 100) << "...";
      }
    }
  }

  std::size_t texts() const { return texts_.size(); }
  std::size_t bytes() const { return bytes_; }
  int captured() const { return captured_; }

 private:
  void Add(const std::string& what, const std::string& marker) {
    if (!marker.empty()) markers_.push_back({what, marker});
  }
  void AddPieces(const std::string& what, const std::string& text) {
    constexpr std::size_t kPiece = 24;
    for (std::size_t i = 0; i + kPiece <= text.size(); i += kPiece / 2) {
      Add(what, text.substr(i, kPiece));
    }
  }

  struct Text {
    std::string where;
    std::string text;
  };
  struct Marker {
    std::string what;
    std::string marker;
  };
  std::string mailbox_;
  std::vector<Marker> markers_;
  std::vector<Text> texts_;
  std::size_t bytes_ = 0;
  int captured_ = 0;
};

}  // namespace m365::testing
