//! Heap bytes and allocations per registered undo action, counted by a
//! global allocator: `rollback_bytes [N]` prints a Markdown table for the
//! rollback context and for a hand-written stack of boxed closures.

use std::convert::Infallible;
use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;

use allocation_counter::measure;
use retry_rollback::RollbackContext;

type BoxedUndo = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

fn main() -> Result<(), String> {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(Ok(100_000), |n| n.parse())
        .map_err(|_| "N must be a number")?;
    let mut context = RollbackContext::new("bytes");
    let registered = measure(|| {
        for step in 0..n {
            context.add_owned_action("undo step", move || async move {
                black_box(step);
                Ok::<(), Infallible>(())
            });
        }
    });
    let mut stack: Vec<BoxedUndo> = Vec::new();
    let floor = measure(|| {
        for step in 0..n {
            stack.push(Box::new(move || {
                Box::pin(async move {
                    black_box(step);
                })
            }));
        }
    });
    black_box((&context, &stack));
    println!("| registering {n} undo actions | peak bytes per action | allocations per action |");
    println!("|---|---|---|");
    for (name, info) in [
        ("RollbackContext", registered),
        ("boxed closures (floor)", floor),
    ] {
        println!(
            "| {name} | {:.1} | {:.2} |",
            info.bytes_max as f64 / n as f64,
            info.count_total as f64 / n as f64
        );
    }
    Ok(())
}
