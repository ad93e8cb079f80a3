//! Text that came from a server, made safe to show ([`terminal_safe`]), names checked
//! before they are sent, and the redaction of secrets.

use std::borrow::Cow;

/// Whether `c` is a character that changes how text around it is shown without being
/// visible itself: a control character (C0, DEL, C1), a bidirectional embedding,
/// override or isolate, or an invisible format character (zero-width spaces and joiners,
/// word joiner, soft hyphen, byte-order mark, …).
///
/// ```
/// use honeycomb_api_keys::is_hidden;
///
/// assert!(is_hidden('\u{1b}') && is_hidden('\u{202e}') && is_hidden('\u{200b}'));
/// assert!(!is_hidden('a') && !is_hidden('é'));
/// ```
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'                  // soft hyphen
            | '\u{034F}'                // combining grapheme joiner
            | '\u{061C}'                // Arabic letter mark
            | '\u{115F}' | '\u{1160}'   // Hangul fillers
            | '\u{17B4}' | '\u{17B5}'   // Khmer inherent vowels
            | '\u{180B}'..='\u{180F}'   // Mongolian variation selectors, vowel separator
            | '\u{200B}'..='\u{200F}'   // zero-width space, joiners, LRM, RLM
            | '\u{2028}' | '\u{2029}'   // line and paragraph separators
            | '\u{202A}'..='\u{202E}'   // bidi embeddings and overrides
            | '\u{2060}'..='\u{206F}'   // word joiner, invisible operators, bidi isolates
            | '\u{3164}'                // Hangul filler
            | '\u{FE00}'..='\u{FE0F}'   // variation selectors
            | '\u{FEFF}'                // byte-order mark, zero-width no-break space
            | '\u{FFA0}'                // halfwidth Hangul filler
            | '\u{FFF9}'..='\u{FFFB}'   // interlinear annotation
            | '\u{E0000}'..='\u{E007F}' // tags
        )
}

/// `text` with every [hidden](is_hidden) character written as a visible escape
/// (`\u{1b}`, `\u{202e}`), so that it shows exactly what it holds and cannot change the
/// terminal. Text without such characters is returned as it is, without a copy.
///
/// A key name, a JSON:API `detail` or an HTML error page is the server's text: printed raw,
/// an escape sequence in it could retitle the terminal, hide the rest of a line, or forge
/// an `error:` line, and a bidirectional override could make a name read backwards. This
/// crate escapes such characters for display, and refuses them in the names this crate
/// sends (so that a key made through it never carries one).
///
/// ```
/// use honeycomb_api_keys::terminal_safe;
///
/// assert_eq!(terminal_safe("checkout"), "checkout");
/// assert_eq!(terminal_safe("evil\u{1b}]0;owned\u{7}"), "evil\\u{1b}]0;owned\\u{7}");
/// assert_eq!(terminal_safe("abc\u{202e}fed"), "abc\\u{202e}fed");
/// ```
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_hidden(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The first hidden character of `text`, with its position (1-based, in characters).
pub(crate) fn first_hidden(text: &str) -> Option<(usize, char)> {
    text.chars().enumerate().find(|(_, c)| is_hidden(*c)).map(|(i, c)| (i + 1, c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_hidden_characters_are_shown_not_obeyed() {
        for (raw, shown) in [
            ("a\u{1b}[2Jb", "a\\u{1b}[2Jb"),
            ("line\nerror: forged", "line\\u{a}error: forged"),
            ("x\u{9b}31m", "x\\u{9b}31m"),
            ("\u{200b}admin", "\\u{200b}admin"),
            ("tab\there", "tab\\u{9}here"),
        ] {
            assert_eq!(terminal_safe(raw), shown);
        }
        assert!(matches!(terminal_safe("plain ünïcödé name"), Cow::Borrowed(_)));
        assert_eq!(first_hidden("ok\u{202e}no"), Some((3, '\u{202e}')));
        assert_eq!(first_hidden("fine"), None);
    }
}

/// What a secret is replaced with in server text.
pub(crate) const REDACTED: &str = "[REDACTED]";

/// Hides known secrets in text a server sent: a server (or a proxy before it) that echoes
/// the request could put the management key into an error body, and an error after a
/// create could quote the new key's secret. Each secret is looked for as it is, joined to
/// its key id (`id:secret`, what `Authorization` carries), URL-encoded, and
/// base64-encoded at any alignment within a longer encoded text; the token after a
/// `Bearer` is hidden whatever it is.
#[derive(Clone, Default)]
pub(crate) struct Redactor {
    /// Every form to hide, in ASCII lowercase (matching ignores case), longest first (so
    /// that `id:secret` goes before `secret`).
    forms: Vec<secrecy::SecretString>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} forms)", self.forms.len())
    }
}

