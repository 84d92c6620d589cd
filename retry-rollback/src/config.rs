//! The retry configuration: presets, the builder and its validation.

use std::sync::Arc;
use std::time::Duration;

use crate::budget::RetryBudget;
use crate::delays::{Delays, Jitter};

/// How an operation is retried: how many attempts, how long to wait between
/// them, and when to give up.
///
/// A `RetryConfig` is always valid: it comes from a preset, from
/// [`Default`], or from [`RetryConfigBuilder::build`], which refuses bad
/// values with a [`ConfigError`] rather than clamping them.
///
/// # Presets
///
/// | preset | attempts | initial delay | max delay | factor |
/// |---|---|---|---|---|
/// | [`RetryConfig::default()`] | 3 | 1 s | 60 s | 2.0 |
/// | [`RetryConfig::aggressive()`] | 5 | 0.5 s | 10 s | 2.0 |
/// | [`RetryConfig::conservative()`] | 3 | 2 s | 60 s | 2.0 |
/// | [`RetryConfig::network_operation()`] | 4 | 1 s | 20 s | 2.0 |
/// | [`RetryConfig::file_operation()`] | 3 | 0.5 s | 5 s | 2.0 |
///
/// None of them has jitter, a deadline, a per-attempt timeout or a budget.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use retry_rollback::{Jitter, RetryConfig};
///
/// let config = RetryConfig::network_operation()
///     .to_builder()
///     .jitter(Jitter::Full)
///     .deadline(Duration::from_secs(45))
///     .build()?;
/// assert_eq!(config.max_attempts(), 4);
/// assert_eq!(config.deadline(), Some(Duration::from_secs(45)));
/// # Ok::<(), retry_rollback::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
pub struct RetryConfig {
    pub(crate) max_attempts: u32,
    pub(crate) initial_delay: Duration,
    pub(crate) backoff_factor: f64,
    pub(crate) max_delay: Duration,
    pub(crate) jitter: Jitter,
    pub(crate) deadline: Option<Duration>,
    pub(crate) attempt_timeout: Option<Duration>,
    pub(crate) budget: Option<Arc<RetryBudget>>,
}

impl RetryConfig {
    const fn preset(max_attempts: u32, initial_ms: u64, max_ms: u64) -> Self {
        RetryConfig {
            max_attempts,
            initial_delay: Duration::from_millis(initial_ms),
            backoff_factor: 2.0,
            max_delay: Duration::from_millis(max_ms),
            jitter: Jitter::None,
            deadline: None,
            attempt_timeout: None,
            budget: None,
        }
    }

    /// 3 attempts, 1 s growing to at most 60 s: [`Default`] in a `const`.
    pub(crate) const fn standard() -> Self {
        Self::preset(3, 1_000, 60_000)
    }

    /// Many quick attempts: 5 attempts, 0.5 s growing to at most 10 s.
    pub const fn aggressive() -> Self {
        Self::preset(5, 500, 10_000)
    }

    /// Few patient attempts: 3 attempts, 2 s growing to at most 60 s.
    pub const fn conservative() -> Self {
        Self::preset(3, 2_000, 60_000)
    }

    /// For calls across a network: 4 attempts, 1 s growing to at most 20 s.
    pub const fn network_operation() -> Self {
        Self::preset(4, 1_000, 20_000)
    }

    /// For local file work: 3 attempts, 0.5 s growing to at most 5 s.
    pub const fn file_operation() -> Self {
        Self::preset(3, 500, 5_000)
    }

    /// A builder that starts from [`RetryConfig::default()`].
    pub fn builder() -> RetryConfigBuilder {
        RetryConfigBuilder {
            config: RetryConfig::default(),
        }
    }

    /// A builder that starts from this configuration, to override a preset.
    pub fn to_builder(&self) -> RetryConfigBuilder {
        RetryConfigBuilder {
            config: self.clone(),
        }
    }

    /// How many times the operation runs at most; the first try counts.
    pub const fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The delay before the first retry.
    pub const fn initial_delay(&self) -> Duration {
        self.initial_delay
    }

    /// How much each delay grows over the one before it.
    pub const fn backoff_factor(&self) -> f64 {
        self.backoff_factor
    }

    /// The longest delay between two attempts, jitter and growth included.
    pub const fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// How delays are randomised.
    pub const fn jitter(&self) -> Jitter {
        self.jitter
    }

    /// The time all attempts and delays together may take, counted from the
    /// start of the first attempt.
    pub const fn deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// The time one attempt may take before it is cancelled.
    pub const fn attempt_timeout(&self) -> Option<Duration> {
        self.attempt_timeout
    }

    /// The retry budget shared with other calls, if any.
    pub fn budget(&self) -> Option<&RetryBudget> {
        self.budget.as_deref()
    }

    /// Gives the budget, if any, its share of a successful call.
    #[inline]
    pub(crate) fn refill_budget(&self) {
        if let Some(budget) = self.budget() {
            budget.record_success();
        }
    }

