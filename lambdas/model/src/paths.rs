//! Which requests are page views, and the form a path is counted under.

/// Longest path kept (bytes); longer ones are cut at a character boundary.
pub const MAX_PATH_BYTES: usize = 1024;

/// Whether `path` is a page (counted as a visit) rather than an asset
/// (stylesheet, script, image, font, `config.json`, ...): pages have no file
/// extension, or `.html`/`.htm`.
pub fn is_page(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or("");
    match last.rsplit_once('.') {
        None => true,
        Some((_, ext)) => matches!(ext.to_ascii_lowercase().as_str(), "html" | "htm"),
    }
}

/// The form a path is counted under: `/index.html` and `/` are one page
/// (as are `/a/index.html` and `/a/`), and overlong paths are cut.
pub fn normalize(path: &str) -> String {
    let path = match path
        .strip_suffix("index.html")
        .or_else(|| path.strip_suffix("index.htm"))
    {
        Some(dir) if dir.ends_with('/') => dir,
        _ => path,
    };
    if path.len() <= MAX_PATH_BYTES {
        return path.to_owned();
    }
    let mut end = MAX_PATH_BYTES;
    while !path.is_char_boundary(end) {
        end -= 1;
    }
    path[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_assets() {
        for page in ["/", "/about", "/blog/post/", "/index.html", "/a/b.HTM"] {
            assert!(is_page(page), "{page}");
        }
        for asset in [
            "/style.css",
            "/app.js",
            "/img/me.png",
            "/config.json",
            "/favicon.ico",
            "/font.woff2",
        ] {
            assert!(!is_page(asset), "{asset}");
        }
    }

    #[test]
    fn normalization() {
        assert_eq!(normalize("/index.html"), "/");
        assert_eq!(normalize("/blog/index.html"), "/blog/");
        assert_eq!(normalize("/myindex.html"), "/myindex.html");
        assert_eq!(normalize("/café"), "/café");
        let long = format!("/{}", "é".repeat(600));
        let cut = normalize(&long);
        assert!(cut.len() <= MAX_PATH_BYTES && long.starts_with(&cut));
    }
}
