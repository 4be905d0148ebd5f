//! The knowledge base's writing commands (staff): thin calls into the engine. Unlike
//! tickets they are not queued offline — a save needs the server's answer (a newer
//! version by a colleague is refused) — so offline they fail with `kind: offline`, which
//! the editor says in words and keeps the text on screen.

use tadhkira_proto::{Article, ArticleChanges, ArticleVersion, NewArticle};
use tauri::State;
use uuid::Uuid;

use crate::error::IpcError;
use crate::state::AppState;

type Result<T> = std::result::Result<T, IpcError>;

/// The articles in the local store, newest first: published ones, or (staff, `all`)
/// drafts and archived ones too.
#[tauri::command]
pub async fn articles(state: State<'_, AppState>, all: Option<bool>) -> Result<Vec<Article>> {
    Ok(state.engine.articles(all.unwrap_or(false)).await?)
}

/// Writes a new article (staff; needs the connection).
#[tauri::command(rename_all = "snake_case")]
pub async fn create_article(state: State<'_, AppState>, new: NewArticle) -> Result<Article> {
    Ok(state.engine.create_article(&new).await?)
}

/// Saves changes to an article (staff; needs the connection).
#[tauri::command(rename_all = "snake_case")]
pub async fn update_article(
    state: State<'_, AppState>,
    id: Uuid,
    changes: ArticleChanges,
) -> Result<Article> {
    Ok(state.engine.update_article(id, &changes).await?)
}

/// The kept former versions of an article, newest first (staff; needs the connection).
#[tauri::command(rename_all = "snake_case")]
pub async fn article_versions(state: State<'_, AppState>, id: Uuid) -> Result<Vec<ArticleVersion>> {
    Ok(state.engine.article_versions(id).await?)
}

/// Restores a kept version of an article (staff; needs the connection).
#[tauri::command(rename_all = "snake_case")]
pub async fn restore_article_version(
    state: State<'_, AppState>,
    id: Uuid,
    version: i64,
) -> Result<Article> {
    Ok(state.engine.restore_article_version(id, version).await?)
}
