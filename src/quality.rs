//! Quality-weighted header lists (RFC 9110 §12.4.2: `Accept-Language`, `Accept-Encoding`):
//! `a, b;q=0.5`. Read in one place for every header that uses them.

/// Each item's token (trimmed, as written) and weight: its `q` parameter, or 1 when it has none
/// or one that does not parse.
pub fn items(header: &str) -> impl Iterator<Item = (&str, f32)> {
    header.split(',').map(|item| {
        let mut parts = item.split(';');
        let token = parts.next().unwrap_or("").trim();
        let weight = parts
            .find_map(|p| {
                let (k, v) = p.split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("q")
                    .then(|| v.trim().parse::<f32>().ok())
                    .flatten()
            })
            .unwrap_or(1.0);
        (token, weight)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_and_weights() {
        let got: Vec<_> = super::items("vi-VN, en;q=0.5 , gzip ;Q=0, br;q=bad").collect();
        assert_eq!(
            got,
            [("vi-VN", 1.0), ("en", 0.5), ("gzip", 0.0), ("br", 1.0)]
        );
    }
}