    /// The delays before each retry, randomised by a fresh generator.
    ///
    /// The iterator yields `max_attempts() - 1` delays: there is no delay
    /// after the last attempt.
    ///
    /// ```
    /// use std::time::Duration;
    /// use retry_rollback::RetryConfig;
    ///
    /// let delays: Vec<Duration> = RetryConfig::network_operation().delays().collect();
    /// assert_eq!(delays, [Duration::from_secs(1), Duration::from_secs(2), Duration::from_secs(4)]);
    /// ```
    pub fn delays(&self) -> Delays {
        Delays::new(self, fastrand::Rng::new())
    }

    /// The delays before each retry, with jitter drawn from a generator
    /// seeded with `seed`, so the same seed gives the same schedule.
    pub fn delays_seeded(&self, seed: u64) -> Delays {
        Delays::new(self, fastrand::Rng::with_seed(seed))
    }
}

impl Default for RetryConfig {
    /// 3 attempts, 1 s initial delay, factor 2.0, at most 60 s, no jitter.
    fn default() -> Self {
        Self::standard()
    }
}

/// Builds a [`RetryConfig`], checking every value in [`build`](Self::build).
///
/// # Default
///
/// [`RetryConfig::builder()`] starts from [`RetryConfig::default()`];
/// [`RetryConfig::to_builder()`] starts from any other configuration.
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `build()` is called"]
pub struct RetryConfigBuilder {
    config: RetryConfig,
}

impl RetryConfigBuilder {
    /// How many times the operation runs at most, the first try included.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.config.max_attempts = attempts;
        self
    }

    /// The delay before the first retry.
    pub fn initial_delay(mut self, delay: Duration) -> Self {
        self.config.initial_delay = delay;
        self
    }

    /// How much each delay grows over the one before it (1.0 or more).
    pub fn backoff_factor(mut self, factor: f64) -> Self {
        self.config.backoff_factor = factor;
        self
    }

    /// The longest delay between two attempts.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.config.max_delay = delay;
        self
    }

    /// How delays are randomised.
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.config.jitter = jitter;
        self
    }

    /// The time all attempts and delays together may take.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.config.deadline = Some(deadline);
        self
    }

    /// Removes the deadline.
    pub fn no_deadline(mut self) -> Self {
        self.config.deadline = None;
        self
    }

    /// The time one attempt may take before it is cancelled.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.config.attempt_timeout = Some(timeout);
        self
    }

    /// Removes the per-attempt timeout.
    pub fn no_attempt_timeout(mut self) -> Self {
        self.config.attempt_timeout = None;
        self
    }

    /// Shares a retry budget with every other call that holds it.
    pub fn budget(mut self, budget: Arc<RetryBudget>) -> Self {
        self.config.budget = Some(budget);
        self
    }

    /// Removes the retry budget.
    pub fn no_budget(mut self) -> Self {
        self.config.budget = None;
        self
    }

    /// Checks the values and returns the configuration.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the first value that makes no sense.
    ///
    /// ```
    /// use retry_rollback::{ConfigError, RetryConfig};
    ///
    /// let error = RetryConfig::builder().max_attempts(0).build().unwrap_err();
    /// assert_eq!(error, ConfigError::ZeroAttempts);
    /// ```
    pub fn build(self) -> Result<RetryConfig, ConfigError> {
        let config = self.config;
        if config.max_attempts == 0 {
            return Err(ConfigError::ZeroAttempts);
        }
        if !config.backoff_factor.is_finite() || config.backoff_factor < 1.0 {
            return Err(ConfigError::BackoffFactor(config.backoff_factor));
        }
        if config.initial_delay > config.max_delay {
            return Err(ConfigError::InitialAboveMax {
                initial: config.initial_delay,
                max: config.max_delay,
            });
        }
        if config.deadline == Some(Duration::ZERO) {
            return Err(ConfigError::ZeroDeadline);
        }
        if config.attempt_timeout == Some(Duration::ZERO) {
            return Err(ConfigError::ZeroAttemptTimeout);
        }
        Ok(config)
    }
}

/// A value that [`RetryConfigBuilder::build`] or [`RetryBudget::new`] refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// `max_attempts` was 0; the first try counts, so 1 means "no retry".
    #[error("max_attempts must be at least 1 (the first try counts)")]
    ZeroAttempts,
    /// The backoff factor was below 1.0, NaN or infinite.
    #[error("backoff factor must be a finite number of at least 1.0, got {0}")]
    BackoffFactor(f64),
    /// The initial delay was longer than the maximum delay.
    #[error("initial delay {initial:?} is longer than max delay {max:?}")]
    InitialAboveMax {
        /// The initial delay given.
        initial: Duration,
        /// The maximum delay given.
        max: Duration,
    },
    /// The deadline was zero, so no attempt could run.
    #[error("deadline must be longer than zero")]
    ZeroDeadline,
    /// The per-attempt timeout was zero, so every attempt would time out.
    #[error("attempt timeout must be longer than zero")]
    ZeroAttemptTimeout,
    /// A retry budget was given no tokens.
    #[error("retry budget needs at least 1 token")]
    ZeroBudget,
    /// A retry budget's refill ratio was negative, NaN or infinite.
    #[error("retry budget refill ratio must be a finite number of at least 0, got {0}")]
    BudgetRatio(f64),
}
