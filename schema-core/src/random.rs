//! Random ids: revision ids, lock holders, scratch and test database names.

/// A fresh id: 12 lowercase hex characters from the OS's random source.
pub fn random_id() -> String {
    let mut bytes = [0u8; 6];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness: fall back on the clock, which is unique enough for one user.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        bytes.copy_from_slice(&nanos.to_le_bytes()[..6]);
    }
    crate::checksum::hex(&bytes)
}
