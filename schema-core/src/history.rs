//! Drawing the revision graph for `history`.
