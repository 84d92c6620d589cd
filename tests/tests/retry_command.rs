//! Retrying remote commands by exit code.

use std::cell::{Cell, RefCell};
use std::io;
use std::time::Duration;

use retry_rollback::{CURL_NETWORK_ERRORS, CommandRetry, RetryConfig, retry_command};
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn exit_code_255_is_retried_until_ssh_connects() {
    let calls = Cell::new(0);
    let started = Instant::now();
    let output = retry_command(
        &RetryConfig::default(),
        "systemctl start exporter",
        |command| {
            calls.set(calls.get() + 1);
            let call = calls.get();
            async move {
                Ok::<_, io::Error>(match call {
                    1 | 2 => (
                        255,
                        String::new(),
                        "ssh: connect to host: Connection refused\n".into(),
                    ),
                    _ => (0, format!("ran {command}"), String::new()),
                })
            }
        },
    )
    .await
    .unwrap();

    assert_eq!(
        output,
        (0, "ran systemctl start exporter".into(), String::new())
    );
    assert_eq!(calls.get(), 3);
    assert_eq!(started.elapsed(), Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn other_exit_codes_come_back_untouched() {
    let calls = Cell::new(0);
    let output = retry_command(&RetryConfig::default(), "test -f /etc/unit", |_| {
        calls.set(calls.get() + 1);
        async { Ok::<_, io::Error>((1, String::new(), "no such file".into())) }
    })
    .await
    .unwrap();
    assert_eq!(output.0, 1);
    assert_eq!(calls.get(), 1);
}

#[tokio::test(start_paused = true)]
async fn when_ssh_never_connects_the_last_output_is_returned() {
    let calls = Cell::new(0);
    let output = retry_command(&RetryConfig::network_operation(), "uptime", |_| {
        calls.set(calls.get() + 1);
        let call = calls.get();
        async move { Ok::<_, io::Error>((255, String::new(), format!("refused {call}"))) }
    })
    .await
    .unwrap();
    assert_eq!(output, (255, String::new(), "refused 4".into()));
    assert_eq!(calls.get(), 4);
}

#[tokio::test(start_paused = true)]
async fn transport_errors_are_retried_and_the_last_one_returned() {
    let calls = Cell::new(0);
    let error = retry_command(&RetryConfig::file_operation(), "uptime", |_| {
        calls.set(calls.get() + 1);
        async { Err::<(i32, String, String), _>(io::Error::other("session dropped")) }
    })
    .await
    .unwrap_err();
    assert_eq!(error.to_string(), "session dropped");
    assert_eq!(calls.get(), 3);
}

#[tokio::test(start_paused = true)]
async fn the_exit_codes_and_the_log_callback_are_the_callers_choice() {
    let config = RetryConfig::network_operation();
    let log = RefCell::new(Vec::new());
    let calls = Cell::new(0);
    let output = CommandRetry::new(&config)
        .exit_codes(CURL_NETWORK_ERRORS)
        .on_retry(|attempt, delay, failure| {
            log.borrow_mut()
                .push(format!("attempt {attempt}: {failure}; next in {delay:?}"));
        })
        .run("curl -fsS http://127.0.0.1:9100/metrics", |_| {
            calls.set(calls.get() + 1);
            let code = if calls.get() == 1 { 7 } else { 0 };
            async move { Ok::<_, io::Error>((code, String::new(), "Failed to connect\n".into())) }
        })
        .await
        .unwrap();
    assert_eq!(output.0, 0);
    assert_eq!(
        log.into_inner(),
        ["attempt 1: exit code 7 (connection failed): Failed to connect; next in 1s"]
    );
}
