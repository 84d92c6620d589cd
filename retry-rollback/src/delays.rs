//! The delay schedule: exponential growth, the cap, and jitter.

use std::time::Duration;

use crate::config::RetryConfig;

/// How the delay before a retry is randomised, so that many clients that
/// failed together do not retry together.
///
/// The kinds are those of the AWS Architecture Blog's study "Exponential
/// Backoff And Jitter". With `d = min(initial * factor^(n-1), max_delay)`
/// the delay before retry `n` is:
///
/// | kind | delay |
/// |---|---|
/// | `None` | `d` |
/// | `Full` | a random value in `[0, d]` |
/// | `Equal` | `d / 2` plus a random value in `[0, d / 2]` |
/// | `Decorrelated` | `min(max_delay, random in [initial, 3 * previous])`, starting from `previous = initial` |
///
/// Whatever the kind, no delay exceeds `max_delay`. `Decorrelated` grows by
/// its own rule, as in the study, and ignores the backoff factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Jitter {
    /// No randomness: the delays are exactly the exponential schedule.
    #[default]
    None,
    /// Anywhere between zero and the exponential delay.
    Full,
    /// Half the exponential delay, plus up to half again at random.
    Equal,
    /// Random between the initial delay and three times the previous delay.
    Decorrelated,
}

/// The delays before each retry of one [`RetryConfig`], in order.
///
/// Made by [`RetryConfig::delays`] or, reproducibly,
/// [`RetryConfig::delays_seeded`]. It yields `max_attempts() - 1` values.
///
/// ```
/// use std::time::Duration;
/// use retry_rollback::{Jitter, RetryConfig};
///
/// let config = RetryConfig::aggressive().to_builder().jitter(Jitter::Equal).build()?;
/// let first: Vec<Duration> = config.delays_seeded(7).collect();
/// let again: Vec<Duration> = config.delays_seeded(7).collect();
/// assert_eq!(first, again);
/// assert!(first.iter().all(|delay| *delay <= config.max_delay()));
/// # Ok::<(), retry_rollback::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Delays {
    config: RetryConfig,
    retry: u32,
    schedule: Schedule,
}

impl Delays {
    pub(crate) fn new(config: &RetryConfig, rng: fastrand::Rng) -> Self {
        Delays {
            config: config.clone(),
            retry: 0,
            schedule: Schedule::new(Some(rng)),
        }
    }
}

impl Iterator for Delays {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        if self.retry + 1 >= self.config.max_attempts {
            return None;
        }
        self.retry += 1;
        Some(self.schedule.delay(&self.config, self.retry))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = (self.config.max_attempts - 1 - self.retry) as usize;
        (left, Some(left))
    }
}

impl ExactSizeIterator for Delays {}

/// How a retry loop computes its delays, and the state it keeps for them.
pub trait Backoff {
    /// The state at the start of a loop under `config`.
    fn for_config(config: &RetryConfig) -> Self;

    /// The delay before retry number `retry`, counting from 1; called once
    /// per retry, in order.
    fn delay(&mut self, config: &RetryConfig, retry: u32) -> Duration;
}

/// Exponential delays without jitter: nothing to keep between retries.
/// Only for configurations whose jitter is [`Jitter::None`].
#[derive(Debug, Clone, Copy)]
pub struct Exponential;

impl Backoff for Exponential {
    #[inline]
    fn for_config(_: &RetryConfig) -> Self {
        Exponential
    }

    fn delay(&mut self, config: &RetryConfig, retry: u32) -> Duration {
        exponential(config, retry)
    }
}

/// Where a retry loop is in its delay schedule, for any jitter. It borrows
/// the config at each step rather than copying it, to keep the loop's
/// future small.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// The previous delay in nanoseconds, for decorrelated jitter, or 0
    /// before the first: a `u64` rather than a `Duration` to keep the loop's
    /// future small.
    previous_nanos: u64,
    /// Seeded at the first delay that needs it, so that a loop whose first
    /// attempt succeeds never pays for seeding.
    rng: Option<fastrand::Rng>,
}

impl Schedule {
    pub(crate) fn new(rng: Option<fastrand::Rng>) -> Self {
        Schedule {
            previous_nanos: 0,
            rng,
        }
    }

    fn rng(&mut self) -> &mut fastrand::Rng {
        self.rng.get_or_insert_with(fastrand::Rng::new)
    }

