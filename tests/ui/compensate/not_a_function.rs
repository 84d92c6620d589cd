use retry_rollback::compensate;

#[compensate(remove)]
struct Download;

fn main() {}
