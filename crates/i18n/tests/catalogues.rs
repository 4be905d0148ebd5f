//! Checks over the embedded catalogues: strict parsing, both languages complete with the
//! same variables, and CLDR plural forms chosen right.

use std::collections::{BTreeMap, BTreeSet};

use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};
use tadhkira_i18n::{sources, Arg, Catalogue, Locale};

/// Message id → the variables it uses (value and attributes), for one file.
type Messages = BTreeMap<String, BTreeSet<String>>;

fn inline_vars(expression: &InlineExpression<&str>, vars: &mut BTreeSet<String>) {
    match expression {
        InlineExpression::VariableReference { id } => {
            vars.insert(id.name.to_owned());
        }
        InlineExpression::FunctionReference { arguments, .. } => {
            for arg in &arguments.positional {
                inline_vars(arg, vars);
            }
            for arg in &arguments.named {
                inline_vars(&arg.value, vars);
            }
        }
        InlineExpression::TermReference {
            arguments: Some(arguments),
            ..
        } => {
            for arg in &arguments.positional {
                inline_vars(arg, vars);
            }
            for arg in &arguments.named {
                inline_vars(&arg.value, vars);
            }
        }
        InlineExpression::Placeable { expression } => expression_vars(expression, vars),
        _ => {}
    }
}

fn expression_vars(expression: &Expression<&str>, vars: &mut BTreeSet<String>) {
    match expression {
        Expression::Inline(inline) => inline_vars(inline, vars),
        Expression::Select { selector, variants } => {
            inline_vars(selector, vars);
            for variant in variants {
                pattern_vars(&variant.value, vars);
            }
        }
    }
}

fn pattern_vars(pattern: &Pattern<&str>, vars: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let PatternElement::Placeable { expression } = element {
            expression_vars(expression, vars);
        }
    }
}

/// Plural selects in Arabic must spell out all six CLDR forms: a missing `[two]` would
/// silently say "2 تذكرة" through the default.
fn check_arabic_plurals(id: &str, pattern: &Pattern<&str>, problems: &mut Vec<String>) {
    const FORMS: [&str; 6] = ["zero", "one", "two", "few", "many", "other"];
    for element in &pattern.elements {
        let PatternElement::Placeable {
            expression: Expression::Select { variants, .. },
        } = element
        else {
            continue;
        };
        let keys: BTreeSet<&str> = variants
            .iter()
            .filter_map(|v| match &v.key {
                fluent_syntax::ast::VariantKey::Identifier { name } => Some(*name),
                fluent_syntax::ast::VariantKey::NumberLiteral { .. } => None,
            })
            .collect();
        let plural = keys.iter().any(|k| FORMS[..5].contains(k));
        if plural {
            let missing: Vec<&str> = FORMS.into_iter().filter(|f| !keys.contains(f)).collect();
            if !missing.is_empty() {
                problems.push(format!("ar: {id}: plural select lacks {missing:?}"));
            }
        }
        for variant in variants {
            check_arabic_plurals(id, &variant.value, problems);
        }
    }
}

