//! Name normalisation for matching and search: case, accents, whitespace, hyphens and
//! punctuation are ignored, so "O'Brien-Smith" and "obrien smith" have the same key.
use unicode_normalization::UnicodeNormalization;

pub fn key(name: &str) -> String {
    name.nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The least string above every key that starts with `prefix`, under bytewise (UTF-8) order: keys
/// never hold U+10FFFF (not alphanumeric), whose encoding sorts above every other character's.
pub fn past_prefix(prefix: &str) -> String {
    let mut s = String::with_capacity(prefix.len() + 4);
    s.push_str(prefix);
    s.push(char::MAX);
    s
}

#[cfg(test)]
mod tests {
    use super::{key, past_prefix};

    #[test]
    fn ignores_case_accents_spaces_and_hyphens() {
        assert_eq!(key("Zoë  O'Brien-Smith"), "zoeobriensmith");
        assert_eq!(key("ZOE OBRIEN SMITH"), "zoeobriensmith");
        assert_eq!(key("  "), "");
        assert_eq!(key("José"), key("jose"));
    }

    #[test]
    fn every_key_with_the_prefix_sorts_inside_the_range() {
        let hi = past_prefix("ben");
        for k in ["ben", "benn", "bennett", "ben9", "benø", "ben\u{ffff}"] {
            assert!(k >= "ben" && k < hi.as_str(), "{k}");
        }
        for k in ["bem", "beo", "be", "c"] {
            assert!(!(k >= "ben" && k < hi.as_str()), "{k}");
        }
    }
}
