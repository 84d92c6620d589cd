//! The command line of `cargo run -p examples --example install`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use super::{DEFAULT_FLAKY, DEFAULT_SEED};
use super::{Options, Progress, run};

/// The help text.
pub const HELP: &str = "\
Installs the demo exporter with retry and rollback, as a control plane
installs node_exporter: download, extract, install, unit, start, validate.

usage: cargo run -p examples --example install -- [OPTIONS]

options:
  --root DIR       install under DIR (default: a new temporary directory,
                   removed at the end unless the exporter is kept)
  --flaky RATE     the artifact server drops or answers 503 to this share
                   of requests, 0.0 to 1.0 (default: 0.3)
  --seed N         the seed of those faults (default: 8)
  --fail-at STEP   make STEP fail for good, to see the rollback: download,
                   extract, install, unit, start or validate
  --ssh            install over SSH to a throwaway sshd started here
                   (needs /usr/sbin/sshd)
  --keep           leave the exporter installed and running on success
                   (default: uninstall it again and check the root)
  --uninstall      remove what a --keep run left under --root
  -h, --help       this text

exit codes: 0 done, 1 the install failed (the rollback report says what
was left), 2 bad arguments or the demo could not start.
";

/// What the command line asks for.
#[derive(Debug)]
pub enum Command {
    /// Print the help text.
    Help,
    /// Run with these options.
    Run(Options),
}

/// Parses the arguments that follow the program's name; `exporter` is
/// the binary to pack.
///
/// ```
/// use examples::installer::cli::{parse, Command};
/// use examples::installer::Step;
///
/// let args = ["--fail-at", "start", "--seed", "3"].map(String::from);
/// let Ok(Command::Run(options)) = parse(args, "demo-exporter".into()) else { panic!() };
/// assert_eq!((options.fail_at, options.seed), (Some(Step::Start), 3));
/// assert!(parse(["--flaky", "2"].map(String::from), "x".into()).is_err());
/// ```
///
/// # Errors
///
/// A sentence saying which argument is wrong.
pub fn parse(args: impl IntoIterator<Item = String>, exporter: PathBuf) -> Result<Command, String> {
    let mut options = Options::new(exporter);
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--root" => options.root = Some(PathBuf::from(value("--root")?)),
            "--flaky" => {
                let rate = value("--flaky")?;
                options.flaky = rate
                    .parse::<f64>()
                    .ok()
                    .filter(|rate| (0.0..=1.0).contains(rate))
                    .ok_or_else(|| format!("--flaky {rate}: a number from 0.0 to 1.0"))?;
            }
            "--seed" => {
                let seed = value("--seed")?;
                options.seed = seed
                    .parse()
                    .map_err(|_| format!("--seed {seed}: a whole number"))?;
            }
            "--fail-at" => options.fail_at = Some(value("--fail-at")?.parse()?),
            "--ssh" => options.ssh = true,
            "--keep" => options.keep = true,
            "--uninstall" => options.uninstall = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Command::Run(options))
}

/// The example's `main`: run as `demo-exporter` (the name the install
/// gives it), it is the exporter; otherwise it is the installer, and it
/// packs its own program as the exporter's release.
///
/// So the example needs no other binary built first: the release it
/// installs is a copy of itself.
///
/// Limitation: Ctrl-C ends the process where it stands, without a
/// rollback (and the terminal's SIGINT reaches a started exporter too);
/// `--root DIR --uninstall` removes whatever is left under `DIR`.
pub fn main() -> ExitCode {
    let mut args = std::env::args();
    let program = args.next().map(PathBuf::from);
    let name = program
        .as_deref()
        .and_then(|program| program.file_name())
        .and_then(|name| name.to_str());
    if name == Some(crate::artifact::Release::demo_exporter().name()) {
        return crate::exporter_cli::main(args);
    }
    let exporter = match std::env::current_exe() {
        Ok(path) => path,
        Err(error) => {
            eprintln!("install: cannot find this program to pack it: {error}");
            return ExitCode::from(2);
        }
    };
    let options = match parse(args, exporter) {
        Ok(Command::Run(options)) => options,
        Ok(Command::Help) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("install: {message}\n\n{HELP}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("install: cannot start the async runtime: {error}");
            return ExitCode::from(2);
        }
    };
    let progress = Arc::new(Progress::new(std::io::stdout()));
    match runtime.block_on(run(&options, progress)) {
        Ok(outcome) if outcome.succeeded() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("install: {error}");
            ExitCode::from(2)
        }
    }
}

// The defaults named in the help text.
const _: () = assert!(DEFAULT_SEED == 8);
const _: () = assert!(DEFAULT_FLAKY == 0.3);
