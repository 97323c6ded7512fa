#include "isoloir/point.h"

#include <sodium.h>

#include <cstring>

#include "ge25519.h"
#include "isoloir/point_table.h"

namespace isoloir {
namespace {

using internal::load;
using internal::store;

// A scalar as libsodium's multiplications take it: the top bit cleared, as
// crypto_scalarmult_ristretto255 does (a reduced scalar never has it set).
// Wiped by the caller's destructor: the scalar may be secret.
class ScalarBytes {
 public:
  explicit ScalarBytes(const Scalar& s) {
    std::memcpy(b_, s.bytes().data(), sizeof b_);
    b_[31] &= 127;
  }
  ScalarBytes(const ScalarBytes&) = delete;
  ScalarBytes& operator=(const ScalarBytes&) = delete;
  ~ScalarBytes() { sodium_memzero(b_, sizeof b_); }
  const unsigned char* data() const { return b_; }

 private:
  unsigned char b_[32];
};

const Point::Rep& identity_rep() {
  static const Point::Rep rep = [] {
    ge25519_p3 p;
    const unsigned char zero[Point::kBytes] = {0};
    [[maybe_unused]] const int rc = isoloir_ristretto255_frombytes(&p, zero);
    return store(p);
  }();
  return rep;
}

}  // namespace

Point::Point() : rep_(identity_rep()), has_enc_(true) {}  // enc_: 32 zero bytes

Point Point::generator() {
  static const Point g = base_mul(Scalar::from_u64(1));
  return g;
}

Result<Point> Point::decode(const std::array<uint8_t, kBytes>& bytes, std::string_view field) {
  if (sodium_is_zero(bytes.data(), bytes.size()) == 1) {
    return fail("identity_point", std::string(field));
  }
  // RFC 9496 encodings have bit 255 clear; libsodium 1.0.18 ignores that bit.
  // ristretto255_frombytes is crypto_core_ristretto255_is_valid_point's check.
  ge25519_p3 p;
  if ((bytes[31] & 0x80) != 0 || isoloir_ristretto255_frombytes(&p, bytes.data()) != 0) {
    return fail("invalid_point", std::string(field));
  }
  Point out(store(p));
  out.enc_ = bytes;
  out.has_enc_ = true;
  return out;
}

Result<Point> Point::from_base64url(std::string_view text, std::string_view field) {
  auto raw = base64url_decode_fixed<kBytes>(text, field);
  if (!raw) return raw.error();
  return decode(*raw, field);
}

Point Point::from_hash(const std::array<uint8_t, 64>& h) {
  std::array<uint8_t, kBytes> bytes{};
  crypto_core_ristretto255_from_hash(bytes.data(), h.data());
  ge25519_p3 p;
  [[maybe_unused]] const int rc = isoloir_ristretto255_frombytes(&p, bytes.data());
  Point out(store(p));
  out.enc_ = bytes;
  out.has_enc_ = true;
  return out;
}

std::array<uint8_t, Point::kBytes> Point::encode() const {
  if (has_enc_) return enc_;
  std::array<uint8_t, kBytes> out{};
  const ge25519_p3 p = load(rep_);
  isoloir_ristretto255_p3_tobytes(out.data(), &p);
  return out;
}

Point Point::with_encoding() const {
  Point out = *this;
  out.enc_ = encode();
  out.has_enc_ = true;
  return out;
}

namespace {

// The Ed25519 base point B (RFC 8032 section 5.1), whose class is
// ristretto255's generator g: decoded exactly, so that the table's multiples
// are those Ed25519 signing needs too (src/ed25519.cpp).
constexpr unsigned char kBaseEdwards[Point::kBytes] = {
    0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66};

}  // namespace

// No special case for the identity anywhere below: the prover feeds these
// points derived from the vote, so a test for the identity would be a branch
// on secret data. libsodium's formulas are complete (the identity and a
// doubling go through the same code as any other sum).
const PointTable& Point::generator_table() {
  static const PointTable* const table = [] {
    ge25519_p3 b;
    [[maybe_unused]] const int rc = ge25519_frombytes(&b, kBaseEdwards);
    return new PointTable(Point(store(b)));  // once per process, never freed
  }();
  return *table;
}

Point Point::base_mul(const Scalar& s) {
  return generator_table().mul(s);
}

Point Point::mul(const Scalar& s) const {
  const ScalarBytes t(s);
  const ge25519_p3 p = load(rep_);
  ge25519_p3 r;
  ge25519_scalarmult(&r, t.data(), &p);
  return Point(store(r));
}

namespace {

// p + q or p - q (libsodium's ge25519_add or ge25519_sub, same signature).
using CachedOp = void (*)(ge25519_p1p1*, const ge25519_p3*, const ge25519_cached*);

Point::Rep combine(const Point::Rep& a, const Point::Rep& b, CachedOp op) {
  const ge25519_p3 p = load(a);
  const ge25519_p3 q = load(b);
  ge25519_cached c;
  ge25519_p3_to_cached(&c, &q);
  ge25519_p1p1 sum;
  op(&sum, &p, &c);
  ge25519_p3 r;
  ge25519_p1p1_to_p3(&r, &sum);
  return store(r);
}

}  // namespace

Point Point::operator+(const Point& o) const {
  return Point(combine(rep_, o.rep_, ge25519_add));
}

Point Point::operator-(const Point& o) const {
  return Point(combine(rep_, o.rep_, ge25519_sub));
}

bool Point::is_identity() const {
  const auto e = encode();
  return sodium_is_zero(e.data(), e.size()) == 1;
}

bool Point::operator==(const Point& o) const {
  return encode() == o.encode();
}

Point Point::select(uint8_t take, const Point& a, const Point& b) {
  const auto mask = static_cast<uint64_t>(0) - static_cast<uint64_t>(take & 1);
  Point r(a.rep_);
  for (size_t i = 0; i < r.rep_.size(); ++i) {
    r.rep_[i] = a.rep_[i] ^ (mask & (a.rep_[i] ^ b.rep_[i]));
  }
  // Whether an encoding is kept is the same for every vote (it depends on
  // how a and b were made, not on `take`).
  r.has_enc_ = a.has_enc_ && b.has_enc_;
  if (r.has_enc_) {
    const auto m8 = static_cast<uint8_t>(mask);
    for (size_t i = 0; i < kBytes; ++i) {
      r.enc_[i] = static_cast<uint8_t>(a.enc_[i] ^ (m8 & (a.enc_[i] ^ b.enc_[i])));
    }
  }
  return r;
}

}  // namespace isoloir
