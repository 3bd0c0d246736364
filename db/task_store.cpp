#include "db/task_store.h"

namespace ruru::db {

std::string_view ToString(TaskState state) {
  switch (state) {
    case TaskState::kQueued:
      return "queued";
    case TaskState::kRunning:
      return "running";
    case TaskState::kDone:
      return "done";
    case TaskState::kFault:
      return "fault";
    case TaskState::kExpired:
      return "expired";
    case TaskState::kCancelled:
      return "cancelled";
  }
  return "queued";
}

std::optional<TaskState> ParseTaskState(std::string_view text) {
  for (TaskState s : {TaskState::kQueued, TaskState::kRunning, TaskState::kDone, TaskState::kFault, TaskState::kExpired,
                      TaskState::kCancelled}) {
    if (ToString(s) == text) return s;
  }
  return std::nullopt;
}

std::string_view ToString(TaskPhase phase) {
  switch (phase) {
    case TaskPhase::kNone:
      return "";
    case TaskPhase::kClaimed:
      return "claimed";
    case TaskPhase::kSent:
      return "sent";
    case TaskPhase::kAwaiting:
      return "awaiting";
  }
  return "";
}

std::optional<TaskPhase> ParseTaskPhase(std::string_view text) {
  for (TaskPhase p : {TaskPhase::kNone, TaskPhase::kClaimed, TaskPhase::kSent, TaskPhase::kAwaiting}) {
    if (ToString(p) == text) return p;
  }
  return std::nullopt;
}

}  // namespace ruru::db
