//! The Windows steps as PowerShell command sequences, for PsExec, WinRM and
//! OpenSSH, checked against a recording transport.

use base64::Engine;
use examples::artifact::Release;
use examples::steps::StepError;
use examples::steps::windows::{Flavour, WindowsHost, WindowsStep, WindowsTarget, encode};
use examples::transport::RecordingTransport;

const URL: &str = "http://127.0.0.1:8080/demo-exporter-1.0.0.windows-amd64.zip";

fn target() -> WindowsTarget {
    let release = Release::new("demo-exporter", "1.0.0", "windows", "amd64");
    WindowsTarget::new(release, URL, "127.0.0.1:9100".parse().unwrap())
}

/// The six forward scripts, in order, as PowerShell sees them.
const FORWARD: [&str; 6] = [
    "$ProgressPreference = 'SilentlyContinue'; Invoke-WebRequest -UseBasicParsing \
     -Uri 'http://127.0.0.1:8080/demo-exporter-1.0.0.windows-amd64.zip' \
     -OutFile 'C:\\Windows\\Temp\\demo-exporter-1.0.0.windows-amd64.zip'",
    "Expand-Archive -LiteralPath 'C:\\Windows\\Temp\\demo-exporter-1.0.0.windows-amd64.zip' \
     -DestinationPath 'C:\\Windows\\Temp' -Force",
    "New-Item -ItemType Directory -Path 'C:\\Program Files\\demo-exporter' -Force | Out-Null; \
     Copy-Item -LiteralPath 'C:\\Windows\\Temp\\demo-exporter-1.0.0.windows-amd64\\demo-exporter.exe' \
     -Destination 'C:\\Program Files\\demo-exporter\\demo-exporter.exe' -Force",
    "New-Service -Name 'demo-exporter' \
     -BinaryPathName '\"C:\\Program Files\\demo-exporter\\demo-exporter.exe\" --listen 127.0.0.1:9100' \
     -DisplayName 'Demo Prometheus exporter' -StartupType Automatic | Out-Null",
    "Start-Service -Name 'demo-exporter'",
    "(Invoke-WebRequest -UseBasicParsing -Uri 'http://127.0.0.1:9100/metrics' -TimeoutSec 10).Content",
];

/// The five undo scripts, last step first.
const UNDO: [&str; 5] = [
    "Stop-Service -Name 'demo-exporter' -Force; \
     (Get-Service -Name 'demo-exporter').WaitForStatus('Stopped', '00:00:30')",
    "if (Get-Service -Name 'demo-exporter' -ErrorAction SilentlyContinue) \
     { sc.exe delete 'demo-exporter' | Out-Null }",
    "if (Test-Path -LiteralPath 'C:\\Program Files\\demo-exporter') \
     { Remove-Item -LiteralPath 'C:\\Program Files\\demo-exporter' -Recurse -Force }",
    "if (Test-Path -LiteralPath 'C:\\Windows\\Temp\\demo-exporter-1.0.0.windows-amd64') \
     { Remove-Item -LiteralPath 'C:\\Windows\\Temp\\demo-exporter-1.0.0.windows-amd64' -Recurse -Force }",
    "if (Test-Path -LiteralPath 'C:\\Windows\\Temp\\demo-exporter-1.0.0.windows-amd64.zip') \
     { Remove-Item -LiteralPath 'C:\\Windows\\Temp\\demo-exporter-1.0.0.windows-amd64.zip' -Recurse -Force }",
];

fn stopping(script: &str) -> String {
    format!("$ErrorActionPreference = 'Stop'; {script}")
}

fn expected(flavour: Flavour, scripts: &[&str]) -> Vec<String> {
    scripts
        .iter()
        .map(|script| match flavour {
            Flavour::WinRm => stopping(script),
            Flavour::PsExec => format!(
                "powershell.exe -NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass \
                 -EncodedCommand {}",
                encode(&stopping(script))
            ),
            Flavour::Ssh => format!(
                "powershell.exe -NoLogo -NoProfile -NonInteractive -EncodedCommand {}",
                encode(&stopping(script))
            ),
        })
        .collect()
}

