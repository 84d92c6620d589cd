use retry_rollback::compensate;

struct Unit(String);

#[compensate(remove_unit(unit))]
async fn create_unit(unit: Unit) -> Result<(), String> {
    let _ = unit.0;
    Ok(())
}

async fn remove_unit(unit: Unit) -> Result<(), String> {
    let _ = unit.0;
    Ok(())
}

fn main() {}
