//! The knowledge base on the engine: related articles while filing, an article from the
//! local store, and "this solved it" (a deflection, queued in the outbox like any other
//! change). All of it works offline: articles arrive with every pull.

use tadhkira_proto::{Article, ArticleStatus, Deflection, Mutation, MutationEnvelope};
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
}
