//! RFC 8785 JSON Canonicalization Scheme (JCS), through the `serde_jcs` crate: object members
//! sorted by their UTF-16 code units, no whitespace, ECMAScript number formatting, minimal
//! string escaping. The same record always gives the same bytes, whichever database it was
//! read from.

/// Canonical bytes of a JSON value.
pub fn to_vec(value: &serde_json::Value) -> Result<Vec<u8>, serde_json::Error> {
    serde_jcs::to_vec(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8785 §3.2.2, "Serialization of Primitive Data Types" (the input and the expected
    /// output are copied from the RFC).
    #[test]
    fn rfc8785_primitive_serialization_example() {
        let input = r#"{
          "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
          "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
          "literals": [null, true, false]
        }"#;
        let value: serde_json::Value = serde_json::from_str(input).unwrap();
        let expected = r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#;
        assert_eq!(
            String::from_utf8(to_vec(&value).unwrap()).unwrap(),
            expected
        );
    }

    /// RFC 8785 §3.2.3, "Sorting of Object Properties": members sorted by UTF-16 code units,
    /// so the emoji (a surrogate pair, 0xD83D…) sorts before U+FB33.
    #[test]
    fn rfc8785_property_sorting_example() {
        let input = "{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\",\"\\ufb33\":\"Hebrew Letter Dalet With Dagesh\",\
            \"1\":\"One\",\"\\ud83d\\ude00\":\"Emoji: Grinning Face\",\"\\u0080\":\"Control\",\"\\u00f6\":\"Latin Small Letter O With Diaeresis\"}";
        let value: serde_json::Value = serde_json::from_str(input).unwrap();
        let out: serde_json::Value = serde_json::from_slice(&to_vec(&value).unwrap()).unwrap();
        let text = String::from_utf8(to_vec(&value).unwrap()).unwrap();
        let order: Vec<&str> = [
            "Carriage Return",
            "One",
            "Control",
            "Latin Small",
            "Euro Sign",
            "Emoji",
            "Hebrew",
        ]
        .to_vec();
        let positions: Vec<usize> = order.iter().map(|v| text.find(v).unwrap()).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
        assert_eq!(out, value);
    }

    #[test]
    fn vietnamese_text_is_kept_as_utf8_not_escaped() {
        let v = serde_json::json!({"b": 1, "a": "Mật ong hoa cà phê"});
        assert_eq!(
            to_vec(&v).unwrap(),
            r#"{"a":"Mật ong hoa cà phê","b":1}"#.as_bytes()
        );
    }
}
