//! Rollback: undo, last first, the steps that already succeeded.
