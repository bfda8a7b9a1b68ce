#pragma once
// When `ruleset save` may keep a secret it does not see again
// (docs/security.md, "Secrets and tokens"). The host reads only the channel's
// form, so the rule is the same for every channel.
#include <string>
#include <vector>

#include "notify/host_api/host_api.hpp"

namespace notify_host {

// The secret fields of `fields` (FieldType::kSecret), in form order.
std::vector<const notify::FieldDescriptor*> SecretFields(
    const std::vector<notify::FieldDescriptor>& fields);
// The pointers point into `fields`: a temporary form would leave them dangling.
std::vector<const notify::FieldDescriptor*> SecretFields(
    std::vector<notify::FieldDescriptor>&& fields) = delete;

// The field --secret-stdin and the prompt fill: the first required secret
// field, else the first secret field; nullptr when the form has none.
const notify::FieldDescriptor* PrimarySecretField(
    const std::vector<notify::FieldDescriptor>& fields);
const notify::FieldDescriptor* PrimarySecretField(std::vector<notify::FieldDescriptor>&& fields) =
    delete;

// The keys whose value differs between `stored` and `next`, secret fields
// aside: the fields of the form in form order, then keys the form does not
// know in key order. A value is compared as the channel reads it: an empty
// or absent value is the field's default.
//
// The rule built on it: a stored secret is kept only when this is empty.
// The host cannot tell which fields decide where a secret or its tokens go
// (a host name, a port, a URL, a CA file, a tenant, a route...), so every
// other change counts.
std::vector<std::string> ChangedSettings(const std::vector<notify::FieldDescriptor>& fields,
                                         const notify::Settings& stored,
                                         const notify::Settings& next);

// The error for a secret field left out when `changed` is not empty: names
// the field, the changed keys and the rule.
notify::FieldIssue SecretNotCarriedOver(const notify::FieldDescriptor& field,
                                        const std::vector<std::string>& changed);

// Errors for secret fields whose value is the mask "********" that `show`
// prints: that is never a secret, and storing it would lose the real one.
std::vector<notify::FieldIssue> MaskedSecrets(const std::vector<notify::FieldDescriptor>& fields,
                                              const notify::Settings& settings);

// "a, b, c"
std::string JoinKeys(const std::vector<std::string>& keys);

}  // namespace notify_host
