#pragma once
// Errors: VIT_CHECK(cond, parts...) throws vit::Error with a sentence built from `parts` and the
// file/line where the check failed. Used for every user-facing precondition; never assert().
#include <sstream>
#include <stdexcept>
#include <string>

namespace vit {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] void throw_error(const char* file, int line, const std::string& message);

namespace detail {
template <typename... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}
}  // namespace detail

}  // namespace vit

#define VIT_CHECK(cond, ...)                                                     \
  do {                                                                           \
    if (!(cond)) ::vit::throw_error(__FILE__, __LINE__, ::vit::detail::concat(__VA_ARGS__)); \
  } while (0)

#define VIT_FAIL(...) ::vit::throw_error(__FILE__, __LINE__, ::vit::detail::concat(__VA_ARGS__))
