//! For any number of steps, any failure point and any mix of failing undo
//! actions: exactly the registered actions run, last first, once each, and
//! the report names every failure. For any retried undo: exactly as many
//! attempts and as much delay as its configuration allows.

use std::sync::{Mutex, Once};
use std::time::Duration;

use proptest::prelude::*;
use retry_rollback::{RetryConfig, RollbackContext, UndoOutcome};

/// How one undo action ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Undo {
    Succeeds,
    Fails,
    Panics,
}

fn undo() -> impl Strategy<Value = Undo> {
    prop_oneof![
        3 => Just(Undo::Succeeds),
        1 => Just(Undo::Fails),
        1 => Just(Undo::Panics),
    ]
}

/// Steps, each with how its undo ends, and the step that fails (none if
/// it is past the last one).
fn install() -> impl Strategy<Value = (Vec<Undo>, usize)> {
    prop::collection::vec(undo(), 0..12).prop_flat_map(|undos| {
        let steps = undos.len();
        (Just(undos), 0..=steps + 1)
    })
}

/// Keeps the panics of undo actions, which the rollback catches, out of
/// the test output.
fn quiet_undo_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = info.payload().downcast_ref::<String>();
            if !message.is_some_and(|message| message.starts_with("undo of step")) {
                default(info);
            }
        }));
    });
}

/// Runs the install: steps before `failing` succeed and register their
/// undo; step `failing` fails. Returns the undo calls in order, and the
/// scope's result.
fn run(
    undos: &[Undo],
    failing: usize,
) -> (
    Vec<usize>,
    Result<usize, retry_rollback::RollbackError<String>>,
) {
    quiet_undo_panics();
    let calls = Mutex::new(Vec::new());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    let result = runtime.block_on(RollbackContext::scope("install", async |ctx| {
        for (step, how) in undos.iter().copied().enumerate() {
            if step == failing {
                return Err(format!("step {step} failed"));
            }
            let calls = &calls;
            ctx.add_action(format!("undo step {step}"), move || async move {
                calls.lock().unwrap().push(step);
                match how {
                    Undo::Succeeds => Ok(()),
                    Undo::Fails => Err(format!("undo of step {step} failed")),
                    Undo::Panics => panic!("undo of step {step} panicked"),
                }
            });
        }
        if failing == undos.len() {
            return Err("validation failed".to_owned());
        }
        Ok(undos.len())
    }));
    let calls = calls.lock().unwrap().clone();
    (calls, result)
}

proptest! {
    #[test]
    fn registered_actions_run_last_first_once_each((undos, failing) in install()) {
        let (calls, result) = run(&undos, failing);
        let steps = undos.len();

        if failing > steps {
            prop_assert_eq!(result.unwrap(), steps);
            prop_assert!(calls.is_empty(), "a committed scope undid {:?}", calls);
            return Ok(());
        }
        let error = result.unwrap_err();
        let expected_error = if failing == steps {
            "validation failed".to_owned()
        } else {
            format!("step {failing} failed")
        };
        prop_assert_eq!(error.error(), &expected_error);

        let registered = failing.min(steps);
        let expected: Vec<usize> = (0..registered).rev().collect();
        prop_assert_eq!(&calls, &expected);

        let report = error.report();
        let names: Vec<String> = report.actions().iter().map(|a| a.name().to_owned()).collect();
        let expected_names: Vec<String> =
            expected.iter().map(|step| format!("undo step {step}")).collect();
        prop_assert_eq!(names, expected_names);

        for (action, &step) in report.actions().iter().zip(&expected) {
            let outcome = match undos[step] {
                Undo::Succeeds => UndoOutcome::Undone,
                Undo::Fails => UndoOutcome::Failed(format!("undo of step {step} failed")),
                Undo::Panics => UndoOutcome::Panicked(format!("undo of step {step} panicked")),
            };
            prop_assert_eq!(action.outcome(), &outcome);
            prop_assert_eq!(action.attempts(), 1);
        }

        let failures: Vec<&str> = report.failures().map(|a| a.name()).collect();
        let expected_failures: Vec<String> = expected
            .iter()
            .filter(|&&step| undos[step] != Undo::Succeeds)
            .map(|step| format!("undo step {step}"))
            .collect();
        prop_assert_eq!(failures, expected_failures.iter().map(String::as_str).collect::<Vec<_>>());
        prop_assert_eq!(report.is_clean(), expected_failures.is_empty());
        for failure in &expected_failures {
            prop_assert!(report.to_string().contains(failure.as_str()));
        }
    }
}

proptest! {
    #[test]
    fn a_retried_undo_runs_until_it_succeeds_or_attempts_run_out(
        failures in 0u32..6,
        max_attempts in 1u32..6,
        initial_ms in 1u64..1000,
    ) {
        let config = RetryConfig::builder()
            .max_attempts(max_attempts)
            .initial_delay(Duration::from_millis(initial_ms))
            .max_delay(Duration::from_secs(3600))
            .build()
            .unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        let mut calls = 0;
        let report = runtime.block_on(async {
            let mut ctx = RollbackContext::new("install");
            ctx.add_action("remove binary", || {
                calls += 1;
                let call = calls;
                async move {
                    if call <= failures {
                        Err(format!("busy (call {call})"))
                    } else {
                        Ok(())
                    }
                }
            })
            .retry(config);
            ctx.rollback().await
        });

        let attempts = (failures + 1).min(max_attempts);
        let action = &report.actions()[0];
        prop_assert_eq!(action.attempts(), attempts);
        let outcome = if failures < max_attempts {
            UndoOutcome::Undone
        } else {
            UndoOutcome::Failed(format!("busy (call {max_attempts})"))
        };
        prop_assert_eq!(action.outcome(), &outcome);
        let slept: u64 = (1..attempts).map(|retry| initial_ms << (retry - 1)).sum();
        prop_assert_eq!(action.duration(), Duration::from_millis(slept));
        drop(report);
        prop_assert_eq!(calls, attempts);
    }
}
