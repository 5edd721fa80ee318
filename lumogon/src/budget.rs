//! How much of a container's files a scan may hold in memory at once.
//!
//! Every archive read reserves what the archive's first header announces
//! (a file's size, or the read's cap for a directory) before it takes in
//! more, and keeps the reservation until its bytes are parsed and dropped,
//! so that the reads in flight can never add up past the budget, whatever
//! the containers hold. A read reserves once and never while holding
//! another reservation, so reads cannot wait on each other in a cycle; and
//! a stream that stalls holds only what it announced.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Reservations are counted in KiB, which keeps the largest (64 MiB) well
/// inside the `u32` that tokio's semaphore takes.
const UNIT: u64 = 1024;

/// A read holds two copies of what it read at one moment (the archive's
/// chunks and the file taken out of them; then the file and SQLite's copy
/// of it), so it reserves twice its cap.
const COPIES: u64 = 2;

/// Everything reads may hold at once: room for one of the largest (an rpm
/// database, 64 MiB) beside one of the next size (a package list, 16 MiB),
/// two copies each. With lumogon's own few MiB and SQLite's page cache, a
/// scan stays under 256 MB whatever the containers hold.
pub const BUDGET_BYTES: u64 = COPIES * 80 * 1024 * 1024;

/// The scan's shared budget.
#[derive(Debug, Clone)]
pub struct Budget(Arc<Semaphore>);

/// A reservation; dropping it gives the bytes back.
#[derive(Debug)]
pub struct Reservation(#[allow(dead_code)] Option<OwnedSemaphorePermit>);

impl Budget {
    pub fn new() -> Budget {
        Budget(Arc::new(Semaphore::new(units(BUDGET_BYTES) as usize)))
    }

    /// Waits until a read of at most `cap` bytes can be held. A cap above
    /// the whole budget takes the whole budget.
    pub async fn reserve(&self, cap: u64) -> Reservation {
        let wanted = units(cap.saturating_mul(COPIES).min(BUDGET_BYTES)).max(1);
        // The semaphore is never closed, so acquiring cannot fail; if it
        // ever were, reading without a reservation beats failing the scan.
        Reservation(Arc::clone(&self.0).acquire_many_owned(wanted).await.ok())
    }
}

/// Bytes read out of a container, with the part of the scan's memory budget
/// they hold until dropped.
#[derive(Debug)]
pub struct Held<T> {
    pub value: T,
    /// Given back when the bytes are dropped.
    pub reservation: Reservation,
}

impl<T> Held<T> {
    /// The bytes and their reservation apart, to hand the bytes on (to
    /// SQLite) while the reservation is kept until the work is done.
    pub fn into_parts(self) -> (T, Reservation) {
        (self.value, self.reservation)
    }
}

fn units(bytes: u64) -> u32 {
    u32::try_from(bytes.div_ceil(UNIT)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_that_do_not_fit_together_wait_for_each_other() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            let budget = Budget::new();
            let big = budget.reserve(64 << 20).await;
            let medium = budget.reserve(16 << 20).await;
            // Nothing is left: a further reservation waits until one is
            // given back.
            let waiting = tokio::time::timeout(
                std::time::Duration::from_millis(20),
                budget.reserve(1 << 20),
            )
            .await;
            assert!(waiting.is_err(), "the budget was overdrawn");
            drop(medium);
            let _small = budget.reserve(1 << 20).await;
            drop(big);
            // A cap larger than the whole budget still gets through alone.
            drop(_small);
            let _all = budget.reserve(u64::MAX).await;
        });
    }
}
