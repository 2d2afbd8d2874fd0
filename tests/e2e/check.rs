//! check, the CI gate.
