//! Free text typed by people: names, addresses, descriptions.

use unicode_normalization::UnicodeNormalization;

use super::ParseError;
use crate::domain::Reason;

/// Characters that change how text is shown without being seen: bidirectional overrides and
/// isolates (U+202E makes "gnp.exe" read "exe.png"), zero-width spaces and joiners, the word
/// joiner and invisible operators, the byte-order mark. Vietnamese never needs them, and on a
/// public scan page they let one name pass for another.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{061C}' | '\u{180E}')
}

/// An optional decimal as people type it (a comma taken as the decimal point): `Ok(None)` when
/// empty, `Err(())` when not a finite number.
#[allow(clippy::result_unit_err)]
pub fn decimal(typed: &str) -> Result<Option<f64>, ()> {
    let s = typed.trim().replace(',', ".");
    if s.is_empty() {
        return Ok(None);
    }
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => Err(()),
    }
}

/// Trims, normalises to Unicode NFC (Vietnamese typed on some keyboards arrives decomposed,
/// which would make "Mật ong" and "Mật ong" different strings), rejects control characters
/// and invisible formatting characters, and enforces a length in characters.
pub fn clean(input: &str, min: usize, max: usize) -> Result<String, ParseError> {
    let s: String = input.trim().nfc().collect();
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(ParseError::new(
            Reason::TextControlCharacter,
            "text must not contain control characters",
        ));
    }
    if let Some(c) = s.chars().find(|&c| invisible(c)) {
        return Err(ParseError::new(
            Reason::TextInvisibleCharacter,
            format!(
                "text must not contain invisible formatting characters (U+{:04X})",
                u32::from(c)
            ),
        ));
    }
    let n = s.chars().count();
    if n < min {
        return Err(if min == 1 {
            ParseError::new(Reason::TextEmpty, "must not be empty")
        } else {
            ParseError::new(
                Reason::TextTooShort,
                format!("must have at least {min} characters"),
            )
        });
    }
    if n > max {
        return Err(ParseError::new(
            Reason::TextTooLong,
            format!("must have at most {max} characters, not {n}"),
        ));
    }
    Ok(s)
}

/// Like [`clean`] for one-line values (names, units): newlines are rejected too.
pub fn line(input: &str, min: usize, max: usize) -> Result<String, ParseError> {
    let s = clean(input, min, max)?;
    if s.contains(['\n', '\t']) {
        return Err(ParseError::new(
            Reason::TextMultiline,
            "must be a single line",
        ));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decomposed_vietnamese_is_normalised_to_nfc() {
        let decomposed = "Ma\u{0323}\u{0302}t ong"; // "Mật ong" as a + combining marks
        assert_eq!(line(decomposed, 1, 10).unwrap(), "Mật ong");
    }

    #[test]
    fn empty_long_and_control_text_is_rejected() {
        assert_eq!(line("   ", 1, 10).unwrap_err().code, Reason::TextEmpty);
        assert_eq!(
            line("Mật ong rừng U Minh", 1, 5).unwrap_err().code,
            Reason::TextTooLong
        );
        assert_eq!(
            line("a\u{0007}b", 1, 10).unwrap_err().code,
            Reason::TextControlCharacter
        );
        assert_eq!(line("a\nb", 1, 10).unwrap_err().code, Reason::TextMultiline);
        assert_eq!(clean("a\nb", 1, 10).unwrap(), "a\nb");
        for sneaky in [
            "HTX \u{202E}gnoM",
            "Mật\u{200B}ong",
            "\u{2066}x\u{2069}",
            "a\u{FEFF}b",
        ] {
            assert_eq!(
                line(sneaky, 1, 40).unwrap_err().code,
                Reason::TextInvisibleCharacter,
                "{sneaky:?}"
            );
        }
    }
}
