//! The six steps by name, as the command line and the output spell them.

use std::fmt;
use std::str::FromStr;

/// One of the six install steps.
///
/// ```
/// use examples::installer::Step;
///
/// let step: Step = "unit".parse()?;
/// assert_eq!(step, Step::Unit);
/// assert_eq!(step.number(), 4);
/// assert_eq!(Step::ALL.map(Step::name), ["download", "extract", "install", "unit", "start", "validate"]);
/// # Ok::<(), String>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// Download the release tarball.
    Download,
    /// Extract it.
    Extract,
    /// Install the binary.
    Install,
    /// Write the systemd unit.
    Unit,
    /// Start the service.
    Start,
    /// Check that it answers `GET /metrics`.
    Validate,
}

impl Step {
    /// The six steps in the order they run.
    pub const ALL: [Step; 6] = [
        Step::Download,
        Step::Extract,
        Step::Install,
        Step::Unit,
        Step::Start,
        Step::Validate,
    ];

    /// The step's name on the command line and in the output.
    pub const fn name(self) -> &'static str {
        match self {
            Step::Download => "download",
            Step::Extract => "extract",
            Step::Install => "install",
            Step::Unit => "unit",
            Step::Start => "start",
            Step::Validate => "validate",
        }
    }

    /// Its place in the install, from 1.
    pub const fn number(self) -> usize {
        match self {
            Step::Download => 1,
            Step::Extract => 2,
            Step::Install => 3,
            Step::Unit => 4,
            Step::Start => 5,
            Step::Validate => 6,
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Step {
    type Err = String;

    fn from_str(name: &str) -> Result<Step, String> {
        Step::ALL
            .into_iter()
            .find(|step| step.name() == name)
            .ok_or_else(|| {
                format!("no step {name:?}: download, extract, install, unit, start or validate")
            })
    }
}
