//! Text normalisation for search, applied in Rust both to what is indexed and to the
//! query, so that the two always agree.
//!
//! Arabic: harakat (U+064B–U+0652) and the dagger alif (U+0670) are dropped, tatweel
//! (U+0640) is dropped, alif with hamza or madda (أ إ آ) becomes bare alif (ا), alif
//! maqsura (ى) becomes ya (ي) and ta marbuta (ة) becomes ha (ه). Arabic-Indic digits
//! (٠–٩, and the Persian ۰–۹) become ASCII digits, so `١٠٤٢` finds `1042`. Latin (and
//! every other cased script) is lower-cased. SQLite's FTS5 tokenizer then only splits
//! words.

/// The search form of `text`.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\u{064B}'..='\u{0652}' | '\u{0670}' | '\u{0640}' => {}
            'أ' | 'إ' | 'آ' => out.push('ا'),
            'ى' => out.push('ي'),
            'ة' => out.push('ه'),
            c if ascii_digit(c).is_some() => out.extend(ascii_digit(c)),
            c if c.is_uppercase() => out.extend(c.to_lowercase()),
            c => out.push(c),
        }
    }
    out
}

/// The ASCII digit for an ASCII, Arabic-Indic or Persian digit.
fn ascii_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '\u{0660}'..='\u{0669}' => char::from_digit(c as u32 - 0x0660, 10),
        '\u{06F0}'..='\u{06F9}' => char::from_digit(c as u32 - 0x06F0, 10),
        _ => None,
    }
}

/// The ticket number a reference or search means, when it is only one: `1042`,
/// `#1042`, `١٠٤٢`, `#١٠٤٢` (surrounding space allowed). `None` for anything else.
pub fn ticket_number(input: &str) -> Option<i64> {
    let t = input.trim();
    let t = t.strip_prefix('#').unwrap_or(t).trim_start();
    if t.is_empty() || t.chars().count() > 18 {
        return None;
    }
    let digits: Option<String> = t.chars().map(ascii_digit).collect();
    digits?.parse().ok().filter(|n| *n > 0)
}

/// An FTS5 MATCH expression for what a user typed: every word must occur, each as a
/// prefix. Returns `None` when nothing searchable is left.
pub fn fts_query(input: &str) -> Option<String> {
    let norm = normalize(input);
    let terms: Vec<String> = norm
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{w}\"*"))
        .collect();
    if terms.is_empty() {
        None
    } else {
        Some(terms.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_diacritics_tatweel_and_letter_variants_fold_away() {
        assert_eq!(normalize("مُشْكِلَةٌ"), "مشكله");
        assert_eq!(normalize("الطـــابعة"), "الطابعه");
        assert_eq!(normalize("أحمد إلى آخر"), "احمد الي اخر");
        assert_eq!(normalize("هٰذا"), "هذا");
    }

    #[test]
    fn ticket_numbers_are_read_in_every_form_people_type() {
        for typed in ["1042", "#1042", " # 1042 ", "١٠٤٢", "#١٠٤٢", "۱۰۴۲"] {
            assert_eq!(ticket_number(typed), Some(1042), "{typed:?}");
        }
        for not_one in [
            "",
            "#",
            "10 42",
            "1042a",
            "#-1",
            "0",
            "printer",
            "99999999999999999999",
        ] {
            assert_eq!(ticket_number(not_one), None, "{not_one:?}");
        }
        assert_eq!(normalize("رقم ١٠٤٢"), "رقم 1042");
    }

    #[test]
    fn latin_is_case_folded() {
        assert_eq!(normalize("Printer OFFLINE"), "printer offline");
    }

    #[test]
    fn queries_quote_each_word_as_a_prefix() {
        assert_eq!(
            fts_query("  Printer \"jam\" "),
            Some("\"printer\"* \"jam\"*".into())
        );
        assert_eq!(fts_query(" ,. "), None);
    }
}
