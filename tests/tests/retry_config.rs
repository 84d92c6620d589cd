//! Presets, the builder, and every configuration the builder refuses.

use std::time::Duration;

use proptest::prelude::*;
use retry_rollback::{ConfigError, Jitter, RetryConfig};

fn secs(seconds: f64) -> Duration {
    Duration::from_secs_f64(seconds)
}

#[test]
fn presets_carry_the_documented_numbers() {
    let table = [
        (RetryConfig::default(), 3, 1.0, 60.0),
        (RetryConfig::aggressive(), 5, 0.5, 10.0),
        (RetryConfig::conservative(), 3, 2.0, 60.0),
        (RetryConfig::network_operation(), 4, 1.0, 20.0),
        (RetryConfig::file_operation(), 3, 0.5, 5.0),
    ];
    for (config, attempts, initial, max) in table {
        assert_eq!(config.max_attempts(), attempts);
        assert_eq!(config.initial_delay(), secs(initial));
        assert_eq!(config.max_delay(), secs(max));
        assert_eq!(config.backoff_factor(), 2.0);
        assert_eq!(config.jitter(), Jitter::None);
        assert_eq!(config.deadline(), None);
        assert_eq!(config.attempt_timeout(), None);
        assert!(config.budget().is_none());
    }
}

#[test]
fn a_preset_can_be_overridden() {
    let config = RetryConfig::conservative()
        .to_builder()
        .max_attempts(6)
        .attempt_timeout(secs(30.0))
        .build()
        .unwrap();
    assert_eq!(config.max_attempts(), 6);
    assert_eq!(config.initial_delay(), secs(2.0));
    assert_eq!(config.attempt_timeout(), Some(secs(30.0)));
    let cleared = config
        .to_builder()
        .no_attempt_timeout()
        .no_deadline()
        .build()
        .unwrap();
    assert_eq!(cleared.attempt_timeout(), None);
}

#[test]
fn zero_attempts_are_refused() {
    let error = RetryConfig::builder().max_attempts(0).build().unwrap_err();
    assert_eq!(error, ConfigError::ZeroAttempts);
    assert_eq!(
        error.to_string(),
        "max_attempts must be at least 1 (the first try counts)"
    );
}

#[test]
fn a_factor_below_one_is_refused() {
    let error = RetryConfig::builder()
        .backoff_factor(0.5)
        .build()
        .unwrap_err();
    assert_eq!(error, ConfigError::BackoffFactor(0.5));
}

#[test]
fn a_factor_that_is_not_finite_is_refused() {
    for factor in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let error = RetryConfig::builder()
            .backoff_factor(factor)
            .build()
            .unwrap_err();
        assert!(matches!(error, ConfigError::BackoffFactor(_)), "{factor}");
    }
}

#[test]
fn an_initial_delay_above_the_max_is_refused() {
    let error = RetryConfig::builder()
        .initial_delay(secs(90.0))
        .build()
        .unwrap_err();
    assert_eq!(
        error,
        ConfigError::InitialAboveMax {
            initial: secs(90.0),
            max: secs(60.0)
        }
    );
    assert_eq!(
        error.to_string(),
        "initial delay 90s is longer than max delay 60s"
    );
}

#[test]
fn a_zero_deadline_is_refused() {
    let error = RetryConfig::builder()
        .deadline(Duration::ZERO)
        .build()
        .unwrap_err();
    assert_eq!(error, ConfigError::ZeroDeadline);
}

#[test]
fn a_zero_attempt_timeout_is_refused() {
    let error = RetryConfig::builder()
        .attempt_timeout(Duration::ZERO)
        .build()
        .unwrap_err();
    assert_eq!(error, ConfigError::ZeroAttemptTimeout);
}

#[test]
fn zero_delays_are_allowed_for_immediate_retries() {
    let config = RetryConfig::builder()
        .initial_delay(Duration::ZERO)
        .max_delay(Duration::ZERO)
        .build()
        .unwrap();
    assert!(config.delays().all(|delay| delay == Duration::ZERO));
}

fn jitter() -> impl Strategy<Value = Jitter> {
    prop_oneof![
        Just(Jitter::None),
        Just(Jitter::Full),
        Just(Jitter::Equal),
        Just(Jitter::Decorrelated),
    ]
}

proptest! {
    #[test]
    fn delays_never_exceed_the_max_and_repeat_with_a_seed(
        attempts in 1u32..40,
        initial_ms in 0u64..5_000,
        extra_ms in 0u64..120_000,
        factor in 1.0f64..10.0,
        jitter in jitter(),
        seed in any::<u64>(),
    ) {
        let config = RetryConfig::builder()
            .max_attempts(attempts)
            .initial_delay(Duration::from_millis(initial_ms))
            .max_delay(Duration::from_millis(initial_ms + extra_ms))
            .backoff_factor(factor)
            .jitter(jitter)
            .build()
            .unwrap();
        let delays: Vec<Duration> = config.delays_seeded(seed).collect();
        prop_assert_eq!(delays.len(), attempts as usize - 1);
        prop_assert!(delays.iter().all(|delay| *delay <= config.max_delay()));
        prop_assert_eq!(&delays, &config.delays_seeded(seed).collect::<Vec<_>>());
        if jitter == Jitter::None {
            for (n, delay) in delays.iter().enumerate() {
                let exact = config.initial_delay().as_secs_f64() * factor.powi(n as i32);
                let expected = exact.min(config.max_delay().as_secs_f64());
                prop_assert!((delay.as_secs_f64() - expected).abs() < 1e-6);
            }
        }
    }
}
