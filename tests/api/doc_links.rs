//! Every relative link in the README and the guides in `docs/` leads somewhere: the file exists
//! and, when the link names an anchor, the file has a heading with that anchor (as GitHub makes
//! them: lower case, spaces to `-`, other punctuation dropped).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

fn markdown_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    let mut guides: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/ is readable")
        .map(|entry| entry.expect("a docs/ entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    guides.sort();
    files.extend(guides);
    files
}

/// The text outside fenced code blocks, line by line.
fn prose(text: &str) -> Vec<&str> {
    let mut fenced = false;
    let mut lines = Vec::new();
    for line in text.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        } else if !fenced {
            lines.push(line);
        }
    }
    lines
}

/// A heading's anchor as GitHub derives it.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchors(text: &str) -> HashSet<String> {
    let mut seen = HashSet::new();
    let mut anchors = HashSet::new();
    for line in prose(text) {
        if !line.starts_with('#') {
            continue;
        }
        let Some(heading) = line.trim_start_matches('#').strip_prefix(' ') else {
            continue;
        };
        let base = anchor(heading);
        let mut name = base.clone();
        let mut n = 0;
        while !seen.insert(name.clone()) {
            n += 1;
            name = format!("{base}-{n}");
        }
        anchors.insert(name);
    }
    anchors
}

fn relative_links(text: &str) -> Vec<String> {
    let link = regex::Regex::new(r"\]\(([^)\s]+)\)").unwrap();
    prose(text)
        .into_iter()
        .flat_map(|line| link.captures_iter(line).map(|c| c[1].to_string()))
        .filter(|target| !target.contains("://") && !target.starts_with("mailto:"))
        .collect()
}

#[test]
fn the_heading_anchors_are_the_ones_github_makes() {
    assert_eq!(
        anchor("Quick start (fresh machine)"),
        "quick-start-fresh-machine"
    );
    assert_eq!(
        anchor("Verify tokens in other services: EdDSA and JWKS"),
        "verify-tokens-in-other-services-eddsa-and-jwks"
    );
    let twice = anchors("# Setup\n\n```sh\n# not a heading\n```\n\n## Setup\n");
    assert_eq!(
        twice,
        HashSet::from(["setup".to_string(), "setup-1".to_string()])
    );
}

#[test]
fn every_relative_link_in_the_readme_and_the_guides_resolves() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut broken = Vec::new();
    let mut checked = 0;
    for file in markdown_files() {
        let text = std::fs::read_to_string(&file).expect("a readable Markdown file");
        let shown = file.strip_prefix(root).unwrap().display().to_string();
        for target in relative_links(&text) {
            checked += 1;
            let (path, fragment) = match target.split_once('#') {
                Some((path, fragment)) => (path, Some(fragment)),
                None => (target.as_str(), None),
            };
            let linked = if path.is_empty() {
                file.clone()
            } else {
                file.parent().unwrap().join(path)
            };
            if !linked.exists() {
                broken.push(format!("{shown}: {target} (no file {})", linked.display()));
                continue;
            }
            if let Some(fragment) = fragment {
                let linked_text = std::fs::read_to_string(&linked).unwrap_or_default();
                if !anchors(&linked_text).contains(fragment) {
                    broken.push(format!("{shown}: {target} (no heading with that anchor)"));
                }
            }
        }
    }
    assert!(
        checked > 0,
        "no relative links found: the extraction is broken"
    );
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}