    /// The delay before retry number `retry`, counting from 1; called once
    /// per retry, in order.
    pub(crate) fn delay(&mut self, config: &RetryConfig, retry: u32) -> Duration {
        let delay = exponential(config, retry);
        match config.jitter {
            Jitter::None => delay,
            Jitter::Full => between(self.rng(), Duration::ZERO, delay),
            Jitter::Equal => {
                let half = delay / 2;
                half + between(self.rng(), Duration::ZERO, delay - half)
            }
            Jitter::Decorrelated => {
                let previous = match self.previous_nanos {
                    0 => config.initial_delay,
                    nanos => Duration::from_nanos(nanos),
                };
                let high = previous.saturating_mul(3);
                let next = between(self.rng(), config.initial_delay, high).min(config.max_delay);
                self.previous_nanos = nanos(next);
                next
            }
        }
    }
}

impl Backoff for Schedule {
    #[inline]
    fn for_config(_: &RetryConfig) -> Self {
        Schedule::new(None)
    }

    fn delay(&mut self, config: &RetryConfig, retry: u32) -> Duration {
        Schedule::delay(self, config, retry)
    }
}

/// A duration in whole nanoseconds, saturating at `u64::MAX` (584 years).
fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// `min(initial * factor^(retry-1), max)`, without jitter.
fn exponential(config: &RetryConfig, retry: u32) -> Duration {
    let exponent = i32::try_from(retry - 1).unwrap_or(i32::MAX);
    let scale = config.backoff_factor.powi(exponent);
    let seconds = config.initial_delay.as_secs_f64() * scale;
    if !seconds.is_finite() || seconds >= config.max_delay.as_secs_f64() {
        config.max_delay
    } else {
        config.initial_delay.mul_f64(scale).min(config.max_delay)
    }
}

/// A random duration in `[low, high]`.
fn between(rng: &mut fastrand::Rng, low: Duration, high: Duration) -> Duration {
    if high <= low {
        return low;
    }
    low + (high - low).mul_f64(rng.f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(values: &[f64]) -> Vec<Duration> {
        values.iter().map(|s| Duration::from_secs_f64(*s)).collect()
    }

    #[test]
    fn presets_follow_the_exponential_schedule() {
        let aggressive: Vec<_> = RetryConfig::aggressive().delays().collect();
        assert_eq!(aggressive, secs(&[0.5, 1.0, 2.0, 4.0]));
        let conservative: Vec<_> = RetryConfig::conservative().delays().collect();
        assert_eq!(conservative, secs(&[2.0, 4.0]));
        let file: Vec<_> = RetryConfig::file_operation().delays().collect();
        assert_eq!(file, secs(&[0.5, 1.0]));
    }

    #[test]
    fn growth_stops_at_max_delay() {
        let config = RetryConfig::builder()
            .max_attempts(8)
            .initial_delay(Duration::from_secs(1))
            .backoff_factor(3.0)
            .max_delay(Duration::from_secs(30))
            .build()
            .unwrap();
        let delays: Vec<_> = config.delays().collect();
        assert_eq!(delays, secs(&[1.0, 3.0, 9.0, 27.0, 30.0, 30.0, 30.0]));
    }

    #[test]
    fn huge_exponents_saturate_at_max_delay() {
        let config = RetryConfig::builder()
            .max_attempts(5000)
            .backoff_factor(10.0)
            .build()
            .unwrap();
        assert_eq!(config.delays().last(), Some(config.max_delay()));
    }

    #[test]
    fn equal_jitter_keeps_at_least_half() {
        let config = RetryConfig::network_operation()
            .to_builder()
            .jitter(Jitter::Equal)
            .build()
            .unwrap();
        let plain = RetryConfig::network_operation().delays();
        for (jittered, plain) in config.delays_seeded(3).zip(plain) {
            assert!(
                jittered >= plain / 2 && jittered <= plain,
                "{jittered:?} vs {plain:?}"
            );
        }
    }

    #[test]
    fn decorrelated_stays_between_initial_and_max() {
        let config = RetryConfig::builder()
            .max_attempts(50)
            .jitter(Jitter::Decorrelated)
            .max_delay(Duration::from_secs(10))
            .build()
            .unwrap();
        for delay in config.delays_seeded(11) {
            assert!(delay >= config.initial_delay() && delay <= config.max_delay());
        }
    }

    #[test]
    fn the_iterator_knows_its_length() {
        let delays = RetryConfig::aggressive().delays();
        assert_eq!(delays.len(), 4);
    }
}
