//! Rust source text for literal values and names: string literals, integer
//! and float literals, and variable names made from logical IDs.

use std::collections::BTreeSet;

use heck::ToSnakeCase;
use serde_json::Number;

/// A Rust string literal holding `text` exactly.
pub(crate) fn str_lit(text: &str) -> String {
    // Debug formatting escapes quotes, backslashes and control characters
    // the way Rust source spells them (`\u{1b}`), so the literal is valid.
    format!("{text:?}")
}

/// An integer literal for `Value<i64>` or `Value<f64>`: plain within `i32`
/// (the type an unsuffixed literal falls back to), suffixed beyond it.
pub(crate) fn int_lit(n: i64) -> String {
    if i32::try_from(n).is_ok() {
        n.to_string()
    } else {
        format!("{n}_i64")
    }
}

/// An `f64` literal that renders back to `n`, when there is one: infra
/// renders a whole `f64` without a fraction, so `2` is `2.0`, and `5.0`
/// (written with its fraction) has none, nor a whole number beyond 2^53.
pub(crate) fn float_lit(n: &Number) -> Option<String> {
    if let Some(i) = n.as_i64() {
        return (i.unsigned_abs() < 1 << 53).then(|| format!("{i}.0"));
    }
    let f = n.as_f64()?;
    (f.fract() != 0.0 && f.is_finite()).then(|| format!("{f:?}"))
}

/// Words a variable may not be named: Rust keywords and the names the
/// imported function itself uses.
const TAKEN: &[&str] = &[
    "as",
    "async",
    "await",
    "break",
    "const",
    "continue",
    "crate",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "fn",
    "for",
    "gen",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "match",
    "mod",
    "move",
    "mut",
    "pub",
    "ref",
    "return",
    "self",
    "static",
    "struct",
    "super",
    "trait",
    "true",
    "type",
    "unsafe",
    "use",
    "where",
    "while",
    "yield",
    "abstract",
    "become",
    "box",
    "do",
    "final",
    "macro",
    "override",
    "priv",
    "try",
    "typeof",
    "unsized",
    "virtual",
    "t",
    "aws",
    "fns",
    "pseudo",
    "json",
    "infra",
    "std",
    "template",
    "value",
    "condition",
    "parameter",
    "output",
    "mapping",
    "attributes",
];

/// Hands out variable names: each logical ID in snake case, made unique.
#[derive(Default)]
pub(crate) struct Names {
    used: BTreeSet<String>,
}

impl Names {
    /// A fresh variable for `logical_id`, `kind` appended when the plain
    /// name is taken (`env_condition` beside a parameter `Env`).
    pub(crate) fn fresh(&mut self, logical_id: &str, kind: &str) -> String {
        let mut base = logical_id.to_snake_case();
        base.retain(|c| c.is_ascii_alphanumeric() || c == '_');
        if base.is_empty() || base.starts_with(|c: char| c.is_ascii_digit()) {
            base = format!("{kind}_{base}");
        }
        let mut name = base.clone();
        if TAKEN.contains(&name.as_str()) || self.used.contains(&name) {
            name = format!("{base}_{kind}");
        }
        let mut n = 2;
        while TAKEN.contains(&name.as_str()) || self.used.contains(&name) {
            name = format!("{base}_{kind}{n}");
            n += 1;
        }
        self.used.insert(name.clone());
        name
    }
}

/// `source` indented as rustfmt would: what a line leaves open is indented
/// one level more than that line (a line opening two, `h([`, indents what
/// follows once), a closing line as its opener; a method-chain line (`.x()`)
/// one level under the chain's first line, or level with the chain when the
/// first line spans several; brackets in string literals ignored. For the
/// statements rustfmt cannot lay out (a string longer than a line), which
/// it keeps as written.
pub(crate) fn reindent(source: &str) -> String {
    /// A line that left brackets open: how many, and its indent.
    struct Open {
        remaining: usize,
        indent: usize,
    }
    #[derive(PartialEq)]
    enum Kind {
        Close,
        Dot,
        Other,
    }
    let mut out = String::new();
    let mut open: Vec<Open> = Vec::new();
    let mut last: Option<(Kind, usize)> = None;
    for line in source.lines() {
        let line = line.trim();
        let base = open.last().map_or(0, |o| o.indent + 1);
        let leading = line
            .chars()
            .take_while(|c| matches!(c, ')' | ']' | '}'))
            .count();
        let (kind, indent) = if leading > 0 {
            // The closers end the innermost open lines first.
            let mut indent = base;
            let mut closing = leading;
            for o in open.iter().rev() {
                indent = o.indent;
                if closing <= o.remaining {
                    break;
                }
                closing -= o.remaining;
            }
            (Kind::Close, indent)
        } else if line.starts_with('.') {
            let indent = match &last {
                Some((Kind::Close | Kind::Dot, i)) if *i == base || *i == base + 1 => *i,
                _ => base + 1,
            };
            (Kind::Dot, indent)
        } else {
            (Kind::Other, base)
        };
        if !line.is_empty() {
            out.push_str(&"    ".repeat(indent));
        }
        out.push_str(line);
        out.push('\n');
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        let mut opened = 0;
        let mut in_string = false;
        let mut escaped = false;
        for c in line.chars() {
            match (in_string, c) {
                (true, _) if escaped => escaped = false,
                (true, '\\') => escaped = true,
                (true, '"') => in_string = false,
                (true, _) => {}
                (false, '"') => in_string = true,
                (false, '(' | '[' | '{') => opened += 1,
                (false, ')' | ']' | '}') if opened > 0 => opened -= 1,
                (false, ')' | ']' | '}') => {
                    if let Some(top) = open.last_mut() {
                        top.remaining -= 1;
                        if top.remaining == 0 {
                            open.pop();
                        }
                    }
                }
                _ => {}
            }
        }
        if opened > 0 {
            open.push(Open {
                remaining: opened,
                indent,
            });
        }
        last = Some((kind, indent));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_rust() {
        assert_eq!(str_lit("a \"b\"\n\u{1b}"), r#""a \"b\"\n\u{1b}""#);
        assert_eq!(int_lit(5), "5");
        assert_eq!(int_lit(5_000_000_000), "5000000000_i64");
        assert_eq!(
            float_lit(&Number::from_f64(1.5).unwrap()).as_deref(),
            Some("1.5")
        );
        assert_eq!(float_lit(&Number::from_f64(5.0).unwrap()), None);
    }

    #[test]
    fn reindent_follows_brackets_not_strings() {
        let text = "fn f() {\nlet x = g(\n\"(\",\nh([\n1,\n]),\nK::new(\n2,\n)\n.m()\n.n(),\nOut::new(3)\n.d(),\n);\n}\n";
        let want = "fn f() {
    let x = g(
        \"(\",
        h([
            1,
        ]),
        K::new(
            2,
        )
        .m()
        .n(),
        Out::new(3)
            .d(),
    );
}
";
        assert_eq!(reindent(text), want);
    }

    #[test]
    fn names_are_unique_and_not_keywords() {
        let mut names = Names::default();
        assert_eq!(names.fresh("VisitsTable", "resource"), "visits_table");
        assert_eq!(names.fresh("Type", "resource"), "type_resource");
        assert_eq!(names.fresh("Env", "parameter"), "env");
        assert_eq!(names.fresh("Env", "condition"), "env_condition");
        assert_eq!(names.fresh("ENV", "condition"), "env_condition2");
        assert_eq!(names.fresh("1st", "resource"), "resource_1st");
    }
}
