#include "vitcuda/runtime/check.h"

#include <sstream>

namespace vit {

void throw_error(const char* file, int line, const std::string& message) {
  std::ostringstream out;
  out << message << " [" << file << ":" << line << "]";
  throw Error(out.str());
}

}  // namespace vit
