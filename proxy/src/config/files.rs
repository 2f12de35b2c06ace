//! `-f <file|dir>` arguments -> the list of files to read, as HAProxy 2.6 builds it: a
//! directory contributes its regular files whose name ends in `.cfg` (the first `.cfg` in the
//! name must be the end: `a.cfg.cfg` is skipped), not starting with a dot, in byte order,
//! named `<dir>/<name>` exactly as given (`dir/` gives `dir//a.cfg`). Every argument is
//! checked before any file is read.

use std::path::{Path, PathBuf};

/// strerror-like text of an I/O error ("No such file or directory").
pub fn os_error_text(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// The files to read, or HAProxy's message for the first argument that cannot be used.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        let shown = path.display();
        let meta = std::fs::metadata(path).map_err(|e| {
            format!(
                "Cannot open configuration file/directory {shown} : {}",
                os_error_text(&e)
            )
        })?;
        if !meta.is_dir() {
            files.push(path.clone());
            continue;
        }
        let entries = std::fs::read_dir(path)
            .map_err(|_| format!("Cannot open the configuration directory '{shown}'."))?;
        let mut names: Vec<Vec<u8>> = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let bytes = name.as_encoded_bytes().to_vec();
            if is_cfg_name(&bytes) {
                names.push(bytes);
            }
        }
        names.sort();
        for name in names {
            let name = String::from_utf8_lossy(&name).into_owned();
            let full = PathBuf::from(format!("{}/{name}", path.display()));
            let meta = std::fs::metadata(&full).map_err(|e| {
                format!(
                    "Cannot open configuration file {} : {}",
                    full.display(),
                    os_error_text(&e)
                )
            })?;
            if meta.is_file() {
                files.push(full);
            }
        }
    }
    Ok(files)
}

fn is_cfg_name(name: &[u8]) -> bool {
    if name.first() == Some(&b'.') {
        return false;
    }
    match name.windows(4).position(|w| w == b".cfg") {
        Some(i) => i + 4 == name.len(),
        None => false,
    }
}

/// Reads one file (the whole text; lines are split by the reader).
pub fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| {
        format!(
            "Could not open configuration file {} : {}",
            path.display(),
            os_error_text(&e)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cfg_names() {
        assert!(is_cfg_name(b"a.cfg"));
        assert!(!is_cfg_name(b".h.cfg"));
        assert!(!is_cfg_name(b"x.cfg.cfg"));
        assert!(!is_cfg_name(b"c.conf"));
        assert!(!is_cfg_name(b"cfg"));
    }
}
