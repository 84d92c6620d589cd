use retry_rollback::compensate;

struct Installer;

impl Installer {
    #[compensate(self.remove_binary())]
    async fn install_binary(&self) -> Result<(), String> {
        Ok(())
    }

    async fn remove_binary(&self) -> Result<(), String> {
        Ok(())
    }
}

fn main() {}
