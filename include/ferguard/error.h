#pragma once
/// ferguard's error model: every user error is an exception derived from ferguard::Error whose message
/// names the input, what was expected and what was got. Library code never aborts or exits.
#include <stdexcept>
#include <string>

namespace ferguard {

/// Base of every exception ferguard throws on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A caller passed a value of the wrong shape, type, range or kind (Python: ValueError).
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

/// A file could not be read or written, or its content is corrupt (Python: OSError).
class IoError : public Error {
 public:
  using Error::Error;
};

/// A model's weights are missing, corrupt or inconsistent, or a model cannot run (Python: RuntimeError).
class ModelError : public Error {
 public:
  using Error::Error;
};

}  // namespace ferguard
