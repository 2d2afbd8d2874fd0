//! Malformed revision files and configuration: exit codes and messages.
