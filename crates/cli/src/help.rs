//! `--help` in the user's language. clap's derive gives the shape (commands, options,
//! value names); every word people read comes from `cli.ftl`: the about line of each
//! command (`cli-help-COMMAND[-SUBCOMMAND]`), each option's help (`…-OPTION`), the
//! headings and the help/version flags. Value names (`<TICKET>`), option names, clap's
//! `[default: …]` / `[env: …]` notes and its parse errors stay as clap writes them.

use clap::{Arg, ArgAction, Command};
use tadhkira_i18n::Catalogue;

use crate::i18n::{locale, t};

/// The catalogue id of the command at `path` (`["list"]`, `["outbox", "resend"]`).
fn id_of(path: &[&str]) -> String {
    std::iter::once("cli-help")
        .chain(path.iter().copied())
        .collect::<Vec<_>>()
        .join("-")
        .replace('_', "-")
}

/// `cmd` (the `tadhkira` command of the derive) with its words in the chosen language.
pub fn localized(cmd: Command) -> Command {
    let cmd = cmd
        .disable_help_subcommand(true)
        .disable_version_flag(true)
        .arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help(t("cli-help-version", &[]))
                .help_heading(t("cli-help-options", &[])),
        );
    localize(cmd, &[])
}

fn localize(mut cmd: Command, path: &[&str]) -> Command {
    let catalogue = Catalogue::get(locale());
    let id = id_of(path);
    if catalogue.has(&id) {
        cmd = cmd.about(t(&id, &[]));
    }
    cmd = cmd
        .help_template(format!(
            "{{about-with-newline}}\n{} {{usage}}\n\n{{all-args}}{{after-help}}",
            t("cli-help-usage", &[])
        ))
        .subcommand_help_heading(t("cli-help-commands", &[]))
        .disable_help_flag(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help(t("cli-help-help", &[]))
                .help_heading(t("cli-help-options", &[])),
        );
    let args: Vec<(String, bool)> = cmd
        .get_arguments()
        .filter(|a| !matches!(a.get_id().as_str(), "help" | "version"))
        .map(|a| (a.get_id().to_string(), a.is_positional()))
        .collect();
    for (arg, positional) in args {
        let heading = t(
            if positional {
                "cli-help-arguments"
            } else {
                "cli-help-options"
            },
            &[],
        );
        let help_id = format!("{id}-{}", arg.replace('_', "-"));
        let help = catalogue.has(&help_id).then(|| t(&help_id, &[]));
        cmd = cmd.mut_arg(&arg, |a| {
            let a = a.help_heading(heading);
            match help {
                Some(h) => a.help(h),
                None => a,
            }
        });
    }
    let subcommands: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in subcommands {
        let mut sub_path = path.to_vec();
        sub_path.push(&name);
        cmd = cmd.mut_subcommand(&name, |s| localize(s, &sub_path));
    }
    cmd
}

/// The language named by `--lang X` / `--lang=X` in `args`, read before clap parses
/// them (the help must be built in it); an unknown one is left to clap to refuse.
pub fn lang_flag(args: &[String]) -> Option<tadhkira_i18n::Locale> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        if a == "--lang" {
            return it.next().and_then(|v| tadhkira_i18n::Locale::from_tag(v));
        }
        if let Some(v) = a.strip_prefix("--lang=") {
            return tadhkira_i18n::Locale::from_tag(v);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;
    use tadhkira_i18n::Locale;

    /// Every command and option of the derive, with its catalogue id.
    fn ids(cmd: &Command, path: &mut Vec<String>, out: &mut Vec<String>) {
        let refs: Vec<&str> = path.iter().map(String::as_str).collect();
        let id = id_of(&refs);
        out.push(id.clone());
        for a in cmd.get_arguments() {
            let name = a.get_id().as_str();
            if path.is_empty() || !a.is_global_set() {
                out.push(format!("{id}-{}", name.replace('_', "-")));
            }
        }
        for s in cmd.get_subcommands() {
            path.push(s.get_name().to_owned());
            ids(s, path, out);
            path.pop();
        }
    }

    #[test]
    fn every_command_and_option_has_help_in_both_languages() {
        let mut all = Vec::new();
        ids(&crate::Cli::command(), &mut Vec::new(), &mut all);
        for locale in [Locale::En, Locale::Ar] {
            let c = Catalogue::get(locale);
            let missing: Vec<_> = all.iter().filter(|id| !c.has(id)).collect();
            assert!(missing.is_empty(), "{locale:?} lacks {missing:?}");
        }
    }

    #[test]
    fn the_lang_flag_is_read_before_parsing() {
        let args = |s: &str| s.split(' ').map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(
            lang_flag(&args("tadhkira --lang ar --help")),
            Some(Locale::Ar)
        );
        assert_eq!(
            lang_flag(&args("tadhkira list --lang=en")),
            Some(Locale::En)
        );
        assert_eq!(lang_flag(&args("tadhkira --lang fr --help")), None);
        assert_eq!(lang_flag(&args("tadhkira reply 1 -- --lang ar")), None);
    }
}
