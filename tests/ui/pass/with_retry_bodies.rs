//! Bodies whose `?` and `return` the attribute rewrites, or leaves to an
//! inner block, and which must compile without a warning either way.
#![deny(warnings)]

use std::fmt::Write as _;
use std::io;

use retry_rollback::with_retry;

/// `?` after a macro call, on a `collect`, inside `unsafe` and inside a
/// loop that breaks with a value; a labeled block of the body's own.
#[with_retry(max_attempts = 2, initial_delay = 0)]
fn rewritten(lines: &[&str]) -> Result<String, std::fmt::Error> {
    let mut out = String::new();
    write!(out, "{}", lines.len())?;
    let numbers = lines
        .iter()
        .map(|line| line.parse::<u32>().map_err(|_| std::fmt::Error))
        .collect::<Result<Vec<u32>, _>>()?;
    // SAFETY: nothing unsafe happens; the block only holds a `?`.
    #[allow(unused_unsafe)]
    let first = unsafe { numbers.first().copied().ok_or(std::fmt::Error)? };
    let mut index = 0;
    let found = loop {
        let number = numbers.get(index).copied().ok_or(std::fmt::Error)?;
        if number > first {
            break number;
        }
        index += 1;
    };
    let doubled = 'double: {
        if found > 100 {
            break 'double found;
        }
        found * 2
    };
    if doubled == 0 {
        return Err(std::fmt::Error);
    }
    write!(out, ":{doubled}")?;
    Ok(out)
}

/// A macro from outside the short list: the attempt keeps its inner block.
macro_rules! refuse {
    () => {
        return Err(io::Error::other("refused"))
    };
}

#[with_retry(max_attempts = 2, initial_delay = 0)]
async fn kept_in_a_block(ready: bool) -> io::Result<u8> {
    if !ready {
        refuse!();
    }
    Ok(1)
}

/// No `?` and no `return`: no label, and no unused one.
#[with_retry]
async fn plain(value: u8) -> io::Result<u8> {
    Ok(value)
}

fn main() {
    assert_eq!(rewritten(&["1", "5"]).unwrap(), "2:10");
    assert!(rewritten(&["x"]).is_err());
    let _ = kept_in_a_block(true);
    let _ = plain(1);
}