impl Redactor {
    /// A redactor for `secret`, also as `id:secret` when the key's id is given.
    pub(crate) fn new(id: Option<&str>, secret: &str) -> Self {
        let mut r = Redactor::default();
        r.add(id, secret);
        r
    }

    /// Also hide `secret` (and `id:secret`).
    pub(crate) fn add(&mut self, id: Option<&str>, secret: &str) {
        use secrecy::ExposeSecret;
        if secret.len() < 4 {
            return; // too short to find without hiding ordinary words
        }
        let mut plain = vec![secret.to_string()];
        if let Some(id) = id {
            plain.push(format!("{id}:{secret}"));
        }
        let mut forms = Vec::new();
        for p in &plain {
            forms.push(p.clone());
            for upper in [true, false] {
                forms.push(percent_encode(p, upper));
            }
            forms.extend(base64_fragments(p.as_bytes()));
        }
        for form in forms {
            let form = form.to_ascii_lowercase();
            if form.len() >= 4 && !self.forms.iter().any(|f| f.expose_secret() == form) {
                self.forms.push(form.into());
            }
        }
        self.forms.sort_by_key(|f| std::cmp::Reverse(f.expose_secret().len()));
    }

    /// `text` with every known secret, and every `Bearer` token, replaced by
    /// `[REDACTED]`. Matched without regard to ASCII case: a URL lowercases its host, and
    /// a secret may travel in one.
    pub(crate) fn redact(&self, text: &str) -> String {
        use secrecy::ExposeSecret;
        let mut out = redact_bearer(text);
        for form in &self.forms {
            let form = form.expose_secret();
            // ASCII lowercasing keeps every byte where it is, so positions carry over.
            while let Some(at) = out.to_ascii_lowercase().find(form) {
                out.replace_range(at..at + form.len(), REDACTED);
            }
        }
        out
    }

    /// [`redact`](Self::redact) in place.
    pub(crate) fn redact_in_place(&self, text: &mut String) {
        let redacted = self.redact(text);
        if redacted != *text {
            *text = redacted;
        }
    }
}

/// The token after each `Bearer` (any case, after spaces, `:` or `=`) that looks like a
/// credential (12 characters or more, or an `id:secret` pair), hidden; words such as
/// "bearer token" are left alone.
fn redact_bearer(text: &str) -> String {
    const WORD: &str = "bearer";
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    let mut from = 0;
    while let Some(found) = lower[from..].find(WORD) {
        let start = from + found;
        let mut token = start + WORD.len();
        let bytes = text.as_bytes();
        while token < bytes.len() && matches!(bytes[token], b' ' | b'\t' | b':' | b'=' | b'"' | b'\'') {
            token += 1;
        }
        let mut end = token;
        while end < bytes.len()
            && !bytes[end].is_ascii_whitespace()
            && !matches!(bytes[end], b'"' | b'\'' | b',' | b'<')
        {
            end += 1;
        }
        let credential = end - token >= 12 || text[token..end].contains(':');
        if end > token && token > start + WORD.len() && credential {
            out.push_str(&text[rest..token]);
            out.push_str(REDACTED);
            rest = end;
        }
        from = end.max(start + WORD.len());
    }
    out.push_str(&text[rest..]);
    out
}

fn percent_encode(text: &str, upper: bool) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else if upper {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push_str(&format!("%{b:02x}"));
        }
    }
    out
}

