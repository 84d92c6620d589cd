use std::sync::{Mutex, PoisonError};

use retry_rollback::CommandOutput;

use super::{Transport, TransportError};

/// What a [`RecordingTransport`] was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// A command.
    Exec(String),
    /// A file copy: path, contents and mode.
    PutFile(String, Vec<u8>, u32),
}

/// Records every command and answers from a script, for targets that are
/// not here (Windows hosts behind PsExec or WinRM).
///
/// Answers are rules tried in order: the first whose text occurs in the
/// command answers it. Unmatched commands succeed with empty output.
///
/// ```
/// use examples::transport::{Recorded, RecordingTransport, Transport};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), examples::transport::TransportError> {
/// let host = RecordingTransport::new().answer("StatusCode", (0, "200\n", ""));
/// assert_eq!(host.exec("(Invoke-WebRequest ...).StatusCode").await?.1, "200\n");
/// assert_eq!(host.exec("Start-Service demo").await?.0, 0);
/// assert_eq!(host.commands(), ["(Invoke-WebRequest ...).StatusCode", "Start-Service demo"]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Default)]
pub struct RecordingTransport {
    rules: Vec<(String, CommandOutput)>,
    log: Mutex<Vec<Recorded>>,
}

impl RecordingTransport {
    /// A transport that answers every command with `(0, "", "")`.
    pub fn new() -> RecordingTransport {
        RecordingTransport::default()
    }

    /// Answers commands that contain `text` with `(code, stdout, stderr)`.
    pub fn answer(mut self, text: &str, (code, stdout, stderr): (i32, &str, &str)) -> Self {
        self.rules.push((
            text.to_owned(),
            (code, stdout.to_owned(), stderr.to_owned()),
        ));
        self
    }

    /// Everything asked so far, in order.
    pub fn recorded(&self) -> Vec<Recorded> {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The commands asked so far, in order, without the file copies.
    pub fn commands(&self) -> Vec<String> {
        self.recorded()
            .into_iter()
            .filter_map(|recorded| match recorded {
                Recorded::Exec(command) => Some(command),
                Recorded::PutFile(..) => None,
            })
            .collect()
    }

    /// Forgets what was recorded; the rules stay.
    pub fn clear(&self) {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    fn record(&self, recorded: Recorded) {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(recorded);
    }
}

impl Transport for RecordingTransport {
    async fn exec(&self, command: &str) -> Result<CommandOutput, TransportError> {
        self.record(Recorded::Exec(command.to_owned()));
        let answer = self
            .rules
            .iter()
            .find(|(text, _)| command.contains(text.as_str()))
            .map_or_else(
                || (0, String::new(), String::new()),
                |(_, output)| output.clone(),
            );
        Ok(answer)
    }

    async fn put_file(&self, path: &str, contents: &[u8], mode: u32) -> Result<(), TransportError> {
        self.record(Recorded::PutFile(path.to_owned(), contents.to_vec(), mode));
        Ok(())
    }
}
