//! Every command and target form, as a user runs them.
