#include "isoloir/canonical_json.h"

#include <set>
#include <string>
#include <vector>

namespace isoloir {
namespace {

constexpr int64_t kMaxSafeInteger = (int64_t{1} << 53) - 1;

// Builds the DOM while refusing what has no canonical form. Returning false
// from a callback stops the parse without an exception.
class StrictSax {
 public:
  using number_integer_t = Json::number_integer_t;
  using number_unsigned_t = Json::number_unsigned_t;
  using number_float_t = Json::number_float_t;
  using string_t = Json::string_t;
  using binary_t = Json::binary_t;

  bool null() { return put(Json(nullptr)); }
  bool boolean(bool v) { return put(Json(v)); }
  bool number_integer(number_integer_t v) {
    if (v < -kMaxSafeInteger || v > kMaxSafeInteger) return refuse("integer out of range");
    return put(Json(v));
  }
  bool number_unsigned(number_unsigned_t v) {
    if (v > static_cast<number_unsigned_t>(kMaxSafeInteger)) {
      return refuse("integer out of range");
    }
    return put(Json(static_cast<number_integer_t>(v)));
  }
  bool number_float(number_float_t /*v*/, const string_t& /*text*/) {
    return refuse("fractions and exponents have no canonical form");
  }
  bool string(string_t& v) { return put(Json(std::move(v))); }
  bool binary(binary_t& /*v*/) { return refuse("binary value"); }

  bool start_object(std::size_t /*n*/) {
    if (stack_.size() >= kMaxJsonDepth) return too_deep();
    if (!put(Json::object())) return false;
    keys_.emplace_back();
    return true;
  }
  bool key(string_t& k) {
    for (unsigned char c : k) {
      if (c >= 0x80) return refuse("non-ASCII key");
    }
    if (!keys_.back().insert(k).second) return refuse("duplicate key \"" + k + "\"");
    pending_key_ = std::move(k);
    return true;
  }
  bool end_object() {
    keys_.pop_back();
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t /*n*/) {
    if (stack_.size() >= kMaxJsonDepth) return too_deep();
    return put(Json::array());
  }
  bool end_array() {
    stack_.pop_back();
    return true;
  }
  bool parse_error(std::size_t /*pos*/, const std::string& /*token*/,
                   const nlohmann::detail::exception& ex) {
    return refuse(ex.what());
  }

  Json root;
  std::string error;

 private:
  bool refuse(std::string why) {
    if (error.empty()) error = std::move(why);
    return false;
  }
  bool too_deep() {
    return refuse("nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }

  // Places a value in its container; containers stay on the stack until closed.
  bool put(Json v) {
    const bool container = v.is_object() || v.is_array();
    Json* slot = nullptr;
    if (stack_.empty()) {
      root = std::move(v);
      slot = &root;
    } else if (stack_.back()->is_array()) {
      stack_.back()->push_back(std::move(v));
      slot = &stack_.back()->back();
    } else {
      slot = &(*stack_.back())[pending_key_];
      *slot = std::move(v);
    }
    if (container) stack_.push_back(slot);
    return true;
  }

  std::vector<Json*> stack_;
  std::vector<std::set<std::string>> keys_;
  std::string pending_key_;
};

// True for a byte that a JSON string carries as it is.
bool plain_byte(unsigned char c) {
  return c >= 0x20 && c != '"' && c != '\\';
}

void dump_string(const std::string& s, std::string& out) {
  out.push_back('"');
  for (size_t i = 0; i < s.size(); ++i) {
    // Runs of plain bytes (every byte of a base64url field) in one append.
    size_t end = i;
    while (end < s.size() && plain_byte(static_cast<unsigned char>(s[end]))) ++end;
    if (end > i) {
      out.append(s, i, end - i);
      i = end;
      if (i == s.size()) break;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        // Another control byte: \u00XX, lower-case hex as RFC 8785 writes it
        // (by hand: printf would pull its floating-point formatting into the
        // booth module).
        constexpr char kHex[] = "0123456789abcdef";
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
      }
    }
  }
  out.push_back('"');
}

void dump_value(const Json& v, std::string& out) {
  switch (v.type()) {
    case Json::value_t::null:
      out += "null";
      break;
    case Json::value_t::boolean:
      out += v.get<bool>() ? "true" : "false";
      break;
    case Json::value_t::number_integer:
      out += std::to_string(v.get<int64_t>());
      break;
    case Json::value_t::number_unsigned:
      out += std::to_string(v.get<uint64_t>());
      break;
    case Json::value_t::string:
      dump_string(v.get_ref<const std::string&>(), out);
      break;
    case Json::value_t::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& e : v) {
        if (!first) out.push_back(',');
        first = false;
        dump_value(e, out);
      }
      out.push_back(']');
      break;
    }
    case Json::value_t::object: {
      // nlohmann's object is a std::map<std::string, ...>: iteration is in
      // byte order already.
      out.push_back('{');
      bool first = true;
      for (const auto& [k, e] : v.items()) {
        if (!first) out.push_back(',');
        first = false;
        dump_string(k, out);
        out.push_back(':');
        dump_value(e, out);
      }
      out.push_back('}');
      break;
    }
    default:
      // Floats, binary and discarded values never come out of parse_json;
      // code that builds documents uses integers only.
      out += "null";
  }
}

}  // namespace

