//! JSON paths, and the walk that finds every value two documents differ in.

use std::fmt;

use super::ValueChange;
use crate::Json;

/// One step into a JSON value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// An object's key.
    Key(String),
    /// An array's index.
    Index(usize),
}

/// A path from a part's root (`Properties.Tags[1].Value`).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Path(pub Vec<Step>);

impl Path {
    fn with(&self, step: Step) -> Path {
        let mut steps = self.0.clone();
        steps.push(step);
        Path(steps)
    }

    /// This path below the key `root`.
    pub fn under(&self, root: &str) -> Path {
        let mut steps = vec![Step::Key(root.to_owned())];
        steps.extend(self.0.iter().cloned());
        Path(steps)
    }

    /// Whether one of the two paths leads into the other.
    pub fn overlaps(&self, other: &Path) -> bool {
        self.0.iter().zip(&other.0).all(|(a, b)| a == b)
    }

    /// Whether this is a resource's `Type`.
    pub fn is_type(&self) -> bool {
        self.0 == [Step::Key("Type".into())]
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(all)");
        }
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Key(k) if i == 0 => write!(f, "{k}")?,
                Step::Key(k) => write!(f, ".{k}")?,
                Step::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// Every value in which `old` and `new` differ, below `path`: objects key
/// by key, arrays element by element, anything else as a whole.
pub fn compare(path: &Path, old: &Json, new: &Json, out: &mut Vec<ValueChange>) {
    if old == new {
        return;
    }
    let change = |path: Path, old: Option<&Json>, new: Option<&Json>| ValueChange {
        path,
        old: old.cloned(),
        new: new.cloned(),
        replaces: false,
    };
    match (old, new) {
        (Json::Object(a), Json::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let here = path.with(Step::Key(key.clone()));
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => compare(&here, x, y, out),
                    (x, y) => out.push(change(here, x, y)),
                }
            }
        }
        (Json::Array(a), Json::Array(b)) => {
            for i in 0..a.len().max(b.len()) {
                let here = path.with(Step::Index(i));
                match (a.get(i), b.get(i)) {
                    (Some(x), Some(y)) => compare(&here, x, y, out),
                    (x, y) => out.push(change(here, x, y)),
                }
            }
        }
        _ => out.push(change(path.clone(), Some(old), Some(new))),
    }
}

/// The create-only paths (`KeySchema`, `Config/*/Name`) whose values differ
/// between two resources' properties, each made concrete.
pub fn create_only_differences(old: &Json, new: &Json, create_only: &[&str]) -> Vec<Path> {
    let mut out = Vec::new();
    for pattern in create_only {
        let steps: Vec<&str> = pattern.split('/').collect();
        walk(Some(old), Some(new), &steps, &Path::default(), &mut out);
    }
    out
}

fn walk(old: Option<&Json>, new: Option<&Json>, steps: &[&str], path: &Path, out: &mut Vec<Path>) {
    let Some((step, rest)) = steps.split_first() else {
        let absent = |v: Option<&Json>| v.is_none_or(Json::is_null);
        if old != new && !(absent(old) && absent(new)) {
            out.push(path.clone());
        }
        return;
    };
    if *step == "*" {
        let is_array = |v: Option<&Json>| v.is_none_or(Json::is_array);
        if !(is_array(old) && is_array(new)) {
            // An intrinsic (`Fn::If`, `Ref`) where a list belongs: compared whole.
            if old != new {
                out.push(path.clone());
            }
            return;
        }
        let len = |v: Option<&Json>| v.and_then(Json::as_array).map_or(0, Vec::len);
        for i in 0..len(old).max(len(new)) {
            let (o, n) = (old.and_then(|v| v.get(i)), new.and_then(|v| v.get(i)));
            walk(o, n, rest, &path.with(Step::Index(i)), out);
        }
    } else {
        let (o, n) = (
            old.and_then(|v| v.get(*step)),
            new.and_then(|v| v.get(*step)),
        );
        walk(o, n, rest, &path.with(Step::Key((*step).to_owned())), out);
    }
}
