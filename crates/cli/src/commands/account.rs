//! `login`, `logout` and `whoami`: the account a data folder is signed in with.

use std::io::{BufRead, IsTerminal};

use tadhkira_client::{Engine, EngineError};

use super::after_change;
use crate::i18n::{self, t};
use crate::{exit, output, Cli};

/// `tadhkira login`: signs in, then runs the first sync. The password comes from
/// `--password` or `TADHKIRA_PASSWORD`, else it is asked for on the terminal without
/// echo, else (a script piping it) read as one line of standard input.
pub async fn login(
    cli: &Cli,
    engine: &Engine,
    server: &str,
    email: &str,
    password: Option<&str>,
) -> anyhow::Result<u8> {
    let password = match password {
        Some(p) => p.to_owned(),
        None => read_password(email)?,
    };
    let account = engine.sign_in(server, email, &password).await?;
    if account.insecure {
        eprintln!(
            "{}",
            t(
                "cli-warning-insecure",
                &[("server", account.server_url.to_string().into())]
            )
        );
    }
    if cli.json {
        output::json(&account)?;
    } else {
        println!(
            "{}",
            t(
                "cli-signed-in",
                &[
                    ("name", (&account.user.name).into()),
                    ("role", i18n::value("cli-role", account.user.role).into()),
                    ("server", account.server_url.to_string().into()),
                ]
            )
        );
    }
    // The first sync fills the local store (it raises no alerts).
    after_change(cli, engine).await
}

/// The password typed by the user: without echo when standard input is a terminal
/// (the prompt goes to the terminal, not to standard output), else one line of
/// standard input, so `echo pw | tadhkira login …` keeps working.
fn read_password(email: &str) -> anyhow::Result<String> {
    let prompt = format!("{} ", t("cli-password-prompt", &[("email", email.into())]));
    if std::io::stdin().is_terminal() {
        return Ok(rpassword::prompt_password(prompt)?);
    }
    eprint!("{prompt}");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// `tadhkira logout`: signs out; the local data stays.
pub async fn logout(cli: &Cli, engine: &Engine) -> anyhow::Result<u8> {
    engine.sign_out().await?;
    if !cli.json {
        println!("{}", t("cli-signed-out", &[]));
    }
    Ok(exit::OK)
}

/// `tadhkira whoami`: the signed-in user and server.
pub fn whoami(cli: &Cli, engine: &Engine) -> anyhow::Result<u8> {
    let account = engine.account().ok_or(EngineError::NotSignedIn)?;
    if cli.json {
        output::json(&account)?;
    } else {
        println!(
            "{}",
            t(
                "cli-whoami",
                &[
                    ("name", (&account.user.name).into()),
                    ("email", account.user.email.to_string().into()),
                    ("server", account.server_url.to_string().into()),
                ]
            )
        );
    }
    Ok(exit::OK)
}
