//! `articles [--search Q] [--all]` and `article ID`: the knowledge base from the local
//! store (it arrives with every sync), so both work offline. A search ranks the
//! published articles as the app's new-ticket suggestions do (Arabic folded, the user's
//! language first).

use tadhkira_client::Engine;
use uuid::Uuid;

use crate::i18n::t;
use crate::output::{self, say};
use crate::{exit, Cli};

/// `tadhkira articles`.
pub async fn articles(
    cli: &Cli,
    engine: &Engine,
    search: Option<&str>,
    all: bool,
) -> anyhow::Result<u8> {
    let lang = crate::i18n::locale().tag();
    match search.map(str::trim).filter(|q| !q.is_empty()) {
        Some(q) => {
            let hits = engine
                .related_articles(q, Some(lang), tadhkira_client::MAX_RELATED)
                .await?;
            if cli.json {
                output::json(&hits)?;
            } else {
                for h in &hits {
                    let title: String = h.title.iter().map(|s| s.text.as_str()).collect();
                    say(&format!("{}  [{}]  {title}", h.id, h.lang));
                }
                say(&t("cli-articles-count", &[("count", hits.len().into())]));
            }
        }
        None => {
            let list = engine.articles(all).await?;
            if cli.json {
                output::json(&list)?;
            } else {
                for a in &list {
                    let status = if all {
                        format!("  ({})", a.status)
                    } else {
                        String::new()
                    };
                    say(&format!("{}  [{}]  {}{status}", a.id, a.lang, a.title));
                }
                say(&t("cli-articles-count", &[("count", list.len().into())]));
            }
        }
    }
    Ok(exit::OK)
}

/// `tadhkira article ID`.
pub async fn article(cli: &Cli, engine: &Engine, id: &str) -> anyhow::Result<u8> {
    let id: Uuid = super::parse("article id", id)?;
    let a = engine.article(id).await?;
    if cli.json {
        output::json(&a)?;
    } else {
        say(&format!("{}  [{}]", a.title, a.id));
        let none = t("cli-article-no-category", &[]);
        say(&t(
            "cli-article-meta",
            &[
                ("lang", a.lang.as_str().into()),
                ("category", a.category.as_deref().unwrap_or(&none).into()),
                ("version", a.version.into()),
                ("author", a.author_name.as_str().into()),
            ],
        ));
        say(&format!("\n{}", a.body));
    }
    Ok(exit::OK)
}
