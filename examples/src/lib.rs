//! Shared parts of the retry-rollback examples.
