//! A retry budget shared by many calls, so that retries stop feeding an
//! outage.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::config::ConfigError;

/// Milli-tokens per token: the budget counts in thousandths.
const SCALE: f64 = 1000.0;

/// A pool of retry tokens shared by every call that holds it.
///
/// It works like gRPC's retry throttling: the pool starts full with
/// `max_tokens`; every failed attempt takes one token, every success gives
/// back `refill_ratio` tokens, and a retry is only allowed while more than
/// half of the pool is left. When a whole fleet starts failing, the pool
/// drains and calls return their first error instead of multiplying the
/// load on a struggling service; as successes return, retries come back.
///
/// The budget is off unless a configuration holds one (see
/// [`RetryConfigBuilder::budget`](crate::RetryConfigBuilder::budget)).
///
/// ```
/// use std::sync::Arc;
/// use retry_rollback::{RetryBudget, RetryConfig};
///
/// let budget = Arc::new(RetryBudget::new(10, 0.1)?);
/// let config = RetryConfig::network_operation().to_builder().budget(budget.clone()).build()?;
/// assert_eq!(budget.tokens(), 10.0);
/// # let _ = config;
/// # Ok::<(), retry_rollback::ConfigError>(())
/// ```
#[derive(Debug)]
pub struct RetryBudget {
    milli_tokens: AtomicU64,
    max: u64,
    refill: u64,
}

impl RetryBudget {
    /// A full budget of `max_tokens`, refilled by `refill_ratio` tokens on
    /// each success.
    ///
    /// # Errors
    ///
    /// [`ConfigError::ZeroBudget`] for 0 tokens and
    /// [`ConfigError::BudgetRatio`] for a negative or non-finite ratio.
    pub fn new(max_tokens: u32, refill_ratio: f64) -> Result<Self, ConfigError> {
        if max_tokens == 0 {
            return Err(ConfigError::ZeroBudget);
        }
        if !refill_ratio.is_finite() || refill_ratio < 0.0 {
            return Err(ConfigError::BudgetRatio(refill_ratio));
        }
        let max = u64::from(max_tokens) * SCALE as u64;
        Ok(RetryBudget {
            milli_tokens: AtomicU64::new(max),
            max,
            refill: (refill_ratio * SCALE).round() as u64,
        })
    }

    /// The tokens left.
    pub fn tokens(&self) -> f64 {
        self.milli_tokens.load(Ordering::Relaxed) as f64 / SCALE
    }

    /// Whether a retry is allowed now: more than half the pool is left.
    pub fn allows_retry(&self) -> bool {
        self.milli_tokens.load(Ordering::Relaxed) * 2 > self.max
    }

    /// Takes one token for a failed attempt.
    pub fn record_failure(&self) {
        let step = SCALE as u64;
        let _ = self
            .milli_tokens
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |now| {
                Some(now.saturating_sub(step))
            });
    }

    /// Gives back the refill ratio for a successful attempt.
    pub fn record_success(&self) {
        let (step, max) = (self.refill, self.max);
        let _ = self
            .milli_tokens
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |now| {
                Some(now.saturating_add(step).min(max))
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_stop_at_half_and_come_back_with_successes() {
        let budget = RetryBudget::new(4, 0.5).unwrap();
        assert!(budget.allows_retry());
        budget.record_failure();
        assert!(budget.allows_retry());
        budget.record_failure();
        assert!(!budget.allows_retry(), "2 of 4 left is not more than half");
        budget.record_success();
        assert_eq!(budget.tokens(), 2.5);
        assert!(budget.allows_retry());
    }

    #[test]
    fn the_pool_never_overflows_or_underflows() {
        let budget = RetryBudget::new(1, 3.0).unwrap();
        budget.record_success();
        assert_eq!(budget.tokens(), 1.0);
        budget.record_failure();
        budget.record_failure();
        assert_eq!(budget.tokens(), 0.0);
    }

    #[test]
    fn bad_budgets_are_refused() {
        assert_eq!(
            RetryBudget::new(0, 0.1).unwrap_err(),
            ConfigError::ZeroBudget
        );
        assert!(matches!(
            RetryBudget::new(5, f64::NAN).unwrap_err(),
            ConfigError::BudgetRatio(_)
        ));
        assert_eq!(
            RetryBudget::new(5, -1.0).unwrap_err(),
            ConfigError::BudgetRatio(-1.0)
        );
    }
}
