#include "isoloir/vartime.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "ge25519.h"

namespace isoloir {

namespace {

constexpr size_t kBits = 256;
constexpr size_t kQuarterBits = kBits / VartimeMultiples::kQuarters;
static_assert(sizeof(ge25519_cached) == 20 * sizeof(uint64_t), "libsodium's ge25519_cached");

}  // namespace

std::array<int16_t, 256> vartime_naf(const Scalar& s, unsigned width) {
  // The usual right-to-left recoding, w bits at a time: an odd window
  // becomes a digit in (-2^(w-1), 2^(w-1)) and carries into the next bits.
  // A reduced scalar is below 2^253, so the digits end by bit 253.
  std::array<uint64_t, 5> words{};
  std::memcpy(words.data(), s.bytes().data(), 32);
  std::array<int16_t, kBits> naf{};
  const uint64_t full = uint64_t{1} << width;
  const uint64_t mask = full - 1;
  uint64_t carry = 0;
  size_t pos = 0;
  while (pos < kBits) {
    const size_t w = pos / 64;
    const size_t bit = pos % 64;
    uint64_t window = words[w] >> bit;
    if (bit + width > 64) window |= words[w + 1] << (64 - bit);
    window = carry + (window & mask);
    if ((window & 1) == 0) {
      ++pos;
      continue;
    }
    if (window < full / 2) {
      carry = 0;
      naf[pos] = static_cast<int16_t>(window);
    } else {
      carry = 1;
      naf[pos] = static_cast<int16_t>(static_cast<int64_t>(window) - static_cast<int64_t>(full));
    }
    pos += width;
  }
  return naf;
}

VartimeMultiples::VartimeMultiples(unsigned width)
    : width_(width == kWide ? kWide : kNarrow),
      odd_(size_t{1} << (width_ - 2)),
      m_(kQuarters * odd_) {}

VartimeMultiples::VartimeMultiples(const Point& p, unsigned width) : VartimeMultiples(width) {
  ge25519_p3 q = internal::PointAccess::p3(p);  // 2^(64k) p
  for (size_t k = 0; k < kQuarters; ++k) {
    fill_quarter(k, internal::PointAccess::point(q));
    if (k + 1 == kQuarters) break;
    ge25519_p1p1 t;
    ge25519_p2 r;
    isoloir_ge25519_p3_to_p2(&r, &q);
    for (size_t i = 0; i + 1 < kQuarterBits; ++i) {
      isoloir_ge25519_p2_dbl(&t, &r);
      isoloir_ge25519_p1p1_to_p2(&r, &t);
    }
    isoloir_ge25519_p2_dbl(&t, &r);
    isoloir_ge25519_p1p1_to_p3(&q, &t);
  }
}

VartimeMultiples VartimeMultiples::of_sum(std::span<const VartimeMultiples> parts, unsigned width) {
  // 2^(64k) (p_1 + ... + p_n) = 2^(64k) p_1 + ... + 2^(64k) p_n: each
  // quarter's point is n additions of the parts' instead of 64 doublings.
  VartimeMultiples out(width);
  for (size_t k = 0; k < kQuarters; ++k) {
    ge25519_p3 q = internal::PointAccess::p3(Point::identity());
    ge25519_cached c;
    for (const VartimeMultiples& part : parts) {
      std::memcpy(&c, part.m_[k * part.odd_].data(), sizeof c);
      isoloir_ge25519_add_p3(&q, &c);
    }
    out.fill_quarter(k, internal::PointAccess::point(q));
  }
  return out;
}

void VartimeMultiples::fill_quarter(size_t k, const Point& point) {
  // q, 3q, 5q, ...: each the last plus 2q.
  const ge25519_p3 q = internal::PointAccess::p3(point);
  ge25519_p1p1 t;
  ge25519_p3 twice;
  ge25519_cached c;
  ge25519_p3_to_cached(&c, &q);
  std::memcpy(m_[k * odd_].data(), &c, sizeof c);
  isoloir_ge25519_p3_dbl(&t, &q);
  isoloir_ge25519_p1p1_to_p3(&twice, &t);
  for (size_t j = 1; j < odd_; ++j) {
    isoloir_ge25519_add_cached(&c, &twice, &c);
    std::memcpy(m_[k * odd_ + j].data(), &c, sizeof c);
  }
}

VartimeMultiples::Digits::Digits(const Scalar& s, unsigned width)
    : scalar_(s), width_(width == kWide ? kWide : kNarrow) {
  // Step i of quarter k is bit 64k + i: read the steps from the top, the
  // quarters in order, as the sum adds them.
  const std::array<int16_t, kBits> naf = vartime_naf(s, width_);
  const size_t odd = size_t{1} << (width_ - 2);
  for (size_t i = kQuarterBits; i-- > 0;) {
    for (size_t k = 0; k < kQuarters; ++k) {
      const int d = naf[k * kQuarterBits + i];
      if (d == 0) continue;
      d_[count_++] =
          Digit{static_cast<uint8_t>(i), static_cast<uint8_t>(d < 0 ? 1 : 0),
                static_cast<uint16_t>(k * odd + static_cast<size_t>((d < 0 ? -d : d) / 2))};
    }
  }
}

Point VartimeMultiples::sum(std::initializer_list<Term> terms) {
  return sum_of(std::span<const Term>(terms.begin(), terms.size()));
}

Point VartimeMultiples::sum_of(std::span<const Term> terms) {
  constexpr size_t kMaxTerms = 4;
  if (terms.size() > kMaxTerms) {  // never at the verifier's call sites (three at most)
    return sum_of(terms.first(kMaxTerms)) + sum_of(terms.subspan(kMaxTerms));
  }
  // Digits made for a base of another width are made again for this one.
  std::array<const Digits*, kMaxTerms> digits{};
  std::array<std::optional<Digits>, kMaxTerms> remade;
  std::array<size_t, kMaxTerms> next{};
  size_t steps = 0;
  for (size_t j = 0; j < terms.size(); ++j) {
    digits[j] = &terms[j].digits;
    if (digits[j]->width_ != terms[j].base.width_) {
      digits[j] = &remade[j].emplace(Digits(digits[j]->scalar_, terms[j].base.width_));
    }
    if (digits[j]->count_ > 0) steps = std::max<size_t>(steps, digits[j]->d_[0].step + 1u);
  }
  if (steps == 0) return Point::identity();
  ge25519_p2 r;
  const ge25519_p3 zero = internal::PointAccess::p3(Point::identity());
  isoloir_ge25519_p3_to_p2(&r, &zero);
  ge25519_p1p1 t;
  ge25519_cached c;
  for (size_t i = steps; i-- > 0;) {
    isoloir_ge25519_p2_dbl(&t, &r);
    for (size_t j = 0; j < terms.size(); ++j) {
      const Digits& d = *digits[j];
      for (; next[j] < d.count_ && d.d_[next[j]].step == i; ++next[j]) {
        const auto& digit = d.d_[next[j]];
        std::memcpy(&c, terms[j].base.m_[digit.index].data(), sizeof c);
        isoloir_ge25519_p1p1_add(&t, &c, digit.negative);
      }
    }
    if (i > 0) isoloir_ge25519_p1p1_to_p2(&r, &t);
  }
  ge25519_p3 out;
  isoloir_ge25519_p1p1_to_p3(&out, &t);
  return internal::PointAccess::point(out);
}

}  // namespace isoloir
