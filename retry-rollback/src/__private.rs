//! Paths for the code that the attributes generate. Not public API: it may
//! change in any release.
