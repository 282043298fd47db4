//! Fitting text into a label: word wrapping, shrinking to a minimum size, and an ellipsis
//! as the last resort. Measurement comes from a closure, so the rules are testable without
//! a font.

/// Lines of `text` no wider than `max_width`, at most `max_lines`, the last one cut with `…`
/// when the text does not fit. `width` measures a string.
pub fn wrap(
    text: &str,
    max_width: f32,
    max_lines: usize,
    width: &dyn Fn(&str) -> f32,
) -> (Vec<String>, bool) {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut overflow = false;
    for word in text.split_whitespace() {
        let candidate = if current.is_empty() {
            word.to_owned()
        } else {
            format!("{current} {word}")
        };
        if width(&candidate) <= max_width {
            current = candidate;
            continue;
        }
        if !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        if lines.len() == max_lines {
            overflow = true;
            break;
        }
        if width(word) <= max_width {
            current = word.to_owned();
        } else {
            // A word wider than the line: break it by characters.
            for c in word.chars() {
                let mut next = current.clone();
                next.push(c);
                if width(&next) > max_width && !current.is_empty() {
                    lines.push(std::mem::take(&mut current));
                    if lines.len() == max_lines {
                        overflow = true;
                        break;
                    }
                    current.push(c);
                } else {
                    current = next;
                }
            }
            if overflow {
                break;
            }
        }
    }
    if !overflow && !current.is_empty() {
        if lines.len() == max_lines {
            overflow = true;
        } else {
            lines.push(current);
        }
    }
    if overflow && let Some(last) = lines.last_mut() {
        while !last.is_empty() && width(&format!("{last}…")) > max_width {
            last.pop();
        }
        let trimmed = last.trim_end().to_owned();
        *last = format!("{trimmed}…");
    }
    (lines, overflow)
}

/// The largest size from `preferred` down to `min` (in steps of 0.25 pt) at which `text`
/// wraps into `max_lines` without being cut; `min` when none does.
pub fn fit(
    text: &str,
    max_width: f32,
    max_lines: usize,
    preferred: f32,
    min: f32,
    width_at: &dyn Fn(&str, f32) -> f32,
) -> (f32, Vec<String>) {
    let mut size = preferred;
    loop {
        let (lines, overflow) = wrap(text, max_width, max_lines, &|s| width_at(s, size));
        if !overflow || size <= min {
            return (size, lines);
        }
        size = (size - 0.25).max(min);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character one unit wide at size 1.
    fn mono(s: &str, size: f32) -> f32 {
        s.chars().count() as f32 * size
    }

    #[test]
    fn words_wrap_and_the_last_line_is_cut_with_an_ellipsis() {
        let w = |s: &str| mono(s, 1.0);
        assert_eq!(
            wrap("Mật ong hoa nhãn", 8.0, 2, &w),
            (vec!["Mật ong".into(), "hoa nhãn".into()], false)
        );
        let (lines, cut) = wrap("Mật ong hoa nhãn Mộc Châu", 8.0, 2, &w);
        assert!(cut);
        assert_eq!(lines, ["Mật ong", "hoa nhã…"]);
        assert!(lines.iter().all(|l| w(l) <= 8.0));
        let (lines, _) = wrap("Supercalifragilistic", 8.0, 3, &w);
        assert_eq!(lines, ["Supercal", "ifragili", "stic"]);
    }

    #[test]
    fn text_shrinks_before_it_is_cut() {
        let (size, lines) = fit("Mật ong hoa nhãn Mộc Châu", 16.0, 2, 2.0, 1.0, &mono);
        assert!((1.0..2.0).contains(&size));
        assert!(lines.iter().all(|l| !l.ends_with('…')), "{lines:?}");
        let (size, lines) = fit("Mật ong hoa nhãn Mộc Châu Sơn La", 8.0, 1, 2.0, 1.0, &mono);
        assert_eq!(size, 1.0);
        assert!(lines[0].ends_with('…'));
    }
}
