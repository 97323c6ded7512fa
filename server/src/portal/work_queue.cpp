// The portal's background work: one thread, a bounded queue, on Asio's
// thread_pool (already here for the transport) rather than a queue of our
// own. Used for what a request must not wait for because its time would
// tell something (issue 9, finding 5: whether an identifier is an elector).
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdio>
#include <exception>

#include "portal/work_queue.h"

namespace isoloir::portal {

struct WorkQueue::Pool {
  boost::asio::thread_pool threads{1};
};

WorkQueue::WorkQueue(size_t capacity) : pool_(std::make_unique<Pool>()), capacity_(capacity) {}

WorkQueue::~WorkQueue() {
  drain();
}

void WorkQueue::drain() {
  if (pool_) pool_->threads.join();
}

bool WorkQueue::post(std::function<void()> job) {
  // Counted before the post, so that at most `capacity_` jobs ever wait.
  if (pending_.fetch_add(1) >= capacity_) {
    pending_.fetch_sub(1);
    return false;
  }
  boost::asio::post(pool_->threads, [this, job = std::move(job)] {
    try {
      job();
    } catch (const std::exception& e) {
      // The jobs return errors as values; this is a bug, said and survived.
      std::fprintf(stderr, "isoloir: background job failed: %s\n", e.what());
    }
    {
      const std::lock_guard<std::mutex> lock(idle_mu_);
      pending_.fetch_sub(1);
    }
    idle_.notify_all();
  });
  return true;
}

void WorkQueue::wait_idle() {
  std::unique_lock<std::mutex> lock(idle_mu_);
  idle_.wait(lock, [this] { return pending_.load() == 0; });
}

size_t WorkQueue::pending() const {
  return pending_.load();
}

}  // namespace isoloir::portal