Result<Json> parse_json(std::string_view text) {
  if (text.size() > kMaxJsonBytes) {
    return fail("non_canonical_json",
                "larger than " + std::to_string(kMaxJsonBytes >> 20) + " MiB");
  }
  if (text.find('\0') != std::string_view::npos) {
    return fail("non_canonical_json", "a NUL byte (a string escapes it as \\u0000)");
  }
  StrictSax sax;
  const bool ok =
      Json::sax_parse(text.begin(), text.end(), &sax, nlohmann::json::input_format_t::json,
                      /*strict=*/true, /*ignore_comments=*/false);
  if (!ok || !sax.error.empty()) {
    return fail("non_canonical_json", sax.error.empty() ? "not JSON" : sax.error);
  }
  return std::move(sax.root);
}

Result<Json> parse_canonical(std::string_view bytes) {
  Result<Json> v = parse_json(bytes);
  if (!v) return v;
  if (canonical_dump(*v) != bytes) {
    return fail("non_canonical_json", "bytes differ from their canonical form");
  }
  return v;
}

std::string canonical_dump(const Json& value) {
  std::string out;
  dump_value(value, out);
  return out;
}

Result<const Json*> get_member(const Json& obj, std::string_view key, std::string_view field) {
  if (!obj.is_object()) return fail("malformed", std::string(field) + " is not an object");
  auto it = obj.find(key);
  if (it == obj.end()) {
    return fail("malformed", "missing " + std::string(field) + "." + std::string(key));
  }
  return &*it;
}

Result<std::string> get_string(const Json& obj, std::string_view key, std::string_view field) {
  auto m = get_member(obj, key, field);
  if (!m) return m.error();
  if (!(*m)->is_string()) {
    return fail("malformed", std::string(field) + "." + std::string(key) + " is not a string");
  }
  return (*m)->get_ref<const std::string&>();
}

Result<int64_t> get_int(const Json& obj, std::string_view key, std::string_view field) {
  auto m = get_member(obj, key, field);
  if (!m) return m.error();
  if ((*m)->is_number_integer()) return (*m)->get<int64_t>();
  return fail("malformed", std::string(field) + "." + std::string(key) + " is not an integer");
}

Result<bool> get_bool(const Json& obj, std::string_view key, std::string_view field) {
  auto m = get_member(obj, key, field);
  if (!m) return m.error();
  if (!(*m)->is_boolean()) {
    return fail("malformed", std::string(field) + "." + std::string(key) + " is not a boolean");
  }
  return (*m)->get<bool>();
}

Status require_keys(const Json& obj, std::initializer_list<std::string_view> keys,
                    std::string_view field) {
  if (!obj.is_object()) return fail("malformed", std::string(field) + " is not an object");
  for (std::string_view k : keys) {
    if (obj.find(k) == obj.end()) {
      return fail("malformed", "missing " + std::string(field) + "." + std::string(k));
    }
  }
  if (obj.size() != keys.size()) {
    for (const auto& [k, v] : obj.items()) {
      bool known = false;
      for (std::string_view want : keys) known = known || k == want;
      if (!known) return fail("malformed", "unknown key " + std::string(field) + "." + k);
    }
  }
  return Status::Ok();
}

}  // namespace isoloir
