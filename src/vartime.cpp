#include "isoloir/vartime.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <optional>
#include <vector>

#include "ge25519.h"

namespace isoloir {

namespace {

constexpr size_t kBits = 256;
constexpr size_t kQuarterBits = kBits / VartimeMultiples::kQuarters;
// Digits' room (kMax, kPerQuarter) assumes no width below 4, and its 16-bit
// index a table of at most 65,536 multiples.
static_assert(VartimeMultiples::kNarrow >= 4 && VartimeMultiples::kWide >= 4);
static_assert(VartimeMultiples::kQuarters << (VartimeMultiples::kWide - 2) <= 65536);
// Digits marks a quarter's steps in one 64-bit word.
static_assert(kQuarterBits <= 64);

// The widths taken: kWide, or kNarrow for anything else.
unsigned taken_width(unsigned width) {
  return width == VartimeMultiples::kWide ? VartimeMultiples::kWide : VartimeMultiples::kNarrow;
}

// Odd multiples per quarter in a width: 1, 3, ..., 2^(width - 1) - 1.
size_t odd_multiples(unsigned width) {
  return size_t{1} << (width - 2);
}

// out[j] = (2j + 1) q for j < n: each the last plus 2q. Returns 2q, the
// first of the doublings to the next quarter.
ge25519_p3 fill_odd_multiples(ge25519_cached* out, size_t n, const ge25519_p3& q) {
  ge25519_p1p1 t;
  ge25519_p3 twice;
  ge25519_p3_to_cached(&out[0], &q);
  isoloir_ge25519_p3_dbl(&t, &q);
  isoloir_ge25519_p1p1_to_p3(&twice, &t);
  for (size_t j = 1; j < n; ++j) isoloir_ge25519_add_cached(&out[j], &twice, &out[j - 1]);
  return twice;
}

}  // namespace

struct VartimeMultiples::Multiples {
  std::vector<ge25519_cached> at;
};

namespace {

// Calls emit(position, digit) for each nonzero digit of s's width-w NAF, from
// the lowest. The usual right-to-left recoding, w bits at a time: an odd
// window becomes a digit in (-2^(w-1), 2^(w-1)) and carries into the next
// bits; runs of zeros without a carry are skipped a word at a time. A
// reduced scalar is below 2^253, so the digits end by bit 253.
template <class Emit>
void each_naf_digit(const Scalar& s, unsigned width, Emit&& emit) {
  std::array<uint64_t, 5> words{};
  std::memcpy(words.data(), s.bytes().data(), 32);
  const uint64_t full = uint64_t{1} << width;
  const uint64_t mask = full - 1;
  uint64_t carry = 0;
  size_t pos = 0;
  while (pos < kBits) {
    if (carry == 0) {  // on to the next bit set
      size_t w = pos / 64;
      uint64_t rest = words[w] >> (pos % 64);
      while (rest == 0) {
        if (++w == kBits / 64) return;
        pos = w * 64;
        rest = words[w];
      }
      pos += static_cast<size_t>(std::countr_zero(rest));
    }
    const size_t w = pos / 64;
    const size_t bit = pos % 64;
    uint64_t window = words[w] >> bit;
    if (bit + width > 64) window |= words[w + 1] << (64 - bit);
    window = carry + (window & mask);
    if ((window & 1) == 0) {  // a carry through a one
      ++pos;
      continue;
    }
    if (window < full / 2) {
      carry = 0;
      emit(pos, static_cast<int>(window));
    } else {
      carry = 1;
      emit(pos, static_cast<int>(static_cast<int64_t>(window) - static_cast<int64_t>(full)));
    }
    pos += width;
  }
}

}  // namespace

std::array<int16_t, 256> vartime_naf(const Scalar& s, unsigned width) {
  std::array<int16_t, kBits> naf{};
  each_naf_digit(s, width, [&naf](size_t pos, int d) { naf[pos] = static_cast<int16_t>(d); });
  return naf;
}

VartimeMultiples::VartimeMultiples(unsigned width)
    : width_(taken_width(width)), m_(std::make_unique<Multiples>()) {
  m_->at.resize(kQuarters * odd_multiples(width_));
}

VartimeMultiples::~VartimeMultiples() = default;
VartimeMultiples::VartimeMultiples(VartimeMultiples&&) noexcept = default;
VartimeMultiples& VartimeMultiples::operator=(VartimeMultiples&&) noexcept = default;

VartimeMultiples::VartimeMultiples(const Point& p, unsigned width) : VartimeMultiples(width) {
  const size_t odd = odd_multiples(width_);
  ge25519_p3 q = internal::PointAccess::p3(p);  // 2^(64k) p
  for (size_t k = 0; k < kQuarters; ++k) {
    const ge25519_p3 twice = fill_odd_multiples(&m_->at[k * odd], odd, q);
    if (k + 1 == kQuarters) break;
    q = twice;  // the first of the quarter's 64 doublings, done for its multiples
    isoloir_ge25519_p3_dbl_times(&q, kQuarterBits - 1);
  }
}

VartimeMultiples VartimeMultiples::of_sum(std::span<const VartimeMultiples> parts, unsigned width) {
  // 2^(64k) (p_1 + ... + p_n) = 2^(64k) p_1 + ... + 2^(64k) p_n: each
  // quarter's point is n additions of the parts' instead of 64 doublings.
  VartimeMultiples out(width);
  const size_t odd = odd_multiples(out.width_);
  for (size_t k = 0; k < kQuarters; ++k) {
    ge25519_p3 q = internal::PointAccess::p3(Point::identity());
    for (const VartimeMultiples& part : parts) {
      isoloir_ge25519_add_p3(&q, &part.m_->at[k * odd_multiples(part.width_)]);
    }
    fill_odd_multiples(&out.m_->at[k * odd], odd, q);
  }
  return out;
}

VartimeMultiples::Digits::Digits(const Scalar& s, unsigned width)
    : scalar_(s), width_(taken_width(width)) {
  // Step i of quarter k is bit 64k + i. Each quarter's digits come in
  // rising steps, at most one a step; the sum reads them from the top step
  // down, the quarters in order within a step. `marked[k]` has bit i set
  // where quarter k has a digit at step i; at each step marked in some
  // quarter, from the top, each quarter marked there gives its last digit.
  constexpr size_t kPerQuarter = kQuarterBits / kNarrow + 1;
  std::array<std::array<Digit, kPerQuarter>, kQuarters> quarter{};
  std::array<size_t, kQuarters> n{};
  std::array<uint64_t, kQuarters> marked{};
  const size_t odd = odd_multiples(width_);
  each_naf_digit(s, width_, [&](size_t pos, int d) {
    const size_t k = pos / kQuarterBits;
    const size_t step = pos % kQuarterBits;
    marked[k] |= uint64_t{1} << step;
    quarter[k][n[k]++] =
        Digit{static_cast<uint8_t>(step), static_cast<uint8_t>(d < 0 ? 1 : 0),
              static_cast<uint16_t>(k * odd + static_cast<size_t>((d < 0 ? -d : d) / 2))};
  });
  uint64_t steps = 0;
  for (const uint64_t m : marked) steps |= m;
  while (steps != 0) {
    const uint64_t top = std::bit_floor(steps);  // the highest step left
    steps ^= top;
    for (size_t k = 0; k < kQuarters; ++k) {
      if ((marked[k] & top) != 0) d_[count_++] = quarter[k][--n[k]];
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
  for (size_t i = steps; i-- > 0;) {
    isoloir_ge25519_p2_dbl(&t, &r);
    for (size_t j = 0; j < terms.size(); ++j) {
      const Digits& d = *digits[j];
      for (; next[j] < d.count_ && d.d_[next[j]].step == i; ++next[j]) {
        const auto& digit = d.d_[next[j]];
        isoloir_ge25519_p1p1_add(&t, &terms[j].base.m_->at[digit.index], digit.negative);
      }
    }
    if (i > 0) isoloir_ge25519_p1p1_to_p2(&r, &t);
  }
  ge25519_p3 out;
  isoloir_ge25519_p1p1_to_p3(&out, &t);
  return internal::PointAccess::point(out);
}

}  // namespace isoloir
