//! Integration tests of retry-rollback; see the files under `tests/`.
