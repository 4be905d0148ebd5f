//! The knowledge base on the engine: related articles while filing, an article from the
//! local store, and "this solved it" (a deflection, queued in the outbox like any other
//! change). All of it works offline: articles arrive with every pull.
//!
//! Writing articles (staff) is the exception: a save, a status change or a restore is a
//! plain call to the server (see [`crate::articles_api`]), never queued, and fails
//! `Offline` without the connection. The server's answer is kept in the local store at
//! once, and a sync round is woken so the change feed catches up.

use tadhkira_proto::{
    Article, ArticleChanges, ArticleStatus, ArticleVersion, Deflection, Mutation, MutationEnvelope,
    NewArticle,
};
use uuid::Uuid;

use crate::engine::Engine;
use crate::error::{EngineError, Result};
use crate::model::ArticleHit;

/// Most suggestions asked for at once.
pub const MAX_RELATED: usize = 20;

impl Engine {
    /// The published articles most related to `text` (what the user typed so far: title
    /// and description), best first, those in `lang` (`ar`/`en`) before the others.
    /// Arabic is folded as in ticket search; see `store/articles.rs`.
    pub async fn related_articles(
        &self,
        text: &str,
        lang: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ArticleHit>> {
        let s = self.session()?;
        s.store
            .related_articles(text, lang, limit.clamp(1, MAX_RELATED))
            .await
    }

    /// An article from the local store. Customers' stores hold published ones only.
    pub async fn article(&self, id: Uuid) -> Result<Article> {
        self.session()?.store.article(id).await
    }

    /// The stored articles, newest first: published ones, or (staff, `all`) every one.
    pub async fn articles(&self, all: bool) -> Result<Vec<Article>> {
        let s = self.session()?;
        let all = all && s.account.user.role.is_staff();
        s.store.articles(!all).await
    }

    /// "This solved it": queues one deflection of a published article (no network);
    /// answers the mutation's id.
    pub async fn deflect(&self, article_id: Uuid) -> Result<Uuid> {
        let s = self.session()?;
        let article = s.store.article(article_id).await?;
        if article.status != ArticleStatus::Published {
            return Err(EngineError::Invalid(
                "only a published article can have solved a problem".into(),
            ));
        }
        let env = MutationEnvelope {
            id: Uuid::now_v7(),
            mutation: Mutation::Deflect(Deflection { article_id }),
        };
        s.store.queue(&env).await?;
        self.refresh_state(|_| {}).await;
        self.wake_sync();
        Ok(env.id)
    }

    /// Staff only: the session, refused locally for a customer (the server refuses too).
    fn staff_session(&self) -> Result<std::sync::Arc<crate::engine::Session>> {
        let s = self.session()?;
        if !s.account.user.role.is_staff() {
            return Err(EngineError::Invalid(
                "writing articles is for support staff".into(),
            ));
        }
        Ok(s)
    }

    /// Keeps the server's answer to a write in the local store and wakes a sync round.
    async fn kept(&self, s: &crate::engine::Session, article: Article) -> Result<Article> {
        s.store.keep_article(&article).await?;
        self.wake_sync();
        Ok(article)
    }

    /// Staff: writes a new article on the server (needs the connection).
    pub async fn create_article(&self, new: &NewArticle) -> Result<Article> {
        let s = self.staff_session()?;
        let mut new = new.clone();
        // The id is made here, so a retry after a lost answer is recognisable.
        new.id.get_or_insert_with(Uuid::now_v7);
        let article = s.api.create_article(&new).await?;
        self.kept(&s, article).await
    }

    /// Staff: saves changes to an article on the server (needs the connection); a save
    /// over a newer version than `changes.seen_version` is refused `conflict`.
    pub async fn update_article(&self, id: Uuid, changes: &ArticleChanges) -> Result<Article> {
        let s = self.staff_session()?;
        let article = s.api.update_article(id, changes).await?;
        self.kept(&s, article).await
    }

    /// Staff: the kept former versions of an article, newest first (needs the
    /// connection: versions live on the server only).
    pub async fn article_versions(&self, id: Uuid) -> Result<Vec<ArticleVersion>> {
        let s = self.staff_session()?;
        Ok(s.api.article_versions(id).await?.versions)
    }

    /// Staff: restores a kept version (a save itself, so the current text is kept too).
    pub async fn restore_article_version(&self, id: Uuid, version: i64) -> Result<Article> {
        let s = self.staff_session()?;
        let article = s.api.restore_article_version(id, version).await?;
        self.kept(&s, article).await
    }
}
