//! Rust names for schema names: types, fields, enum variants, modules.

use heck::{ToSnakeCase, ToUpperCamelCase};

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
    "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where", "while",
    "abstract", "become", "box", "do", "final", "gen", "macro", "override", "priv", "try",
    "typeof", "unsized", "virtual", "yield",
];

/// A snake_case identifier (fields, setters, modules, attribute methods).
pub fn snake(name: &str) -> String {
    let mut s = name.to_snake_case();
    s.retain(|c| c.is_ascii_alphanumeric() || c == '_');
    if s.is_empty() {
        s.push_str("value");
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert_str(0, "n_");
    }
    match s.as_str() {
        "self" | "super" | "crate" | "Self" => format!("{s}_"),
        k if KEYWORDS.contains(&k) => format!("r#{s}"),
        _ => s,
    }
}

/// An UpperCamelCase identifier (types, variants); `None` when nothing of the
/// name is usable.
pub fn camel(name: &str) -> Option<String> {
    let mut s = name.to_upper_camel_case();
    s.retain(|c| c.is_ascii_alphanumeric());
    if s.is_empty() {
        return None;
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'V');
    }
    if s == "Self" {
        s.push_str("Value");
    }
    Some(s)
}

/// A plausible singular of a plural property name, for a list's item type.
pub fn singular(name: &str) -> String {
    if let Some(stem) = name.strip_suffix("ies") {
        return format!("{stem}y");
    }
    if name.len() > 3 && name.ends_with('s') && !name.ends_with("ss") {
        return name[..name.len() - 1].to_owned();
    }
    format!("{name}Item")
}

/// Doc comment lines (`/// ...`) for a schema description: whitespace folded so
/// nothing reads as a code block, wrapped at about 90 columns.
pub fn doc_lines(text: &str, indent: &str) -> String {
    let cleaned = text.replace("```", "'''").replace('\t', " ");
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    if words.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    let mut line = String::new();
    for word in words {
        if !line.is_empty() && line.len() + word.len() + 1 > 90 {
            out.push_str(&format!("{indent}/// {line}\n"));
            line.clear();
        }
        if line.is_empty() && starts_markdown_block(word) {
            // A wrapped line must not begin a list, heading or quote.
            line.push('\\');
        }
        if !line.is_empty() && line != "\\" {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&format!("{indent}/// {line}\n"));
    out
}

/// Whether a line starting with `word` would open a Markdown block.
fn starts_markdown_block(word: &str) -> bool {
    let first = word.chars().next().unwrap_or(' ');
    matches!(first, '+' | '-' | '*' | '#' | '>' | '=' | '|')
        || (word.ends_with(['.', ')'])
            && word[..word.len() - 1].chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(snake("SSESpecification"), "sse_specification");
        assert_eq!(snake("Type"), "r#type");
        assert_eq!(snake("Self"), "self_");
        assert_eq!(camel("PAY_PER_REQUEST").as_deref(), Some("PayPerRequest"));
        assert_eq!(camel("nodejs20.x").as_deref(), Some("Nodejs20X"));
        assert_eq!(camel("1024").as_deref(), Some("V1024"));
        assert_eq!(camel("*"), None);
        assert_eq!(singular("Policies"), "Policy");
        assert_eq!(singular("Architectures"), "Architecture");
        assert_eq!(singular("Address"), "AddressItem");
    }

    #[test]
    fn docs_never_make_code_blocks() {
        let doc = doc_lines("Intro.\n\n    indented code\n```\nfenced\n```", "");
        assert!(!doc.contains("```"));
        assert!(doc.lines().all(|l| !l.starts_with("///  ")));
        let long = format!("{} + item one + item two 1. first", "word ".repeat(17));
        for line in doc_lines(&long, "").lines() {
            let text = line.trim_start_matches("/// ");
            assert!(!text.starts_with('+') && !text.starts_with("1."), "{line}");
        }
    }
}
