// Small Status helpers missing from abseil 20220623 (no RETURN_IF_ERROR / ASSIGN_OR_RETURN).
#ifndef CIFARBENCH_CORE_STATUS_MACROS_H_
#define CIFARBENCH_CORE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define CB_CONCAT_INNER_(a, b) a##b
#define CB_CONCAT_(a, b) CB_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (an absl::Status) is not OK.
#define CB_RETURN_IF_ERROR(expr)                    \
  do {                                              \
    ::absl::Status cb_status_ = (expr);             \
    if (!cb_status_.ok()) return cb_status_;        \
  } while (0)

// `lhs = value of expr` where expr is an absl::StatusOr<T>; returns its status if not OK.
#define CB_ASSIGN_OR_RETURN(lhs, expr) \
  CB_ASSIGN_OR_RETURN_IMPL_(CB_CONCAT_(cb_statusor_, __LINE__), lhs, expr)
#define CB_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

#endif  // CIFARBENCH_CORE_STATUS_MACROS_H_
