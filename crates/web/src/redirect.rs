//! Where a browser may be sent back to: only paths of this site.
//!
//! A "return to" value is read the way the browser will read it, by the WHATWG URL parser (the
//! `url` crate implements it): tabs and newlines are dropped, a backslash is a slash, `//host` and
//! `/\host` are other hosts, `https:evil` and `javascript:` are other schemes. We resolve the value
//! against a placeholder origin and accept it only if it stays on that origin; what we hand back
//! is the parser's own serialization (path, query, fragment), so the browser cannot read it
//! differently from us.

use url::Url;

/// A placeholder origin: never contacted, it only anchors relative references.
const BASE: &str = "https://motcua.invalid/";

/// The same-site path `target` designates, or `None` if it leaves the site (or is not a path).
pub fn local_path(target: &str) -> Option<String> {
    // A control character has no business in a link we print or follow; the parser would drop
    // some silently, which is exactly the ambiguity open redirects live on.
    if target.is_empty() || target.len() > 2048 || target.chars().any(char::is_control) {
        return None;
    }
    // Only absolute paths: a relative one ("evil", "?x") would depend on the current page.
    if !target.starts_with('/') {
        return None;
    }
    let base = Url::parse(BASE).ok()?;
    let resolved = base.join(target).ok()?;
    if resolved.origin() != base.origin()
        || resolved.username() != ""
        || resolved.password().is_some()
    {
        return None;
    }
    let path = resolved.path();
    // "/.//evil" normalizes to a path starting with "//", which a Location header turns into a host.
    if path.starts_with("//") {
        return None;
    }
    let mut out = path.to_owned();
    if let Some(q) = resolved.query() {
        out.push('?');
        out.push_str(q);
    }
    if let Some(f) = resolved.fragment() {
        out.push('#');
        out.push_str(f);
    }
    Some(out)
}

/// [`local_path`], or the citizen's own dossiers: someone who signs in without asking to come
/// back anywhere (the header's link on the home page) came to see their applications.
pub fn local_or_my_dossiers(target: Option<&str>) -> String {
    target.and_then(local_path).unwrap_or_else(|| "/my".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_site_paths_are_kept() {
        for (input, want) in [
            ("/", "/"),
            ("/my", "/my"),
            ("/my/NHAP-ABC/form?step=2#f", "/my/NHAP-ABC/form?step=2#f"),
            ("/search?q=dang ky", "/search?q=dang%20ky"),
            ("/a/../b", "/b"),
            ("/%2F%2Fevil.example", "/%2F%2Fevil.example"),
            ("/tra-cứu", "/tra-c%E1%BB%A9u"),
        ] {
            assert_eq!(local_path(input).as_deref(), Some(want), "{input:?}");
        }
    }

    #[test]
    fn anything_that_leaves_the_site_is_refused() {
        for input in [
            "",
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "\\/evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "\t//evil.example",
            " //evil.example",
            "https://evil.example/",
            "https:evil.example",
            "http://motcua.invalid/x",
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,x",
            "evil.example",
            "?next=1",
            "/.//evil.example",
            "/./..//evil.example",
            "/x/..//evil.example",
            "//user@evil.example",
            "/\u{0000}",
            "/\u{001b}[31m",
            "/\u{0085}x",
        ] {
            assert_eq!(local_path(input), None, "{input:?}");
        }
    }

    #[test]
    fn no_output_is_read_as_another_host() {
        // Whatever comes out, a browser resolving it against any page of ours stays on our site.
        let inputs = [
            "/a//b",
            "/a/./b",
            "/..",
            "/../..//x",
            "/%09/x",
            "/%5C/x",
            "/@evil",
            "/:80",
            "/;/x",
        ];
        for input in inputs {
            if let Some(p) = local_path(input) {
                let page = Url::parse("https://ours.example/some/page").ok();
                let to = page
                    .and_then(|b| b.join(&p).ok())
                    .map(|u| u.host_str().map(str::to_owned));
                assert_eq!(to, Some(Some("ours.example".into())), "{input:?} -> {p:?}");
            }
        }
    }
}