/// Parses every catalogue strictly; returns (locale, file) → messages, and every problem.
fn parse_all() -> (BTreeMap<(Locale, &'static str), Messages>, Vec<String>) {
    let mut files = BTreeMap::new();
    let mut problems = Vec::new();
    for (locale, file, source) in sources() {
        let resource = match fluent_syntax::parser::parse(source) {
            Ok(resource) => resource,
            Err((resource, errors)) => {
                problems.push(format!("{locale}/{file}: syntax errors: {errors:?}"));
                resource
            }
        };
        let mut messages = Messages::new();
        for entry in &resource.body {
            match entry {
                Entry::Message(message) => {
                    let id = message.id.name.to_owned();
                    let mut vars = BTreeSet::new();
                    match &message.value {
                        Some(value) => {
                            pattern_vars(value, &mut vars);
                            if locale == Locale::Ar {
                                check_arabic_plurals(&id, value, &mut problems);
                            }
                        }
                        None => problems.push(format!("{locale}/{file}: {id} has no value")),
                    }
                    for attribute in &message.attributes {
                        pattern_vars(&attribute.value, &mut vars);
                    }
                    if messages.insert(id.clone(), vars).is_some() {
                        problems.push(format!("{locale}/{file}: {id} defined twice"));
                    }
                }
                Entry::Junk { content } => {
                    problems.push(format!("{locale}/{file}: unparsable: {content:?}"))
                }
                _ => {}
            }
        }
        files.insert((locale, file), messages);
    }
    (files, problems)
}

#[test]
fn every_catalogue_parses_and_both_languages_have_the_same_messages_and_variables() {
    let (files, mut problems) = parse_all();
    let names: BTreeSet<&str> = files.keys().map(|(_, file)| *file).collect();
    assert_eq!(names, BTreeSet::from(["app.ftl", "cli.ftl", "server.ftl"]));
    // An id must be unique across a language's files (they share one bundle).
    for locale in Locale::ALL {
        let mut seen = BTreeMap::new();
        for ((l, file), messages) in &files {
            if *l != locale {
                continue;
            }
            for id in messages.keys() {
                if let Some(other) = seen.insert(id.clone(), *file) {
                    problems.push(format!("{locale}: {id} in both {other} and {file}"));
                }
            }
        }
    }
    for file in names {
        let en = &files[&(Locale::En, file)];
        let ar = &files[&(Locale::Ar, file)];
        for (id, vars) in en {
            match ar.get(id) {
                None => problems.push(format!("ar/{file}: missing {id}")),
                Some(ar_vars) if ar_vars != vars => problems.push(format!(
                    "{file}: {id} uses {vars:?} in en but {ar_vars:?} in ar"
                )),
                Some(_) => {}
            }
        }
        for id in ar.keys().filter(|id| !en.contains_key(*id)) {
            problems.push(format!("en/{file}: missing {id}"));
        }
    }
    assert!(
        problems.is_empty(),
        "catalogue problems:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_runtime_bundles_load_every_message() {
    let (files, _) = parse_all();
    for ((locale, _), messages) in &files {
        let catalogue = Catalogue::get(*locale);
        for id in messages.keys() {
            assert!(catalogue.has(id), "{locale}: {id} did not load");
        }
    }
}

#[test]
fn arabic_chooses_the_right_one_of_six_plural_forms() {
    let ar = Catalogue::get(Locale::Ar);
    let count = |n: u64| ar.text("cli-tickets-count", &[("count", n.into())]);
    assert_eq!(count(0), "لا توجد تذاكر"); // zero
    assert_eq!(count(1), "تذكرة واحدة"); // one
    assert_eq!(count(2), "تذكرتان"); // two
    assert_eq!(count(3), "3 تذاكر"); // few (3–10)
    assert_eq!(count(10), "10 تذاكر");
    assert_eq!(count(11), "11 تذكرة"); // many (11–99)
    assert_eq!(count(100), "100 تذكرة"); // other
    let forms: BTreeSet<String> = [0, 1, 2, 3, 11, 100]
        .into_iter()
        .map(|n| count(n).replace(&n.to_string(), "N"))
        .collect();
    assert_eq!(forms.len(), 5, "many and other read alike here: {forms:?}");
}

#[test]
fn english_plurals() {
    let en = Catalogue::get(Locale::En);
    let count = |n: i64| en.text("cli-tickets-count", &[("count", Arg::from(n))]);
    assert_eq!(count(0), "No tickets");
    assert_eq!(count(1), "1 ticket");
    assert_eq!(count(2), "2 tickets");
}

#[test]
fn locales_from_tags_headers_and_the_environment() {
    assert_eq!(Locale::from_tag("ar"), Some(Locale::Ar));
    assert_eq!(Locale::from_tag("ar-EG"), Some(Locale::Ar));
    assert_eq!(Locale::from_tag("AR"), Some(Locale::Ar));
    assert_eq!(Locale::from_tag("en-GB"), Some(Locale::En));
    assert_eq!(Locale::from_tag("ar_EG.UTF-8"), Some(Locale::Ar));
    assert_eq!(Locale::from_tag("en_US.UTF-8@euro"), Some(Locale::En));
    assert_eq!(Locale::from_tag("fr"), None);
    assert_eq!(Locale::from_tag("C.UTF-8"), None);
    assert_eq!(Locale::from_tag(""), None);
    assert_eq!(Locale::from_tag("!!"), None);
    assert_eq!("ar".parse::<Locale>(), Ok(Locale::Ar));
    assert!("de".parse::<Locale>().is_err());

    let accept = Locale::from_accept_language;
    assert_eq!(accept("ar"), Some(Locale::Ar));
    assert_eq!(
        accept("fr-CH, fr;q=0.9, ar-EG;q=0.8, en;q=0.5"),
        Some(Locale::Ar)
    );
    assert_eq!(accept("en;q=0.5, ar;q=0.7"), Some(Locale::Ar));
    assert_eq!(accept("en, ar"), Some(Locale::En));
    assert_eq!(accept("ar;q=0, en;q=0.1"), Some(Locale::En));
    assert_eq!(accept("ar;q=oops"), None);
    assert_eq!(accept("fr, de;q=0.9, *;q=0.5"), None);
    assert_eq!(accept(""), None);

    let env = |pairs: &'static [(&'static str, &'static str)]| {
        Locale::from_posix_env(move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        })
    };
    assert_eq!(env(&[("LANG", "ar_EG.UTF-8")]), Some(Locale::Ar));
    assert_eq!(
        env(&[("LC_ALL", "en_GB.UTF-8"), ("LANG", "ar_EG.UTF-8")]),
        Some(Locale::En)
    );
    assert_eq!(
        env(&[("LC_ALL", ""), ("LANG", "ar_EG.UTF-8")]),
        Some(Locale::Ar)
    );
    assert_eq!(
        env(&[("LC_MESSAGES", "ar_SA"), ("LANG", "en_US")]),
        Some(Locale::Ar)
    );
    assert_eq!(env(&[("LC_ALL", "C.UTF-8"), ("LANG", "ar_EG.UTF-8")]), None);
    assert_eq!(env(&[]), None);
}