fn healthy_host() -> RecordingTransport {
    RecordingTransport::new().answer(
        "/metrics",
        (
            0,
            "# TYPE demo_exporter_up gauge\r\ndemo_exporter_up 1\r\n",
            "",
        ),
    )
}

async fn install<T: examples::transport::Transport>(
    host: &WindowsHost<'_, T>,
) -> Result<String, StepError> {
    host.download().await?;
    host.extract().await?;
    host.install_binary().await?;
    host.create_service().await?;
    host.start().await?;
    host.validate().await
}

async fn undo<T: examples::transport::Transport>(
    host: &WindowsHost<'_, T>,
) -> Result<(), StepError> {
    host.stop().await?;
    host.delete_service().await?;
    host.remove_binary().await?;
    host.remove_extracted().await?;
    host.remove_download().await
}

async fn check_flavour(flavour: Flavour) {
    // An encoded command hides the URL from a substring rule, so the
    // PsExec and SSH hosts answer the exact validation command.
    let transport = match flavour {
        Flavour::WinRm => healthy_host(),
        Flavour::PsExec | Flavour::Ssh => RecordingTransport::new()
            .answer(&flavour.wrap(FORWARD[5]), (0, "demo_exporter_up 1\r\n", "")),
    };
    let host = WindowsHost::new(&transport, flavour, target());

    let page = install(&host).await.unwrap();
    assert!(page.contains("demo_exporter_up 1"));
    assert_eq!(transport.commands(), expected(flavour, &FORWARD));

    transport.clear();
    undo(&host).await.unwrap();
    assert_eq!(transport.commands(), expected(flavour, &UNDO));
}

#[tokio::test]
async fn winrm_runs_the_scripts_as_they_are() {
    check_flavour(Flavour::WinRm).await;
}

#[tokio::test]
async fn psexec_runs_encoded_scripts() {
    check_flavour(Flavour::PsExec).await;
}

#[tokio::test]
async fn ssh_runs_encoded_scripts() {
    check_flavour(Flavour::Ssh).await;
}

#[test]
fn encoded_commands_decode_to_the_script() {
    let command = Flavour::PsExec.wrap(FORWARD[4]);
    let encoded = command.rsplit(' ').next().unwrap();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap();
    let utf16: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
        .collect();
    assert_eq!(
        String::from_utf16(&utf16).unwrap(),
        "$ErrorActionPreference = 'Stop'; Start-Service -Name 'demo-exporter'"
    );
}

#[test]
fn every_step_but_validation_has_an_undo() {
    let target = target();
    let undone: Vec<bool> = WindowsStep::ALL
        .iter()
        .map(|step| step.undo_script(&target).is_some())
        .collect();
    assert_eq!(undone, [true, true, true, true, true, false]);
}

#[tokio::test]
async fn a_failing_step_reports_its_name_and_stderr() {
    let transport = RecordingTransport::new().answer(
        "Start-Service",
        (
            1,
            "",
            "Start-Service : Service 'demo-exporter' cannot be started\r\n",
        ),
    );
    let host = WindowsHost::new(&transport, Flavour::WinRm, target());
    let error = host.start().await.unwrap_err();
    let StepError::Command {
        step, code, stderr, ..
    } = &error
    else {
        panic!("{error}");
    };
    assert_eq!((*step, *code), ("start", 1));
    assert!(stderr.contains("cannot be started"));
}

#[tokio::test]
async fn validation_needs_the_up_line() {
    let transport = RecordingTransport::new().answer("/metrics", (0, "demo_exporter_up 0\r\n", ""));
    let host = WindowsHost::new(&transport, Flavour::WinRm, target());
    let error = host.validate().await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "validate: no `demo_exporter_up 1` in http://127.0.0.1:9100/metrics"
    );
}
