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

#[cfg(test)]
mod tests {
    use super::key;

    #[test]
    fn ignores_case_accents_spaces_and_hyphens() {
        assert_eq!(key("Zoë  O'Brien-Smith"), "zoeobriensmith");
        assert_eq!(key("ZOE OBRIEN SMITH"), "zoeobriensmith");
        assert_eq!(key("  "), "");
        assert_eq!(key("José"), key("jose"));
    }
}
