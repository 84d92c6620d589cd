use std::path::Path;

use retry_rollback::compensate;

#[derive(Clone)]
struct Installer<'a> {
    root: &'a Path,
}

impl Installer<'_> {
    #[compensate(self.remove_binary())]
    async fn install_binary(&self) -> Result<(), String> {
        let _ = self.root;
        Ok(())
    }

    async fn remove_binary(&self) -> Result<(), String> {
        Ok(())
    }
}

fn main() {}
