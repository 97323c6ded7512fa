// Small text checks the server's files share (private to server/src):
// identifiers compared without case, strict UTF-8.
#ifndef ISOLOIR_SERVER_TEXT_H_
#define ISOLOIR_SERVER_TEXT_H_

#include <string>
#include <string_view>

namespace isoloir::text {

// ASCII letters lower-cased, every other byte kept: identifiers are e-mail
// addresses, compared without case.
std::string lower_ascii(std::string_view s);

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF,
// no truncated sequence.
bool valid_utf8(std::string_view s);

// A NUMEN's form: 13 digits or upper-case letters.
bool valid_numen(std::string_view s);

// The first 10 characters of a French social-security number (NIR): digits,
// except the department (characters 6 and 7) which is "2A" or "2B" for
// Corsica.
bool valid_nir10(std::string_view s);

}  // namespace isoloir::text

#endif  // ISOLOIR_SERVER_TEXT_H_
