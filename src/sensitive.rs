//! [`Sensitive`]: a value (a password, a token, an API secret) that cannot be printed. Its
//! `Debug` says `[redacted]` and it has no `Display`, so a settings dump or a log line cannot
//! leak it; code that needs it calls [`Sensitive::expose`], which is easy to find in review.

use std::str::FromStr;

#[derive(Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    pub fn new(value: T) -> Self {
        Sensitive(value)
    }

    /// The value itself, for the one place that uses it.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl Sensitive<String> {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<T> std::fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl FromStr for Sensitive<String> {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Sensitive(s.to_owned()))
    }
}

impl From<&str> for Sensitive<String> {
    fn from(s: &str) -> Self {
        Sensitive(s.to_owned())
    }
}

impl From<String> for Sensitive<String> {
    fn from(s: String) -> Self {
        Sensitive(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Sensitive::new("hunter2".to_owned());
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(&s)), "Some([redacted])");
        assert_eq!(s.as_str(), "hunter2");
    }
}
