// Jobs run one after another on one background thread, in the order posted
// (private to the portal: the links mailed off the request's path).
#ifndef ISOLOIR_PORTAL_WORK_QUEUE_H_
#define ISOLOIR_PORTAL_WORK_QUEUE_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>

namespace isoloir::portal {

// At most `capacity` jobs wait (post answers false beyond, and the job is
// not taken). The destructor (or drain) runs every job already posted, so a
// graceful stop sends every link asked for.
class WorkQueue {
 public:
  explicit WorkQueue(size_t capacity);
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  bool post(std::function<void()> job);
  size_t pending() const;
  // Waits until no job is waiting or running; posting may go on.
  void wait_idle();
  // Waits for every job posted so far; no job may be posted afterwards.
  void drain();

 private:
  struct Pool;
  std::unique_ptr<Pool> pool_;
  const size_t capacity_;
  std::atomic<size_t> pending_{0};
  std::mutex idle_mu_;
  std::condition_variable idle_;
};

}  // namespace isoloir::portal

#endif  // ISOLOIR_PORTAL_WORK_QUEUE_H_
