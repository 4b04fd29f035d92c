//! The SDK's async runtime, with sleeps that return at once.
//!
//! Without its `tokio` feature, `azure_core`'s default runtime sleeps on a thread for real:
//! every poll of a create would wait the engine's `Retry-After: 10`, and every retry its
//! back-off. The vault's clock is the test's ([`crate::InProcessVault::advance`]), so waiting
//! in real time buys nothing.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use azure_core::async_runtime::{
    AbortableTask, AsyncRuntime, SpawnedTask, TaskFuture, set_async_runtime,
};
use azure_core::time::Duration;

/// Sleeps and yields return at once; a spawned task runs on its own thread.
#[derive(Debug)]
struct InstantRuntime;

/// A spawned task's completion, as the `SpawnedTask` future `AsyncRuntime::spawn` returns.
struct ThreadTask(futures::channel::oneshot::Receiver<()>);

impl Future for ThreadTask {
    type Output = Result<(), Box<dyn std::error::Error + Send>>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match Pin::new(&mut self.0).poll(cx) {
            Poll::Ready(Ok(())) => Poll::Ready(Ok(())),
            Poll::Ready(Err(canceled)) => Poll::Ready(Err(Box::new(canceled))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AbortableTask for ThreadTask {
    /// A thread cannot be stopped from outside; the task runs to its end and its result is
    /// dropped.
    fn abort(&self) {}
}

impl AsyncRuntime for InstantRuntime {
    /// The Key Vault clients never spawn; a task runs to its end on its own thread, so no
    /// executor needs to be running.
    fn spawn(&self, f: TaskFuture) -> SpawnedTask {
        let (done, finished) = futures::channel::oneshot::channel();
        std::thread::spawn(move || {
            futures::executor::block_on(f);
            // The receiver is gone only when the caller dropped the task: nothing to tell.
            done.send(()).ok();
        });
        Box::pin(ThreadTask(finished))
    }

    fn sleep(&self, _duration: Duration) -> TaskFuture {
        Box::pin(std::future::ready(()))
    }

    fn yield_now(&self) -> TaskFuture {
        Box::pin(std::future::ready(()))
    }
}

/// Makes the SDK's sleeps (polling intervals, `Retry-After`, retry back-off) return at once,
/// for the whole process.
///
/// `azure_core` holds one runtime per process and takes it once, either from the first
/// `set_async_runtime` or from the first client that needs one (then its default). Returns
/// `true` when the instant runtime is in place after the call: installed now or by an earlier
/// call. `false` means another runtime was set first; the SDK then sleeps for real (a create
/// polls every 10 seconds), though answers are the same. [`crate::InProcessVault::new`] calls
/// this; call it first thing in a test binary that builds SDK clients elsewhere too.
pub fn install_instant_runtime() -> bool {
    // The first call's answer is the answer for good: `azure_core` takes a runtime once.
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    *INSTALLED.get_or_init(|| set_async_runtime(Arc::new(InstantRuntime)).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleeps_return_at_once_and_spawned_tasks_finish() {
        assert!(install_instant_runtime());
        assert!(install_instant_runtime(), "a second call reports the same");
        let runtime = azure_core::async_runtime::get_async_runtime();
        let started = std::time::Instant::now();
        futures::executor::block_on(runtime.sleep(Duration::hours(1)));
        futures::executor::block_on(runtime.yield_now());
        assert!(started.elapsed() < std::time::Duration::from_secs(5));

        let (tx, rx) = std::sync::mpsc::channel();
        let task = runtime.spawn(Box::pin(async move {
            tx.send(7).ok();
        }));
        assert!(futures::executor::block_on(task).is_ok());
        assert_eq!(rx.recv().ok(), Some(7));
    }
}
