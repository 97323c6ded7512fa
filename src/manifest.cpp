#include "isoloir/manifest.h"

#include <set>

#include "isoloir/hash.h"

namespace isoloir {
namespace {

// Display fields an option may carry besides its id, label and blank flag
// (PROTOCOL.md section 2); they are covered by the hash like everything else.
constexpr std::string_view kOptionDisplayFields[] = {"affiliation", "logo", "profession_de_foi"};

Status check_option_keys(const Json& o, const std::string& field) {
  for (const auto& [k, v] : o.items()) {
    bool known = k == "id" || k == "label" || k == "blank";
    for (std::string_view extra : kOptionDisplayFields) {
      if (k == extra) {
        if (!v.is_string()) return fail("malformed", field + "." + k + " is not a string");
        known = true;
      }
    }
    if (!known) return fail("malformed", "unknown key " + field + "." + k);
  }
  return Status::Ok();
}

Result<ManifestOption> parse_option(const Json& o, const std::string& field) {
  if (!o.is_object()) return fail("malformed", field + " is not an object");
  if (Status s = check_option_keys(o, field); !s) return s.error();
  ManifestOption opt;
  auto id = get_string(o, "id", field);
  if (!id) return id.error();
  auto label = get_string(o, "label", field);
  if (!label) return label.error();
  auto blank = get_bool(o, "blank", field);
  if (!blank) return blank.error();
  if (id->empty()) return fail("bad_manifest", field + ".id is empty");
  opt.id = std::move(*id);
  opt.label = std::move(*label);
  opt.blank = *blank;
  return opt;
}

Result<Scrutin> parse_scrutin(const Json& s, const std::string& field) {
  if (Status st = require_keys(s, {"id", "title", "min", "max", "options"}, field); !st) {
    return st.error();
  }
  Scrutin sc;
  auto id = get_string(s, "id", field);
  if (!id) return id.error();
  auto title = get_string(s, "title", field);
  if (!title) return title.error();
  auto min = get_int(s, "min", field);
  if (!min) return min.error();
  auto max = get_int(s, "max", field);
  if (!max) return max.error();
  const Json& options = s["options"];
  if (!options.is_array() || options.empty()) {
    return fail("malformed", field + ".options is not a non-empty array");
  }
  if (id->empty()) return fail("bad_manifest", field + ".id is empty");
  sc.id = std::move(*id);
  sc.title = std::move(*title);
  sc.min = *min;
  sc.max = *max;
  std::set<std::string> seen;
  for (size_t i = 0; i < options.size(); ++i) {
    auto opt = parse_option(options[i], field + ".options[" + std::to_string(i) + "]");
    if (!opt) return opt.error();
    if (!seen.insert(opt->id).second) {
      return fail("bad_manifest", field + ": option id \"" + opt->id + "\" appears twice");
    }
    sc.options.push_back(std::move(*opt));
  }
  if (sc.min < 0 || sc.min > sc.max || sc.max > static_cast<int64_t>(sc.options.size())) {
    return fail("bad_manifest", field + ": needs 0 <= min <= max <= number of options");
  }
  return sc;
}

}  // namespace

int64_t Scrutin::option_index(std::string_view option_id) const {
  for (size_t i = 0; i < options.size(); ++i) {
    if (options[i].id == option_id) return static_cast<int64_t>(i);
  }
  return -1;
}

const Scrutin* Manifest::find_scrutin(std::string_view scrutin_id) const {
  for (const auto& s : scrutins) {
    if (s.id == scrutin_id) return &s;
  }
  return nullptr;
}

Result<Manifest> parse_manifest(std::string_view text) {
  Result<Json> doc = parse_json(text);
  if (!doc) return doc.error();
  const Json& j = *doc;
  if (Status s = require_keys(j,
                              {"version", "id", "title", "timezone", "opens_at", "closes_at",
                               "public_key", "server_key", "scrutins"},
                              "manifest");
      !s) {
    return s.error();
  }
  Manifest m;
  auto version = get_string(j, "version", "manifest");
  if (!version) return version.error();
  if (*version != "isoloir/1") return fail("wrong_version", "manifest.version is " + *version);
  auto id = get_string(j, "id", "manifest");
  if (!id) return id.error();
  auto title = get_string(j, "title", "manifest");
  if (!title) return title.error();
  auto tz = get_string(j, "timezone", "manifest");
  if (!tz) return tz.error();
  auto opens = get_string(j, "opens_at", "manifest");
  if (!opens) return opens.error();
  auto closes = get_string(j, "closes_at", "manifest");
  if (!closes) return closes.error();
  auto opens_at = Timestamp::parse(*opens, "manifest.opens_at");
  if (!opens_at) return opens_at.error();
  auto closes_at = Timestamp::parse(*closes, "manifest.closes_at");
  if (!closes_at) return closes_at.error();
  if (!(*opens_at < *closes_at)) return fail("bad_manifest", "opens_at must be before closes_at");
  auto pk_text = get_string(j, "public_key", "manifest");
  if (!pk_text) return pk_text.error();
  auto pk = Point::from_base64url(*pk_text, "manifest.public_key");
  if (!pk) return pk.error();
  auto sk_text = get_string(j, "server_key", "manifest");
  if (!sk_text) return sk_text.error();
  auto server_key = base64url_decode_fixed<32>(*sk_text, "manifest.server_key");
  if (!server_key) return server_key.error();
  if (id->empty()) return fail("bad_manifest", "manifest.id is empty");

  const Json& scrutins = j["scrutins"];
  if (!scrutins.is_array() || scrutins.empty()) {
    return fail("malformed", "manifest.scrutins is not a non-empty array");
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < scrutins.size(); ++i) {
    auto sc = parse_scrutin(scrutins[i], "scrutins[" + std::to_string(i) + "]");
    if (!sc) return sc.error();
    if (!seen.insert(sc->id).second) {
      return fail("bad_manifest", "scrutin id \"" + sc->id + "\" appears twice");
    }
    m.scrutins.push_back(std::move(*sc));
  }

  m.canonical = canonical_dump(j);
  m.hash = sha256(as_bytes(m.canonical));
  m.hash_b64 = base64url_encode(m.hash);
  m.id = std::move(*id);
  m.title = std::move(*title);
  m.timezone = std::move(*tz);
  m.opens_at = *opens_at;
  m.closes_at = *closes_at;
  m.public_key = *pk;
  m.public_key_table = std::make_shared<const LazyPointTable>(*pk);
  m.server_key = *server_key;
  m.document = std::move(*doc);
  return m;
}

}  // namespace isoloir
