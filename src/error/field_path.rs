//! [`FieldPath`]: the path of a request field as problems name it (`name`,
//! `details.inputs[1].dose`, `photos[0]`), read once into its parts so that each front end
//! (the console's forms, the spreadsheet import's columns) maps it without cutting strings.

/// One step of a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath<'a> {
    steps: Vec<Step<'a>>,
}

impl<'a> FieldPath<'a> {
    /// Reads `details.inputs[1].dose`; a malformed index is kept as part of its key.
    pub fn parse(path: &'a str) -> Self {
        let mut steps = Vec::new();
        for part in path.split('.').filter(|p| !p.is_empty()) {
            let (key, mut rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
            let mut indices = Vec::new();
            while let Some((n, after)) = rest.split_once(']') {
                match n.parse() {
                    Ok(i) => indices.push(Step::Index(i)),
                    Err(_) => break,
                }
                rest = after.strip_prefix('[').unwrap_or(after);
            }
            if !key.is_empty() {
                steps.push(Step::Key(key));
            }
            steps.extend(indices);
        }
        FieldPath { steps }
    }

    /// The path without a leading key `key` (`details.reason` → `reason`).
    pub fn within(mut self, key: &str) -> Self {
        if self.steps.first() == Some(&Step::Key(key)) {
            self.steps.remove(0);
        }
        self
    }

    /// The path's only key, for a top-level field (`name`).
    pub fn name(&self) -> Option<&'a str> {
        match self.steps.as_slice() {
            [Step::Key(k)] => Some(k),
            _ => None,
        }
    }

    /// When the path is in the list `list`: the item's index and the item's field, each when
    /// the path names them (`inputs[1].dose` → `(Some(1), Some("dose"))`, `inputs` →
    /// `(None, None)`).
    pub fn in_list(&self, list: &str) -> Option<(Option<usize>, Option<&'a str>)> {
        match self.steps.as_slice() {
            [Step::Key(k), rest @ ..] if *k == list => {
                let index = match rest.first() {
                    Some(Step::Index(i)) => Some(*i),
                    _ => None,
                };
                let field = rest.iter().find_map(|s| match s {
                    Step::Key(f) => Some(*f),
                    Step::Index(_) => None,
                });
                Some((index, field))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_read_into_keys_and_indices() {
        let p = FieldPath::parse("details.inputs[1].dose").within("details");
        assert_eq!(p.in_list("inputs"), Some((Some(1), Some("dose"))));
        assert_eq!(p.name(), None);
        assert_eq!(
            FieldPath::parse("details.inputs")
                .within("details")
                .in_list("inputs"),
            Some((None, None))
        );
        assert_eq!(
            FieldPath::parse("photos[0]").in_list("photos"),
            Some((Some(0), None))
        );
        assert_eq!(
            FieldPath::parse("details.reason").within("details").name(),
            Some("reason")
        );
        assert_eq!(
            FieldPath::parse("occurred_at").within("details").name(),
            Some("occurred_at")
        );
        assert_eq!(
            FieldPath::parse("a[x].b").name(),
            None,
            "a bad index is not an index"
        );
    }
}
