// The optional postal address of the voter file `codes issue` reads
// (docs/notices.md): after the urn's columns, address_line1, address_line2,
// address_line3, postal_code and city, printed in a window envelope's zone.
// The urn never sees them: they are cut from the text before the urn's
// parser reads it, line numbers kept.
#ifndef ISOLOIR_TOOLS_POSTAL_H_
#define ISOLOIR_TOOLS_POSTAL_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "isoloir/result.h"

namespace isoloir::cli {

inline constexpr std::string_view kAddressColumns =
    "address_line1,address_line2,address_line3,postal_code,city";
// La Poste (NF Z10-011): at most 6 lines of at most 38 characters.
inline constexpr size_t kAddressLineMax = 38;
inline constexpr size_t kPostalCodeMax = 10;
inline constexpr size_t kCityMax = 27;  // "postal code city" stays within 38

struct VoterFileParts {
  std::string urn_text;  // the file without the address columns
  // One per voter record (blank lines skipped, as the urn's parser does):
  // the lines to print under the name, "postal_code city" last; empty when
  // the voter has no address.
  std::vector<std::vector<std::string>> addresses;
};

// Errors: "bad_voter_file" with "line N: <column>: <what>".
Result<VoterFileParts> split_address_columns(std::string_view text);

}  // namespace isoloir::cli

#endif  // ISOLOIR_TOOLS_POSTAL_H_
