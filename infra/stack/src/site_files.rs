//! A site's folder: the object keys deploy publishes from it, and the URIs
//! CloudFront then serves: each key under its path, and the root
//! `index.html` also as `/` (the distribution's default root object; an S3
//! origin serves no other folder's `index.html` for `/folder/`).
//! <https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DefaultRootObject.html>

use std::path::Path;

/// The root object CloudFront serves for `/`.
pub const ROOT_OBJECT: &str = "index.html";

/// The object deploy writes beside the site's files, from the stack's
/// outputs (where the API and the WebSocket are).
pub const CONFIG_OBJECT: &str = "config.json";

/// Every URI the site in `dir` serves once deploy has published it: its
/// files and [`CONFIG_OBJECT`].
pub fn site_paths(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut keys = object_keys(dir)?;
    keys.push(CONFIG_OBJECT.to_owned());
    Ok(served_paths(&keys))
}

/// The object keys of the files under `dir` (`index.html`, `img/me.png`),
/// sorted; hidden files and folders (a name starting with a dot) and
/// `node_modules` are skipped. A missing folder has none.
pub fn object_keys(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut keys = Vec::new();
    if dir.is_dir() {
        walk(dir, dir, &mut keys)?;
    }
    keys.sort();
    Ok(keys)
}

/// The URIs that objects under `keys` are served at, sorted.
pub fn served_paths<S: AsRef<str>>(keys: &[S]) -> Vec<String> {
    let mut paths: Vec<String> = keys.iter().map(|k| format!("/{}", k.as_ref())).collect();
    if keys.iter().any(|k| k.as_ref() == ROOT_OBJECT) {
        paths.push("/".into());
    }
    paths.sort();
    paths.dedup();
    paths
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == "node_modules" {
            continue;
        }
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            walk(root, &path, out)?;
        } else if let Ok(relative) = path.strip_prefix(root) {
            let parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(parts.join("/"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_folders_and_the_root_object() {
        let dir = std::env::temp_dir().join(format!("site-files-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("blog")).unwrap();
        std::fs::create_dir_all(dir.join("node_modules/x")).unwrap();
        std::fs::write(dir.join("index.html"), "").unwrap();
        std::fs::write(dir.join("style.css"), "").unwrap();
        std::fs::write(dir.join("blog/index.html"), "").unwrap();
        std::fs::write(dir.join(".hidden"), "").unwrap();
        std::fs::write(dir.join("node_modules/x/a.js"), "").unwrap();
        let keys = object_keys(&dir).unwrap();
        assert_eq!(keys, ["blog/index.html", "index.html", "style.css"]);
        let mut with_config = keys.clone();
        with_config.push("config.json".into());
        assert_eq!(
            served_paths(&with_config),
            [
                "/",
                "/blog/index.html",
                "/config.json",
                "/index.html",
                "/style.css"
            ]
        );
        assert!(object_keys(&dir.join("missing")).unwrap().is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
