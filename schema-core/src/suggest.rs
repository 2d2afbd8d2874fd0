//! "Did you mean …?": the known word closest to a typo.

/// The edit distance between two words, counting a swap of two neighbours as one edit
/// (optimal string alignment), so `haed` is one edit from `head`.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// The candidate closest to `word`, if one is close enough to be what was meant: at most one
/// edit in three characters (so words shorter than three get no suggestion), ignoring case
/// and `_`/`-`. Ties go to the first candidate.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let normal = |s: &str| s.to_lowercase().replace('_', "-");
    let word = normal(word);
    let limit = word.chars().count() / 3;
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = distance(&word, &normal(c));
        if d <= limit.max(usize::from(d == 0)) && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_the_word_meant() {
        assert_eq!(distance("haed", "head"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(closest("haed", ["head", "heads", "base"]), Some("head"));
        assert_eq!(closest("bsae", ["head", "heads", "base"]), Some("base"));
        assert_eq!(
            closest("auto_apply", ["lock", "auto-apply"]),
            Some("auto-apply")
        );
        assert_eq!(
            closest("migration", ["migrations", "schema"]),
            Some("migrations")
        );
        assert_eq!(closest("Lock", ["lock"]), Some("lock"));
        assert_eq!(closest("xyz", ["head", "base"]), None);
        assert_eq!(closest("hd", ["head"]), None);
    }
}
