//! Hand-written HTML building: every piece of repository data goes through [`esc`] (element
//! text and quoted attribute values alike) or [`url`] (a query or path component).

use std::fmt::Write as _;

/// Escape text for element content and double- or single-quoted attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encode a path segment or query value (everything but unreserved characters).
pub fn url(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Decode a percent-encoded component (`+` is a space when `plus` is set). Invalid escapes are
/// kept as written; invalid UTF-8 is replaced.
pub fn decode(text: &str, plus: bool) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' if plus => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A whole page: the shared header and navigation around `main`.
pub fn page(title: &str, version: &str, main: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{t} · cekops</title><link rel=\"icon\" href=\"/static/icon.svg\" type=\"image/svg+xml\">\
<link rel=\"stylesheet\" href=\"/static/app.css\">\
<script src=\"/static/app.js\" defer></script></head>\
<body data-version=\"{v}\"><header><a class=\"brand\" href=\"/\">cekops console</a>\
<nav><a href=\"/\">Extensions</a> <a href=\"/reviews\">Reviews</a></nav>\
<span id=\"live\" class=\"live\" title=\"follows the repository\">live</span></header>\n\
<main id=\"main\">{main}</main></body></html>\n",
        t = esc(title),
        v = esc(version),
    )
}

/// A definition-list row: a label, a value already rendered as HTML, and the findings beside it.
pub fn field(out: &mut String, label: &str, value_html: &str, findings_html: &str) {
    let _ = write!(
        out,
        "<div class=\"field\"><dt>{}</dt><dd>{value_html}{findings_html}</dd></div>",
        esc(label)
    );
}

/// Escaped text, or a dimmed dash when there is none.
pub fn opt(text: Option<&str>) -> String {
    match text {
        Some(t) if !t.is_empty() => esc(t),
        _ => "<span class=\"none\">—</span>".to_string(),
    }
}

/// A comma-separated list of escaped items, each in a `<span class="item">`.
pub fn items<'a>(list: impl IntoIterator<Item = &'a str>) -> String {
    let parts: Vec<String> = list
        .into_iter()
        .map(|s| format!("<span class=\"item\">{}</span>", esc(s)))
        .collect();
    if parts.is_empty() {
        opt(None)
    } else {
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("\"><img src=x onerror=alert(1)>"),
            "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(
            esc("<script>'&'</script>"),
            "&lt;script&gt;&#39;&amp;&#39;&lt;/script&gt;"
        );
        assert_eq!(esc("피자 주문"), "피자 주문");
    }

    #[test]
    fn encodes_and_decodes_components() {
        assert_eq!(url("a b/<c>"), "a%20b%2F%3Cc%3E");
        assert_eq!(url("com.example.x"), "com.example.x");
        assert_eq!(decode("%ED%94%BC%EC%9E%90+x", true), "피자 x");
        assert_eq!(decode("a+b", false), "a+b");
        assert_eq!(decode("100%", true), "100%");
        assert_eq!(decode("%zz%4", true), "%zz%4");
        let s = "<pizzaType>불고기</pizzaType> & \"x\"";
        assert_eq!(decode(&url(s), false), s);
    }
}