/// The parts of the base64 encoding of `bytes` (standard and URL-safe alphabets) that do
/// not depend on what surrounds them, for each of the three alignments `bytes` can have
/// inside a longer encoded text.
fn base64_fragments(bytes: &[u8]) -> Vec<String> {
    const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut fragments = Vec::new();
    for offset in 0..3 {
        let mut input = vec![0u8; offset];
        input.extend_from_slice(bytes);
        let mut encoded = String::with_capacity(input.len() * 4 / 3 + 4);
        for chunk in input.chunks(3) {
            let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
            for i in 0..4 {
                encoded.push(STD[(n >> (18 - 6 * i)) as usize & 63] as char);
            }
        }
        // Characters made only of `bytes`' bits: skip those touched by the padding in
        // front, and stop before the last partial one.
        let skip = [0, 2, 3][offset];
        let whole = (input.len() * 8) / 6;
        if whole > skip {
            let fragment = &encoded[skip..whole];
            fragments.push(fragment.to_string());
            let url_safe: String = fragment
                .chars()
                .map(|c| match c {
                    '+' => '-',
                    '/' => '_',
                    c => c,
                })
                .collect();
            fragments.push(url_safe);
        }
    }
    fragments
}

#[cfg(test)]
mod redaction_tests {
    use super::*;

    const ID: &str = "hcxmk_01j1824es7n4evcmv81cn392jb";
    const SECRET: &str = "CANARYs3cr3tCANARYs3cr3tCANARY00";

    fn redactor() -> Redactor {
        Redactor::new(Some(ID), SECRET)
    }

    #[test]
    fn the_secret_is_hidden_in_every_form_a_server_could_echo_it() {
        let r = redactor();
        for echoed in [
            format!("detail: the key {SECRET} is wrong"),
            format!("Authorization: Bearer {ID}:{SECRET}"),
            format!("authorization=bearer={ID}:{SECRET}"),
            format!("you sent {ID}:{SECRET}."),
            format!("url?key={ID}%3A{SECRET}&x=1"),
            format!("url?key={ID}%3a{SECRET}"),
            format!("https://{}.example/", SECRET.to_ascii_lowercase()),
            // base64 of the id:secret pair, at each alignment, standard and URL-safe
            "aGN4bWtfMDFqMTgyNGVzN240ZXZjbXY4MWNuMzkyamI6Q0FOQVJZczNjcjN0Q0FOQVJZczNjcjN0Q0FOQVJZMDAh".to_string(),
            "eGhjeG1rXzAxajE4MjRlczduNGV2Y212ODFjbjM5MmpiOkNBTkFSWXMzY3IzdENBTkFSWXMzY3IzdENBTkFSWTAwIQ==".to_string(),
            "eHloY3hta18wMWoxODI0ZXM3bjRldmNtdjgxY24zOTJqYjpDQU5BUllzM2NyM3RDQU5BUllzM2NyM3RDQU5BUlkwMCE=".to_string(),
            "Basic QmFzaWM6IGhjeG1rXzAxajE4MjRlczduNGV2Y212ODFjbjM5MmpiOkNBTkFSWXMzY3IzdENBTkFSWXMzY3IzdENBTkFSWTAwIQ=="
                .to_string(),
            "enpDQU5BUllzM2NyM3RDQU5BUllzM2NyM3RDQU5BUlkwMD8_Pg==".to_string(),
        ] {
            let out = r.redact(&echoed);
            assert!(!out.contains("CANARY") && !out.contains(SECRET), "{echoed} -> {out}");
            for fragment in ["Q0FOQVJZczNjcjN0", "Q0FOQVJZczNjcjN0Q0FO", "NBTkFSWXMzY3IzdENBTkFSWX", "DQU5BUllzM2NyM3RDQU5BUl"] {
                assert!(!out.contains(fragment), "{echoed} -> {out}");
            }
            assert!(out.contains(REDACTED), "{out}");
        }
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        let r = redactor();
        let text = "invalid API key: check the Authorization header (a bearer token, the bearer of bad news)";
        assert_eq!(r.redact(text), text);
        assert_eq!(r.redact("Bearer someone:else"), "Bearer [REDACTED]");
        assert_eq!(r.redact("bearer=0123456789abcdef!"), "bearer=[REDACTED]");
        assert_eq!(r.redact("no secret here"), "no secret here");
        let mut short = Redactor::default();
        short.add(None, "ab");
        assert_eq!(short.redact("abab"), "abab");
    }
}
