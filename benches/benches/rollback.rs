//! Registering and running N undo actions, against the floor: a hand-written
//! stack of boxed closures run in reverse.

use std::convert::Infallible;
use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use retry_rollback::RollbackContext;

type BoxedUndo = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

fn rollback(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a current-thread runtime");
    let mut group = c.benchmark_group("rollback");
    for n in [10usize, 1_000, 100_000] {
        group.throughput(Throughput::Elements(n as u64));
        if n == 100_000 {
            group.sample_size(10);
        }
        group.bench_with_input(BenchmarkId::new("RollbackContext", n), &n, |b, &n| {
            b.to_async(&rt).iter(|| async move {
                let mut context = RollbackContext::new("bench");
                for step in 0..n {
                    context.add_owned_action("undo step", move || async move {
                        black_box(step);
                        Ok::<(), Infallible>(())
                    });
                }
                let report = context.rollback().await;
                assert_eq!(report.undone(), n);
            })
        });
        group.bench_with_input(BenchmarkId::new("boxed_closures", n), &n, |b, &n| {
            b.to_async(&rt).iter(|| async move {
                let mut stack: Vec<BoxedUndo> = Vec::new();
                for step in 0..n {
                    stack.push(Box::new(move || {
                        Box::pin(async move {
                            black_box(step);
                        })
                    }));
                }
                let mut undone = 0;
                while let Some(undo) = stack.pop() {
                    undo().await;
                    undone += 1;
                }
                assert_eq!(undone, n);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, rollback);
criterion_main!(benches);
