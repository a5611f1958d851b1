//! Long work the window can stop: [`TaskSlot`], one running task of a kind and the handle that steers it.

use clipdex_library::ErrorCode;
use std::sync::{Mutex, MutexGuard};

use clipdex_library::Cancel;

use crate::error::IpcError;

/// At most one running task of a kind (indexing, a model download or switch,
/// a region heatmap, the watcher), with the [`Cancel`] that stops or pauses it.
///
/// A slot is either exclusive (a second task is refused while one runs:
/// [`TaskSlot::begin_exclusive`]) or replacing (a newer task cancels the older:
/// [`TaskSlot::begin_replacing`]), by how its call sites begin tasks.
#[derive(Default)]
pub struct TaskSlot(Mutex<Option<Cancel>>);

impl TaskSlot {
    /// The slot's contents; a thread that panicked holding the lock left a
    /// handle that is still valid, so the poison is ignored.
    fn lock(&self) -> MutexGuard<'_, Option<Cancel>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes the slot for a new task, or refuses with the code `busy` and the
    /// message `busy` while another task holds it.
    pub fn begin_exclusive(&self, busy: &str) -> Result<Cancel, IpcError> {
        let mut slot = self.lock();
        if slot.is_some() {
            return Err(IpcError::new(ErrorCode::Busy, busy));
        }
        let cancel = Cancel::new();
        *slot = Some(cancel.clone());
        Ok(cancel)
    }

    /// Runs `task` holding the slot (refused with `busy` while another task
    /// holds it), and frees the slot when it ends, however it ends.
    pub async fn exclusive<T, Fut>(&self, busy: &str, task: impl FnOnce(Cancel) -> Fut) -> Result<T, IpcError>
    where
        Fut: std::future::Future<Output = Result<T, IpcError>>,
    {
        let cancel = self.begin_exclusive(busy)?;
        let result = task(cancel.clone()).await;
        self.finish(&cancel);
        result
    }

    /// Takes the slot for a new task; a task that held it is cancelled (a
    /// newer request replaces an older one).
    pub fn begin_replacing(&self) -> Cancel {
        let cancel = Cancel::new();
        if let Some(old) = self.lock().replace(cancel.clone()) {
            old.cancel();
        }
        cancel
    }

    /// Frees the slot when `cancel`'s task is done, unless a newer task has
    /// taken it since (or it was cleared by [`TaskSlot::cancel_and_clear`]).
    pub fn finish(&self, cancel: &Cancel) {
        let mut slot = self.lock();
        if slot.as_ref().is_some_and(|c| c.same_as(cancel)) {
            *slot = None;
        }
    }

    /// Whether a task holds the slot.
    pub fn is_running(&self) -> bool {
        self.lock().is_some()
    }

    /// The running task's handle, if a task holds the slot.
    pub fn current(&self) -> Option<Cancel> {
        self.lock().as_ref().cloned()
    }

    /// Asks the running task to stop; it holds the slot until it finishes.
    /// Returns whether one was running.
    pub fn cancel(&self) -> bool {
        match self.lock().as_ref() {
            Some(c) => {
                c.cancel();
                true
            }
            None => false,
        }
    }

    /// Asks the running task to stop and frees the slot at once. Returns
    /// whether one was running.
    pub fn cancel_and_clear(&self) -> bool {
        match self.lock().take() {
            Some(c) => {
                c.cancel();
                true
            }
            None => false,
        }
    }

    /// Pauses (`true`) or resumes (`false`) the running task at its next
    /// batch. Returns whether one was running.
    pub fn pause(&self, paused: bool) -> bool {
        match self.lock().as_ref() {
            Some(c) if paused => {
                c.pause();
                true
            }
            Some(c) => {
                c.resume();
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exclusive_slot_refuses_a_second_task_until_the_first_finishes() {
        let slot = TaskSlot::default();
        let first = slot.begin_exclusive("one at a time").expect("free");
        let err = slot.begin_exclusive("one at a time").expect_err("taken");
        assert_eq!(err, IpcError::new(ErrorCode::Busy, "one at a time"));
        // Cancelling asks the task to stop; it keeps the slot until it finishes.
        assert!(slot.cancel() && first.is_cancelled() && slot.is_running());
        slot.finish(&first);
        assert!(!slot.is_running() && !slot.cancel());
        slot.begin_exclusive("one at a time").expect("free again");
    }

    #[test]
    fn a_newer_task_replaces_and_cancels_the_older() {
        let slot = TaskSlot::default();
        let old = slot.begin_replacing();
        let new = slot.begin_replacing();
        assert!(old.is_cancelled() && !new.is_cancelled());
        // The older task finishing leaves the newer one in the slot.
        slot.finish(&old);
        assert!(slot.current().is_some_and(|c| c.same_as(&new)));
        assert!(slot.cancel_and_clear() && new.is_cancelled() && !slot.is_running());
        assert!(!slot.cancel_and_clear());
    }

    #[test]
    fn pausing_reaches_the_running_task_only() {
        let slot = TaskSlot::default();
        assert!(!slot.pause(true));
        let task = slot.begin_replacing();
        assert!(slot.pause(true) && task.is_paused());
        assert!(slot.pause(false) && !task.is_paused());
    }
}
